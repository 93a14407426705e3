import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTests } from '@vscode/test-electron';

/**
 * Runs `extensionTestsPath` in the real extension host of code-server (through test/host/code-test-shim:
 * VS Code itself cannot be downloaded offline), with a fresh workspace, profile and extensions folder
 * per run so nothing leaks between runs. Rejects unless the run exits 0.
 */
export async function runInRealHost(extensionTestsPath: string, extensionTestsEnv: Record<string, string>): Promise<void> {
  const repoRoot = path.resolve(__dirname, '../../..');
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'swas-host-run-'));
  const workspace = path.join(runDir, 'workspace');
  fs.mkdirSync(workspace);
  try {
    await runTests({
      vscodeExecutablePath: path.join(repoRoot, 'test/host/code-test-shim'),
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath,
      launchArgs: [workspace, `--user-data-dir=${path.join(runDir, 'user-data')}`, `--extensions-dir=${path.join(runDir, 'extensions')}`],
      extensionTestsEnv,
    });
  } finally {
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}
