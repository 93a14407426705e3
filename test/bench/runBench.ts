import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTests } from '@vscode/test-electron';

/**
 * Runs test/bench/index.ts in the real extension host (code-server through test/host/code-test-shim,
 * as the integration tests do), with a fresh profile per launch. Env SWAS_BENCH_RESULTS names the
 * JSON file the host writes; SWAS_BENCH_MODE=activation measures the first activation only.
 */
async function main(): Promise<void> {
  const repoRoot = path.resolve(__dirname, '../../..');
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'swas-bench-'));
  const workspace = path.join(runDir, 'workspace');
  fs.mkdirSync(workspace);
  try {
    await runTests({
      vscodeExecutablePath: path.join(repoRoot, 'test/host/code-test-shim'),
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: path.join(__dirname, 'index.js'),
      launchArgs: [workspace, `--user-data-dir=${path.join(runDir, 'user-data')}`, `--extensions-dir=${path.join(runDir, 'extensions')}`],
      extensionTestsEnv: {
        SWAS_BENCH_RESULTS: process.env.SWAS_BENCH_RESULTS ?? '',
        SWAS_BENCH_MODE: process.env.SWAS_BENCH_MODE ?? 'full',
        SWAS_BENCH_RUNS: process.env.SWAS_BENCH_RUNS ?? '',
      },
    });
  } finally {
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench in the extension host failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
