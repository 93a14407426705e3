/** Timings of one figure in milliseconds, in run order. */
export interface Sample {
  runs: number[];
}

export interface Summary {
  median: number;
  min: number;
  max: number;
  p10: number;
  p90: number;
  runs: number;
}

function quantile(sorted: number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

export function summarize(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    p10: quantile(sorted, 0.1),
    p90: quantile(sorted, 0.9),
    runs: sorted.length,
  };
}

/**
 * Runs `measured` once untimed (warm-up: JIT, file cache), then `runs` timed times; `prepare`
 * runs before each, outside the timing. Run index 0 is the warm-up, 1..runs the timed ones.
 */
export async function timeRuns(
  runs: number,
  measured: (run: number) => unknown,
  prepare?: (run: number) => unknown,
): Promise<Sample> {
  const times: number[] = [];
  for (let run = 0; run <= runs; run++) {
    await prepare?.(run);
    const started = performance.now();
    await measured(run);
    const elapsed = performance.now() - started;
    if (run > 0) times.push(elapsed);
  }
  return { runs: times };
}
