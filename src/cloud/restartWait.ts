import { realClock, type Clock } from './clock';

/** How a wait for a restarted server ended. */
export type RestartWaitOutcome =
  | { kind: 'running' }
  | { kind: 'timeout'; lastStatus: string | undefined }
  | { kind: 'cancelled' };

export interface RestartWaitOptions {
  /** The server's status now (ListInstances); a rejection counts as "not known", and the wait goes on. */
  status: () => Promise<string | undefined>;
  timeoutMs: number;
  /** Before the first status read: a server takes a while to restart, and each read spends rate budget. Default 0. */
  firstDelayMs?: number;
  intervalMs: number;
  /**
   * RebootInstance answers before the server leaves Running, so a Running seen right after it may
   * be the old state: Running counts once another status was seen, or after this long.
   */
  graceMs: number;
  signal?: AbortSignal;
  clock?: Clock;
  onStatus?: (status: string | undefined) => void;
}

/** Follows a restarted server's status until it is Running again, the time is up, or the user cancels. */
export async function waitUntilRunning(options: RestartWaitOptions): Promise<RestartWaitOutcome> {
  const clock = options.clock ?? realClock;
  const started = clock.now();
  let leftRunning = false;
  let lastStatus: string | undefined;
  if (options.firstDelayMs) {
    await clock.sleep(Math.min(options.firstDelayMs, options.timeoutMs), options.signal);
  }
  for (;;) {
    if (options.signal?.aborted) {
      return { kind: 'cancelled' };
    }
    lastStatus = await options.status().catch(() => undefined);
    options.onStatus?.(lastStatus);
    if (options.signal?.aborted) {
      return { kind: 'cancelled' };
    }
    if (lastStatus !== undefined && lastStatus !== 'Running') {
      leftRunning = true;
    }
    const elapsed = clock.now() - started;
    if (lastStatus === 'Running' && (leftRunning || elapsed >= options.graceMs)) {
      return { kind: 'running' };
    }
    if (elapsed >= options.timeoutMs) {
      return { kind: 'timeout', lastStatus };
    }
    await clock.sleep(Math.min(options.intervalMs, options.timeoutMs - elapsed), options.signal);
  }
}

/**
 * One status read shared by the waits of several servers: a read younger than `maxAgeMs` answers every
 * wait that asks meanwhile, so servers polled together cost one call per poll, not one each.
 */
export function sharedStatusReader(read: () => Promise<ReadonlyMap<string, string>>, clock: Clock, maxAgeMs: number): (instanceId: string) => Promise<string | undefined> {
  let last: { at: number; answer: Promise<ReadonlyMap<string, string>> } | undefined;
  return async (instanceId) => {
    if (!last || clock.now() - last.at >= maxAgeMs) {
      last = { at: clock.now(), answer: read() };
    }
    return (await last.answer).get(instanceId);
  };
}
