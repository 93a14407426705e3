import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runInRealHost } from '../host/runInHost';
import { PROVIDER_SCENARIOS } from './providers/scenarios';

/**
 * Runs the integration suites (out/test/integration/index.js) in the real extension host: once with
 * no other extension, then once per remote-SSH provider scenario with that scenario's stand-in
 * extensions installed (providers/). Env SWAS_TEST_RESULTS (optional) gets the summed counts.
 */
async function main(): Promise<void> {
  const repoRoot = path.resolve(__dirname, '../../..');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'swas-integration-'));
  const totals = { passed: 0, failed: 0, pending: 0, notForPlatform: 0 };
  const failures: string[] = [];
  const runOnce = async (name: string, env: Record<string, string>, installedExtensionPaths: string[]) => {
    const resultsFile = path.join(scratch, `${name}.json`);
    try {
      await runInRealHost(path.join(__dirname, 'index.js'), { ...env, SWAS_TEST_RESULTS: resultsFile }, installedExtensionPaths);
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!fs.existsSync(resultsFile)) {
      failures.push(`${name}: no results from the extension host`);
      return;
    }
    const counts = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as typeof totals;
    totals.passed += counts.passed;
    totals.failed += counts.failed;
    totals.pending += counts.pending;
    totals.notForPlatform += counts.notForPlatform;
  };
  // lets smoke.test.ts check that the host got a sandbox HOME instead of the caller's
  await runOnce('main', { SWAS_CALLER_HOME: os.homedir() }, []);
  const grep = process.env.SWAS_TEST_GREP;
  for (const scenario of PROVIDER_SCENARIOS) {
    if (grep && !scenario.titles.some((title) => new RegExp(grep).test(title))) {
      continue;
    }
    const fixtures = scenario.installed.map((id) => path.join(repoRoot, 'test/fixtures/remote-ssh-providers', id));
    await runOnce(`providers-${scenario.name}`, { SWAS_PROVIDER_SCENARIO: scenario.name, SWAS_STANDIN_BROKEN: scenario.broken.join(','), SWAS_STANDIN_SILENT: (scenario.silent ?? []).join(',') }, fixtures);
  }
  fs.rmSync(scratch, { recursive: true, force: true });
  if (process.env.SWAS_TEST_RESULTS) {
    fs.writeFileSync(process.env.SWAS_TEST_RESULTS, JSON.stringify(totals));
  }
  if (failures.length > 0) {
    throw new Error(failures.join('\n'));
  }
}

main().catch((error: unknown) => {
  console.error(`integration tests failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
