import * as os from 'os';
import * as path from 'path';
import { runInRealHost } from '../host/runInHost';

/**
 * Runs the integration suites (out/test/integration/index.js) in the real extension host. Env
 * SWAS_TEST_RESULTS (optional) is handed to index.ts, which writes the counts there.
 */
runInRealHost(path.join(__dirname, 'index.js'), {
  // lets smoke.test.ts check that the host got a sandbox HOME instead of the caller's
  SWAS_CALLER_HOME: os.homedir(),
  ...(process.env.SWAS_TEST_RESULTS ? { SWAS_TEST_RESULTS: process.env.SWAS_TEST_RESULTS } : {}),
}).catch((error: unknown) => {
  console.error(`integration tests failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
