// Helpers for UI tests (test/ui/*.ui.mjs): drive the real workbench the way a user would, in
// code-server + Debian's chromium-headless-shell. Run the scripts with the host's Node 24 (scripts/test.mjs does).
// Contract with scripts/test.mjs: a script prints exactly one `UI-RESULT passed=N failed=N` line
// (createUiRunner().finish()) and exits non-zero when a test failed.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  BUILTIN_EXTENSIONS_DIR, HOST_DIR, REPO_ROOT, delay, freePort, installVsix, launchChromium, startCodeServer, writeUserSettings,
} from '../host/code-server.mjs';

export const DEFAULT_VSIX = path.join(REPO_ROOT, 'dist/swas-keypairs.vsix');
const SCREENSHOT_DIR = path.join(REPO_ROOT, 'media/screenshots');
const FAILURE_DIR = path.join(REPO_ROOT, '.vscode-test/ui-failures');
const QUICK_INPUT = '.quick-input-widget';
const TOAST = '.notifications-toasts .notification-toast';
// the emulator is TypeScript compiled by `tsc -p .` (scripts/test.mjs builds before the UI suite)
const EMULATOR_OUT = path.join(REPO_ROOT, 'out/test/emulator');

/**
 * Starts the SWAS emulator in this process, seeded with the demo world (demo access key; cn-hangzhou
 * servers web-1, db-1, win-1 and key pair existing-key). Returns { emulator, url, credentials, stop }:
 * `emulator` is the SwasEmulator (its calls and state can be asserted on), `credentials` the env
 * variables that sign in with the demo access key. `serverRootsDir`: each Linux server's server root is
 * `<dir>/<server name>/` (test/emulator/serverRoot.ts): its authorized_keys, written at its restarts, is
 * `home/.ssh/authorized_keys` there (for a local sshd).
 */
export async function startDemoEmulator({ serverRootsDir } = {}) {
  const load = createRequire(import.meta.url);
  const serverModule = path.join(EMULATOR_OUT, 'server.js');
  if (!fs.existsSync(serverModule)) throw new Error(`${serverModule} not found: run npx tsc -p .`);
  const { SwasEmulator } = load(serverModule);
  const demo = load(path.join(EMULATOR_OUT, 'demo.js'));
  const emulator = await SwasEmulator.start({
    logRequests: process.env.VERBOSE ? (line) => console.error(`[emulator] ${line}`) : undefined,
  });
  await demo.seedDemo(emulator, { serverRootsDir });
  return {
    emulator,
    url: emulator.url,
    demo,
    credentials: {
      ALIBABA_CLOUD_ACCESS_KEY_ID: demo.DEMO_ACCESS_KEY_ID,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: demo.DEMO_ACCESS_KEY_SECRET,
    },
    stop: () => emulator.stop(),
  };
}

/**
 * The built-in extensions whose work the screenshots show: the default color theme and file icons. The other ~90 (git,
 * TypeScript, Copilot chat, …) draw nothing in the views these tests drive, and starting them was about a fifth of
 * the suite's CPU.
 */
const SHOWN_BUILTIN_EXTENSIONS = ['theme-defaults', 'theme-seti'];

/**
 * Starts code-server with the extension installed from `vsix` (default: dist/swas-keypairs.vsix from
 * `npm run package`, i.e. what users get) and opens the workbench in chromium.
 * `env` reaches the extension host (e.g. credentials); HOME is `home` (default: a fresh empty sandbox with a
 * space in its path), made the passwd home too.
 * `settings` are user settings merged over the quiet defaults. `locale` (e.g. `zh-cn`) is VS Code's
 * display language, set the way a user does (Configure Display Language writes argv.json).
 * Returns { page, context, home, workspace, url, stop } — always call stop(); `context` is the browser context
 * (e.g. to grant clipboard permissions).
 */
export async function startWorkbench({ vsix = DEFAULT_VSIX, env = {}, settings = {}, home, workspace, locale } = {}) {
  fs.mkdirSync(path.join(HOST_DIR, 'tmp'), { recursive: true });
  const runDir = fs.mkdtempSync(path.join(HOST_DIR, 'tmp', 'ui-'));
  const dirs = {
    // a space in it, as in a Windows account "First Last"'s home
    home: home ?? path.join(runDir, 'First Last'),
    workspace: workspace ?? path.join(runDir, 'workspace'),
    userDataDir: path.join(runDir, 'user-data'),
    extensionsDir: path.join(runDir, 'extensions'),
    xdgDir: path.join(runDir, 'xdg'),
    builtinExtensionsDir: path.join(runDir, 'builtin-extensions'),
  };
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true });
  for (const name of SHOWN_BUILTIN_EXTENSIONS) fs.symlinkSync(path.join(BUILTIN_EXTENSIONS_DIR, name), path.join(dirs.builtinExtensionsDir, name));
  await makeUserHome(dirs.home);
  writeUserSettings(dirs.userDataDir, settings);
  if (locale) registerDisplayLanguage(dirs.userDataDir, path.join(runDir, 'language-pack'), locale);

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
    await page.goto(url, { timeout: 180_000 }); // the load event, on a loaded 2-core machine
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await waitForExtensionHost(dirs.userDataDir);
    return { page, context: browser, home: dirs.home, workspace: dirs.workspace, url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Waits until the remote extension host has started and run its startup activations (its log says "Eager
 * extensions activated"). Beside the integration hosts that takes minutes on a 2-core machine, and a test's
 * first command would otherwise spend its whole wait for an answer on the host's start.
 */
async function waitForExtensionHost(userDataDir, timeout = 300_000) {
  const logsDir = path.join(userDataDir, 'logs');
  const deadline = Date.now() + timeout;
  while (!extensionHostLogs(logsDir).some((log) => fs.readFileSync(log, 'utf8').includes('Eager extensions activated'))) {
    if (Date.now() > deadline) throw new Error(`the extension host did not finish starting within ${timeout} ms (no "Eager extensions activated" in ${logsDir})`);
    await delay(500);
  }
}

/** The remote extension host logs code-server writes under <user-data>/logs/<session>/exthost<N>/. */
function extensionHostLogs(logsDir) {
  if (!fs.existsSync(logsDir)) return [];
  return fs.readdirSync(logsDir).flatMap((session) => {
    const sessionDir = path.join(logsDir, session);
    if (!fs.statSync(sessionDir).isDirectory()) return [];
    return fs.readdirSync(sessionDir).filter((name) => name.startsWith('exthost'))
      .map((name) => path.join(sessionDir, name, 'remoteexthost.log')).filter((log) => fs.existsSync(log));
  });
}

/**
 * Makes `home` the passwd home too, as on a user's machine: OpenSSH takes `~` from passwd, VS Code from
 * $HOME. scripts/test.mjs runs each UI script with a private /etc/passwd (SWAS_TEST_PASSWD); without it
 * (a script run by hand) the test would check the wrong ~/.ssh, so it stops.
 */
export async function makeUserHome(home) {
  const passwdCopy = process.env.SWAS_TEST_PASSWD;
  if (!passwdCopy) {
    throw new Error('SWAS_TEST_PASSWD is not set: run UI scripts through npm test, or as sh test/host/private-passwd.sh <node> <script> inside unshare -m (unshare -Urm as a normal user)');
  }
  const { makePasswdHome } = createRequire(import.meta.url)(path.join(REPO_ROOT, 'out/test/support/passwdHome.js'));
  await makePasswdHome(passwdCopy, home);
}

/**
 * Makes `locale` VS Code's display language, as Configure Display Language does: `locale` in argv.json.
 * VS Code only switches to a language it has a language pack for, and the Marketplace's packs cannot be
 * fetched offline, so this registers a pack for `locale` with no core translations (in languagepacks.json,
 * where an installed pack registers itself): the workbench's own UI stays English, while extensions get
 * `locale` as vscode.env.language and load their package.nls.<locale>.json and l10n bundle.
 */
function registerDisplayLanguage(userDataDir, packDir, locale) {
  fs.mkdirSync(packDir, { recursive: true });
  const coreTranslations = path.join(packDir, 'main.i18n.json');
  fs.writeFileSync(coreTranslations, JSON.stringify({ contents: {} }));
  fs.writeFileSync(path.join(userDataDir, 'languagepacks.json'), JSON.stringify({
    [locale]: {
      hash: `ui-test-${locale}`,
      extensions: [{ extensionIdentifier: { id: `ui-test.language-pack-${locale}` }, version: '0.0.0' }],
      translations: { vscode: coreTranslations },
      label: locale,
    },
  }));
  fs.writeFileSync(path.join(userDataDir, 'User', 'argv.json'), JSON.stringify({ locale }));
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

/**
 * Waits until the quick input shows the prompt whose input placeholder contains `placeholder`, i.e. the
 * step the extension opened, not the palette or a previous step (VS Code reuses one widget for all).
 * Returns the input's locator.
 */
export async function waitForQuickInput(page, placeholder, timeout = 30_000) {
  const input = page.locator(`${QUICK_INPUT} .quick-input-box input`);
  // and takes typing: a busy input box (the names in use still loading) is read-only and drops keystrokes
  await page.waitForFunction(({ selector, text }) => {
    const element = document.querySelector(selector);
    return element !== null && element.offsetParent !== null && element.placeholder.includes(text) && !element.readOnly && !element.disabled;
  }, { selector: `${QUICK_INPUT} .quick-input-box input`, text: placeholder }, { timeout });
  return input;
}

/** Waits until no quick input (palette, pick or input box) is shown. */
export async function waitForQuickInputClosed(page, timeout = 15_000) {
  await page.locator(QUICK_INPUT).waitFor({ state: 'hidden', timeout });
}

/** Types `text` into the quick pick filter, waits for a row containing `rowText` and accepts it with Enter. */
export async function quickPickFilterAndAccept(page, text, rowText = text) {
  const input = page.locator(`${QUICK_INPUT} .quick-input-box input`);
  await input.fill(text);
  await page.locator(`${QUICK_INPUT} .monaco-list-row`, { hasText: rowText }).first().waitFor({ state: 'visible', timeout: 30_000 });
  await input.press('Enter');
}

/** The quick input's message line (input box prompt, or the validation message when the value is invalid). */
export function quickInputMessage(page) {
  return page.locator(`${QUICK_INPUT} .quick-input-message`);
}

/** Picks the quick pick item whose row contains `label`. */
export async function quickInputSelect(page, label) {
  await page.locator(`${QUICK_INPUT} .monaco-list-row`, { hasText: label }).first().click({ timeout: 15_000 });
}

/** Waits for the modal dialog whose message contains `text`; returns its locator (its buttons have role button). */
export async function waitForDialog(page, text, timeout = 30_000) {
  const dialog = page.locator('.monaco-dialog-box', { hasText: text }).first();
  await dialog.waitFor({ state: 'visible', timeout });
  return dialog;
}

/** Waits until the quick input's title contains `text` (dialogs such as the simple file dialog have no placeholder to wait for). */
export async function waitForQuickInputTitle(page, text, timeout = 30_000) {
  await page.locator(`${QUICK_INPUT} .quick-input-title`, { hasText: text }).first().waitFor({ state: 'visible', timeout });
  return page.locator(`${QUICK_INPUT} .quick-input-box input`);
}

/**
 * Waits for a file dialog (code-server's simple file dialog: a quick input titled `title`) to have filled
 * in its starting path, which ends with `pathEnd` (it does so in steps after the title shows), so typing is
 * not overwritten by it; returns the path input's locator.
 */
export async function waitForFileDialog(page, title, pathEnd, timeout = 30_000) {
  const input = await waitForQuickInputTitle(page, title, timeout);
  await page.waitForFunction(({ selector, end }) => document.querySelector(selector)?.value.endsWith(end),
    { selector: `${QUICK_INPUT} .quick-input-box input`, end: pathEnd }, { timeout });
  return input;
}

/** Polls `condition` (a function of nothing) until it returns true; throws `what` after `timeout` ms. */
export async function waitUntil(condition, what, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`still not true after ${timeout} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Waits for a notification toast containing `text`; returns its locator. */
export async function waitForNotification(page, text, timeout = 30_000) {
  const toast = page.locator(TOAST, { hasText: text }).first();
  await toast.waitFor({ state: 'visible', timeout });
  return toast;
}

/**
 * The action buttons of a notification toast, as { text, scrollWidth, clientWidth }: a label cut with
 * an ellipsis has a scrollWidth above its clientWidth.
 */
export async function notificationButtons(toast) {
  return toast.locator('.notification-list-item-buttons-container .monaco-button').evaluateAll((buttons) =>
    buttons.map((button) => ({ text: button.textContent.trim(), scrollWidth: button.scrollWidth, clientWidth: button.clientWidth })));
}

/**
 * Waits for a notification containing `text` as a toast or, when the workbench shows it only in the
 * notification center (it skips toasts for a while after several in a row, and where focus sits in the
 * toasts' corner), in the center, opened and closed again from the palette.
 */
export async function waitForMessage(page, text, timeout = 30_000) {
  try {
    await waitForNotification(page, text, 5_000);
    return;
  } catch { /* not toasted: look in the center */ }
  await palette(page, 'Notifications: Show Notifications');
  await page.locator('.notifications-center .notification-list-item', { hasText: text }).first().waitFor({ state: 'visible', timeout });
  await palette(page, 'Notifications: Hide Notifications');
}

/** Waits until no notification toast contains `text` (e.g. a finished progress toast fading out). */
export async function waitForNotificationGone(page, text, timeout = 10_000) {
  await page.locator(TOAST, { hasText: text }).first().waitFor({ state: 'hidden', timeout });
}

/** The side bar's width a screenshot needs for the view title and the tree's descriptions not to be cut. */
const SCREENSHOT_SIDEBAR_WIDTH = 560;

/**
 * Saves a PNG of the page as media/screenshots/<name>.png; returns its path. An open side bar is first
 * dragged wider by its sash, as a user would, so nothing in it is cut off (not while a quick input is open).
 */
export async function screenshot(page, name) {
  const sidebar = page.locator('.part.sidebar');
  // a drag would take the focus from an open quick input, which then closes
  const canDrag = await sidebar.isVisible() && !(await page.locator(QUICK_INPUT).isVisible());
  const box = canDrag ? await sidebar.boundingBox() : undefined;
  if (box && box.width < SCREENSHOT_SIDEBAR_WIDTH) {
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width + 1, y);
    await page.mouse.down();
    await page.mouse.move(box.x + SCREENSHOT_SIDEBAR_WIDTH, y, { steps: 5 });
    await page.mouse.up();
    await page.waitForTimeout(300);
  }
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
