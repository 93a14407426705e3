// Helpers for UI tests (test/ui/*.ui.mjs): drive the real workbench the way a user would, in
// code-server + headless Debian chromium. Run the scripts with the host's Node 24 (scripts/test.mjs does).
// Contract with scripts/test.mjs: a script prints exactly one `UI-RESULT passed=N failed=N` line
// (createUiRunner().finish()) and exits non-zero when a test failed.
import fs from 'node:fs';
import path from 'node:path';
import {
  HOST_DIR, REPO_ROOT, freePort, installVsix, launchChromium, startCodeServer, writeUserSettings,
} from '../host/code-server.mjs';

export const DEFAULT_VSIX = path.join(REPO_ROOT, 'dist/swas-keypairs.vsix');
const SCREENSHOT_DIR = path.join(REPO_ROOT, 'media/screenshots');
const FAILURE_DIR = path.join(REPO_ROOT, '.vscode-test/ui-failures');
const QUICK_INPUT = '.quick-input-widget';
const TOAST = '.notifications-toasts .notification-toast';

/**
 * Starts code-server with the extension installed from `vsix` (default: dist/swas-keypairs.vsix from
 * `npm run package`, i.e. what users get) and opens the workbench in chromium.
 * `env` reaches the extension host (e.g. credentials); HOME is `home` (default: a fresh empty sandbox).
 * `settings` are user settings merged over the quiet defaults.
 * Returns { page, home, workspace, url, stop } — always call stop().
 */
export async function startWorkbench({ vsix = DEFAULT_VSIX, env = {}, settings = {}, home, workspace } = {}) {
  fs.mkdirSync(path.join(HOST_DIR, 'tmp'), { recursive: true });
  const runDir = fs.mkdtempSync(path.join(HOST_DIR, 'tmp', 'ui-'));
  const dirs = {
    home: home ?? path.join(runDir, 'home'),
    workspace: workspace ?? path.join(runDir, 'workspace'),
    userDataDir: path.join(runDir, 'user-data'),
    extensionsDir: path.join(runDir, 'extensions'),
    xdgDir: path.join(runDir, 'xdg'),
  };
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true });
  writeUserSettings(dirs.userDataDir, settings);

  let server;
  let browser;
  const stop = async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    if (!process.env.KEEP_TMP) fs.rmSync(runDir, { recursive: true, force: true });
  };
  try {
    if (!fs.existsSync(vsix)) throw new Error(`${vsix} not found: run npm run package`);
    installVsix({ vsix, ...dirs });
    server = await startCodeServer({
      port: await freePort(), ...dirs, env,
      onOutput: process.env.VERBOSE ? (text) => process.stderr.write(`[code-server] ${text}`) : undefined,
    });
    const url = `${server.baseUrl}/?folder=${encodeURIComponent(dirs.workspace)}`;
    browser = await launchChromium(path.join(runDir, 'chromium-profile'));
    const page = browser.pages()[0] ?? await browser.newPage();
    page.on('pageerror', (error) => console.error('[page error]', error.message));
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    return { page, home: dirs.home, workspace: dirs.workspace, url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Runs a command from the command palette by its full title, e.g. `SWAS: Create Key Pair`. */
export async function palette(page, title, timeout = 60_000) {
  const input = page.locator(`${QUICK_INPUT} .quick-input-box input`);
  const row = page.locator(`${QUICK_INPUT} .monaco-list-row`, { hasText: title }).first();
  const deadline = Date.now() + timeout;
  // the palette lists the commands known when it opens: until the extension's contributions
  // are registered the row is missing, so close and reopen until it shows up
  for (;;) {
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(`>${title}`);
    try {
      await row.waitFor({ state: 'visible', timeout: 3_000 });
      await row.click();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`command "${title}" not in the palette after ${timeout} ms`, { cause: error });
      await page.keyboard.press('Escape');
    }
  }
}

/** Types `text` into the open quick input (input box or quick pick filter) and accepts it. */
export async function quickInputFill(page, text) {
  const input = page.locator(`${QUICK_INPUT} .quick-input-box input`);
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(text);
  await input.press('Enter');
}

/** Picks the quick pick item whose row contains `label`. */
export async function quickInputSelect(page, label) {
  await page.locator(`${QUICK_INPUT} .monaco-list-row`, { hasText: label }).first().click({ timeout: 15_000 });
}

/** Waits for a notification toast containing `text`; returns its locator. */
export async function waitForNotification(page, text, timeout = 30_000) {
  const toast = page.locator(TOAST, { hasText: text }).first();
  await toast.waitFor({ state: 'visible', timeout });
  return toast;
}

/** Saves a PNG of the page as media/screenshots/<name>.png; returns its path. */
export async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/**
 * Minimal sequential test runner for UI scripts: `await ui.test(title, fn)` prints ✓/✗ per test
 * (on failure, a screenshot of `page` goes to .vscode-test/ui-failures/), `ui.finish()` prints the
 * UI-RESULT line and sets the exit code.
 */
export function createUiRunner({ page } = {}) {
  let passed = 0;
  let failed = 0;
  return {
    async test(title, fn) {
      const started = performance.now();
      try {
        await fn();
        passed++;
        console.log(`  ✓ ${title} (${Math.round(performance.now() - started)} ms)`);
      } catch (error) {
        failed++;
        console.log(`  ✗ ${title}\n    ${error?.stack ?? error}`);
        if (page) {
          const file = path.join(FAILURE_DIR, `${title.replace(/[^\w-]+/g, '_')}.png`);
          fs.mkdirSync(FAILURE_DIR, { recursive: true });
          await page.screenshot({ path: file }).then(() => console.log(`    screenshot: ${file}`), () => undefined);
        }
      }
    },
    finish() {
      console.log(`UI-RESULT passed=${passed} failed=${failed}`);
      process.exitCode = failed > 0 ? 1 : 0;
    },
  };
}
