import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTests } from '@vscode/test-electron';

/**
 * Runs the integration suites (out/test/integration/index.js) in the real extension host of
 * code-server through test/host/code-test-shim; VS Code itself cannot be downloaded offline.
 * Env SWAS_TEST_RESULTS (optional) is handed to index.ts, which writes the counts there.
 * Exit code 0 only when every test passed.
 */
async function main(): Promise<void> {
  const repoRoot = path.resolve(__dirname, '../../..');
  // fresh workspace, profile and extensions per run: nothing leaks between runs
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'swas-integration-'));
  const workspace = path.join(runDir, 'workspace');
  fs.mkdirSync(workspace);
  try {
    await runTests({
      vscodeExecutablePath: path.join(repoRoot, 'test/host/code-test-shim'),
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: path.join(__dirname, 'index.js'),
      launchArgs: [
        workspace,
        `--user-data-dir=${path.join(runDir, 'user-data')}`,
        `--extensions-dir=${path.join(runDir, 'extensions')}`,
      ],
      extensionTestsEnv: {
        // lets smoke.test.ts check that the host got a sandbox HOME instead of the caller's
        SWAS_CALLER_HOME: os.homedir(),
        ...(process.env.SWAS_TEST_RESULTS ? { SWAS_TEST_RESULTS: process.env.SWAS_TEST_RESULTS } : {}),
      },
    });
  } finally {
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`integration tests failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
