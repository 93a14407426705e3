// Runs extension integration tests in a real (Node) extension host, offline: starts code-server,
// opens the workbench in headless chromium and hands extensionDevelopmentPath/extensionTestsPath to it
// through the workbench `payload` URL parameter. Takes VS Code CLI style arguments, so code-test-shim
// (which runs this file on the host's Node 24) works as `vscodeExecutablePath` for @vscode/test-electron.
// Exit code = the test runner's exit code. The caller's environment reaches the extension host,
// except HOME, which is a fresh sandbox per run so tests never touch the user's real ~/.ssh.
import fs from 'node:fs';
import path from 'node:path';
import { HOST_DIR, delay, freePort, launchChromium, startCodeServer, writeUserSettings } from './code-server.mjs';

// A watchdog for a host that never reports, not a time budget: the main suite alone takes about
// five minutes on a loaded 2-core machine (mocha's per-test timeouts catch a slow test first).
const TIMEOUT_MS = Number(process.env.SWAS_HOST_TIMEOUT_MS || 1_200_000);
const verbose = Boolean(process.env.VERBOSE);
// workbench boot chatter forwarded through codeAutomationLog; shown only with VERBOSE
const BOOT_NOISE = /^(Resolving connection token|Resolved connection token|Creating a socket|\[reconnection-grace-time\]|Updating additional builtin|\[Service Worker\]|\[AgentHost|\[AccountPolicyGate\]|Ignoring fetching additional builtin|No search provider registered|Canceled: Canceled|Timed out waiting for authentication provider 'github')/;

function parseArgs(argv) {
  const parsed = { devPaths: [], testsPath: undefined, userDataDir: undefined, extensionsDir: undefined, folders: [] };
  for (let i = 0; i < argv.length; i++) {
    const match = argv[i].match(/^--([^=]+)(?:=(.*))?$/);
    if (!match) { parsed.folders.push(path.resolve(argv[i])); continue; }
    const value = () => path.resolve(match[2] ?? argv[++i]);
    switch (match[1]) {
      case 'extensionDevelopmentPath': parsed.devPaths.push(value()); break;
      case 'extensionTestsPath': parsed.testsPath = value(); break;
      case 'user-data-dir': parsed.userDataDir = value(); break;
      case 'extensions-dir': parsed.extensionsDir = value(); break;
      // desktop-only flags test-electron adds (--no-sandbox, --disable-updates, ...) mean nothing here
      default: break;
    }
  }
  return parsed;
}

const args = parseArgs(process.argv.slice(2));
if (!args.testsPath || args.devPaths.length === 0) {
  console.error('usage: run-ext-tests.mjs --extensionDevelopmentPath=DIR --extensionTestsPath=PATH '
    + '[--user-data-dir=DIR] [--extensions-dir=DIR] [folder]');
  process.exit(2);
}

fs.mkdirSync(path.join(HOST_DIR, 'tmp'), { recursive: true });
const runDir = fs.mkdtempSync(path.join(HOST_DIR, 'tmp', 'ext-test-'));
const userDataDir = args.userDataDir ?? path.join(runDir, 'user-data');
const extensionsDir = args.extensionsDir ?? path.join(runDir, 'extensions');
if (!fs.existsSync(path.join(userDataDir, 'User', 'settings.json'))) writeUserSettings(userDataDir);

let server;
let browser;
let exitCode = 1;
try {
  server = await startCodeServer({
    port: await freePort(), userDataDir, extensionsDir,
    home: path.join(runDir, 'home'), xdgDir: path.join(runDir, 'xdg'), smokeTestDriver: true,
    // none of VS Code's ~90 built-in extensions (git, TypeScript, Copilot chat, …): nothing under test uses them, and
    // starting them and feeding them every file and configuration event was a quarter of the integration suite's
    // CPU. The UI suite keeps the two whose work its screenshots show (test/ui/lib.mjs).
    builtinExtensionsDir: path.join(runDir, 'no-builtin-extensions'),
    onOutput: verbose ? (text) => process.stderr.write(`[code-server] ${text}`) : undefined,
  });
  const remote = (p) => `vscode-remote://${server.authority}${p}`;
  const payload = [
    ...args.devPaths.map((p) => ['extensionDevelopmentPath', remote(p)]),
    ['extensionTestsPath', remote(args.testsPath)],
    ['skipWelcome', 'true'], ['skipReleaseNotes', 'true'],
  ];
  const folder = args.folders[0];
  const target = folder
    ? `${folder.endsWith('.code-workspace') ? 'workspace' : 'folder'}=${encodeURIComponent(folder)}`
    : 'ew=true';
  const url = `${server.baseUrl}/?${target}&payload=${encodeURIComponent(JSON.stringify(payload))}`;

  // no animated progress bars and transitions to paint while a test waits on a server's restart: about 8% of the
  // rotation tests' CPU. Nothing the integration tests check is drawn; the UI suite keeps the default motion.
  browser = await launchChromium(path.join(runDir, 'chromium-profile'), { reducedMotion: 'reduce' });
  const page = browser.pages()[0] ?? await browser.newPage();
  let testsExited = false;
  let resolveExit;
  const exited = new Promise((resolve) => { resolveExit = resolve; });
  // what the workbench calls in extension-test mode: test output, then the runner's exit code
  await page.exposeFunction('codeAutomationLog', (type, logArgs) => {
    if (testsExited && !verbose) return;
    const values = Array.isArray(logArgs) ? logArgs : [logArgs];
    if (!verbose && typeof values[0] === 'string' && BOOT_NOISE.test(values[0])) return;
    (console[type] ?? console.log)(...values);
  });
  await page.exposeFunction('codeAutomationExit', (code) => { testsExited = true; resolveExit(code); });
  page.on('pageerror', (error) => console.error('[page error]', error.message));
  if (verbose) page.on('console', (message) => console.error('[browser]', message.type(), message.text()));
  // Playwright's default 30 s for the page's load event is too short on a loaded 2-core machine
  // (the workbench loads several MB of script); the watchdog below still bounds the whole run.
  await page.goto(url, { timeout: 180_000 });
  exitCode = await Promise.race([
    exited,
    delay(TIMEOUT_MS).then(() => { throw new Error(`no test result after ${TIMEOUT_MS} ms`); }),
  ]);
} catch (error) {
  console.error(`run-ext-tests: ${error?.stack ?? error}`);
  if (server && !verbose) console.error(`code-server output:\n${server.output()}`);
  exitCode = 1;
} finally {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  if (!process.env.KEEP_TMP) fs.rmSync(runDir, { recursive: true, force: true });
}
process.exit(exitCode);
