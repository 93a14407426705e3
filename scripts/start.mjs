// `npm start`: a local demo, no cloud account needed. Installs the offline VS Code host, packages the
// extension, starts the bundled SWAS emulator and a code-server (VS Code in the browser) that has the VSIX
// installed, demo credentials in its environment and `swas.endpoint` pointing at the emulator.
// HOME for VS Code is the sandbox .vscode-test/demo-home, so keys and ~/.ssh/config edits land there.
// Runs until Ctrl-C, then stops everything it started.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import {
  REPO_ROOT, freePort, installVsix, startCodeServer, writeUserSettings,
} from '../test/host/code-server.mjs';

const DEMO_DIR = path.join(REPO_ROOT, '.vscode-test/demo');
const DEMO_HOME = path.join(REPO_ROOT, '.vscode-test/demo-home');
const VSIX = path.join(REPO_ROOT, 'dist/swas-keypairs.vsix');
const EMULATOR_CLI = path.join(REPO_ROOT, 'out/test/emulator/cli.js');
const DEMO_CREDENTIALS = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI5tDemoKeyId0000000000',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'demo-secret-not-real',
};

function step(label, command, args) {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd: REPO_ROOT, stdio: 'inherit' });
  console.log(`[start] ${label} (${((performance.now() - started) / 1000).toFixed(1)}s)`);
  return result.status;
}

/**
 * Packages the VSIX as `npm run package` does. vsce lists every file it puts in; a newcomer needs one
 * line (its "Packaged: <vsix> (N files, size)"), and all of the output only when packaging fails.
 */
function packageVsix() {
  const started = performance.now();
  const result = spawnSync('npm', ['run', 'package', '--silent'], { cwd: REPO_ROOT, encoding: 'utf8' });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.replace(/\x1b\[[0-9;]*m/g, '');
  if (result.status !== 0) {
    process.stdout.write(output);
    console.log(`[start] package failed (${seconds}s)`);
    return false;
  }
  const packaged = /Packaged: (.+)$/m.exec(output)?.[1] ?? `${path.relative(REPO_ROOT, VSIX)} (${(fs.statSync(VSIX).size / 1024).toFixed(1)} KB)`;
  console.log(`[start] package: ${packaged.trim()} (${seconds}s)`);
  return true;
}

/** Starts the emulator and resolves its base URL from the `SWAS emulator listening on <url>` line. */
function startEmulator() {
  const child = spawn(process.execPath, [EMULATOR_CLI, '--demo', '--port', '0'], {
    cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the emulator printed no URL within 15 s')), 15_000);
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code}) before listening`)));
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const match = line.match(/SWAS emulator listening on (http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1] });
      } else {
        console.log(`[emulator] ${line}`);
      }
    });
  });
}

if (step('host install', 'bash', ['test/host/install.sh']) !== 0) process.exit(1);
if (!packageVsix()) process.exit(1);
// the emulator is compiled with the tests; a colleague's type error elsewhere must not block the demo
step('compile (tsc)', process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.']);
if (!fs.existsSync(EMULATOR_CLI)) {
  console.error(`[start] ${path.relative(REPO_ROOT, EMULATOR_CLI)} missing after compiling`);
  process.exit(1);
}

fs.mkdirSync(path.join(DEMO_HOME, '.ssh'), { recursive: true, mode: 0o700 });
fs.chmodSync(path.join(DEMO_HOME, '.ssh'), 0o700);
const dirs = {
  home: DEMO_HOME,
  userDataDir: path.join(DEMO_DIR, 'user-data'),
  extensionsDir: path.join(DEMO_DIR, 'extensions'),
  xdgDir: path.join(DEMO_DIR, 'xdg'),
};
const workspace = path.join(DEMO_DIR, 'workspace');
for (const dir of [...Object.values(dirs), workspace]) fs.mkdirSync(dir, { recursive: true });

let emulator;
let server;
let stopping = false;
/** Stops code-server and the emulator, then exits. Never rejects (code-server's stop() does not), so handlers fire and forget it. */
async function stopAll(exitCode) {
  if (stopping) return;
  stopping = true;
  console.log('\n[start] stopping');
  await server?.stop();
  emulator?.child.kill('SIGTERM');
  process.exit(exitCode);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
process.on('SIGHUP', () => void stopAll(0));

try {
  emulator = await startEmulator();
  emulator.child.once('exit', (code) => { console.error(`[start] the emulator exited (${code})`); void stopAll(1); });
  writeUserSettings(dirs.userDataDir, { 'swas.endpoint': emulator.url, 'swas.defaultRegion': 'cn-hangzhou' });
  installVsix({ vsix: VSIX, ...dirs });
  const port = await freePort(Number(process.env.PORT || 8080));
  server = await startCodeServer({ port, ...dirs, env: DEMO_CREDENTIALS });
} catch (error) {
  console.error(`[start] ${error.message}`);
  await stopAll(1);
}

console.log(`
SWAS Key Pairs demo is running.

  Open:      ${server.baseUrl}/?folder=${encodeURI(workspace)}
  Emulator:  ${emulator.url}  (region cn-hangzhou, demo credentials set; nothing reaches the cloud)
  HOME:      ${DEMO_HOME}  (keys and ~/.ssh/config edits land here)

Try: F1 -> "SWAS: Create Key Pair", pick a region and a name, then look at
     ${path.join(DEMO_HOME, '.ssh')} and the SWAS view in the activity bar.

Press Ctrl-C to stop.`);
