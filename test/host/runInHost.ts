import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTests } from '@vscode/test-electron';

/** The host scripts/testHost.mjs chose, passed by scripts/test.mjs as env SWAS_HOST_CHOICE (JSON). */
interface HostChoice {
  host: 'code-server' | 'desktop';
  /** desktop only: 'stable' or an exact x.y.z */
  version?: string;
}

function hostChoice(): HostChoice {
  const json = process.env.SWAS_HOST_CHOICE;
  return json ? (JSON.parse(json) as HostChoice) : { host: 'code-server' };
}

/**
 * Runs `extensionTestsPath` in a real extension host, with a fresh workspace, profile and extensions folder
 * per run so nothing leaks between runs: code-server through test/host/code-test-shim (offline; the default
 * when SWAS_HOST_CHOICE is unset), or desktop VS Code that @vscode/test-electron downloads. Rejects unless the
 * run exits 0.
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
  const launchArgs = [workspace, `--user-data-dir=${path.join(runDir, 'user-data')}`, `--extensions-dir=${path.join(runDir, 'extensions')}`];
  const choice = hostChoice();
  try {
    if (choice.host === 'desktop') {
      // the shim gives each run a sandbox HOME (run-ext-tests.mjs); desktop VS Code gets one here, so tests never
      // touch the real ~/.ssh (USERPROFILE is what os.homedir() reads on Windows)
      const home = path.join(runDir, 'home');
      fs.mkdirSync(home);
      await runTests({
        version: choice.version,
        extensionDevelopmentPath: repoRoot,
        extensionTestsPath,
        launchArgs,
        extensionTestsEnv: { ...extensionTestsEnv, HOME: home, USERPROFILE: home },
      });
      return;
    }
    await runTests({
      vscodeExecutablePath: path.join(repoRoot, 'test/host/code-test-shim'),
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath,
      launchArgs,
      extensionTestsEnv,
    });
  } finally {
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}
