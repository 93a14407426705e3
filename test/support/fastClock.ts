import { realClock, type Clock } from '../../src/cloud/clock';

/**
 * One origin for every fast clock of this process: each suite's World installs a new one, and a time the rate
 * budget recorded on the previous clock must not read as being in the future on the next.
 */
const ORIGIN = Date.now();

/**
 * A clock that runs `factor` times faster than the wall clock: backoffs and restart polls keep their
 * order and their ratios (a 1, 2, 4 s backoff becomes 50, 100, 200 ms at 20) while the tests stop waiting
 * out real seconds. What the emulator or OpenSSH time (boot delays, request timeouts) stays real.
 */
export function fastClock(factor: number): Clock {
  return {
    now: () => ORIGIN + (Date.now() - ORIGIN) * factor,
    sleep: (ms, signal) => realClock.sleep(ms / factor, signal),
  };
}
