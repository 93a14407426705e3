import * as path from 'path';
import { runInRealHost } from '../host/runInHost';

/**
 * Runs test/bench/index.ts in the real extension host, as the integration tests run. Env
 * SWAS_BENCH_RESULTS names the JSON file the host writes; SWAS_BENCH_MODE=activation measures the
 * first activation only.
 */
runInRealHost(path.join(__dirname, 'index.js'), {
  SWAS_BENCH_RESULTS: process.env.SWAS_BENCH_RESULTS ?? '',
  SWAS_BENCH_MODE: process.env.SWAS_BENCH_MODE ?? 'full',
  SWAS_BENCH_RUNS: process.env.SWAS_BENCH_RUNS ?? '',
}).catch((error: unknown) => {
  console.error(`bench in the extension host failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
