/**
 * Time as the product waits on it: retry backoffs and restart polling. One clock per window
 * (Services.clock); the integration tests install a faster one, so a test of a 7-second backoff or a
 * minute-long restart wait keeps its logic and not its wall-clock time.
 */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });
}

export const realClock: Clock = { now: () => Date.now(), sleep: abortableSleep };
