import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTests } from '@vscode/test-electron';

/**
 * Runs `extensionTestsPath` in the real extension host of code-server (through test/host/code-test-shim:
 * VS Code itself cannot be downloaded offline), with a fresh workspace, profile and extensions folder
 * per run so nothing leaks between runs. Rejects unless the run exits 0.
 */
export async function runInRealHost(
  extensionTestsPath: string,
  extensionTestsEnv: Record<string, string>,
  /** Extension folders (e.g. test/fixtures stand-ins) installed in the run's extensions folder. */
  installedExtensionPaths: string[] = [],
): Promise<void> {
  const repoRoot = path.resolve(__dirname, '../../..');
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'swas-host-run-'));
  const workspace = path.join(runDir, 'workspace');
  fs.mkdirSync(workspace);
  // An unpacked extension in the extensions folder is installed (code-server loads only one development path).
  for (const extensionPath of installedExtensionPaths) {
    const manifest = JSON.parse(fs.readFileSync(path.join(extensionPath, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
    fs.cpSync(extensionPath, path.join(runDir, 'extensions', `${manifest.publisher}.${manifest.name}-${manifest.version}`), { recursive: true });
  }
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
