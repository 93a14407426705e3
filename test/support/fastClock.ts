import { realClock, type Clock } from '../../src/cloud/clock';

/**
 * A clock that runs `factor` times faster than the wall clock: backoffs and restart polls keep their
 * order and their ratios (a 1, 2, 4 s backoff becomes 50, 100, 200 ms at 20) while the tests stop waiting
 * out real seconds. What the emulator or OpenSSH time (boot delays, request timeouts) stays real.
 */
export function fastClock(factor: number): Clock {
  const origin = Date.now();
  return {
    now: () => origin + (Date.now() - origin) * factor,
    sleep: (ms, signal) => realClock.sleep(ms / factor, signal),
  };
}
