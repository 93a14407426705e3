import type { Clock } from './clock';

/**
 * Calls per minute per Alibaba Cloud account, its RAM users and roles all together, as SWAS publishes
 * them (docs/swas-api.md, "Rate limits").
 */
const DOCUMENTED_LIMITS: Readonly<Record<string, number>> = {
  ListInstances: 10,
  RebootInstance: 10,
  StartInstance: 10,
  StopInstance: 10,
  ListRegions: 10,
  ListFirewallRules: 10,
  CreateFirewallRule: 10,
};

/** An action without a published figure (key-pair calls, DescribeInstanceKeyPair, …) may have the strictest one. */
const STRICTEST_LIMIT = Math.min(...Object.values(DOCUMENTED_LIMITS));

/** The share of each limit this extension uses, leaving the rest to the user's other tools on the account. */
const SHARE = 0.8;

export const RATE_WINDOW_MS = 60_000;

/** The calls a minute this extension sends of `action`: 80% of its limit, rounded down (8 of 10). */
export function budgetOf(action: string): number {
  return Math.floor((Object.hasOwn(DOCUMENTED_LIMITS, action) ? DOCUMENTED_LIMITS[action] : STRICTEST_LIMIT) * SHARE);
}

export interface RateWait {
  readonly action: string;
  /** How long the call waits, in the clock's ms. */
  readonly ms: number;
  /** After a throttled answer (someone else spent the account's budget), not the extension's own budget. */
  readonly afterThrottled: boolean;
  /** Resolves when the wait is over. */
  readonly done: Promise<void>;
}

export type RateWaitListener = (wait: RateWait) => void;

/**
 * One client-side budget per account and action over a sliding minute, shared by every command and
 * the tree, so the extension never sends a call the service would refuse for rate and keeps headroom
 * for the user's other tools. The service counts per Alibaba Cloud account; what the extension can
 * know of the account is the AccessKey ID of the resolved credentials, so that is the account key
 * (two AccessKeys of one account get a budget each: the headroom is there for that).
 */
export class RateBudget {
  /** When each call was sent in the last window, per account and action. */
  private readonly sent = new Map<string, number[]>();

  constructor(private readonly clock: Clock) {}

  /** Resolves when a call of `action` may be sent, and counts it; `onWait` hears of any wait first. */
  async take(account: string, action: string, onWait?: RateWaitListener): Promise<void> {
    const limit = budgetOf(action);
    for (;;) {
      const times = this.inWindow(account, action);
      if (times.length < limit) {
        times.push(this.clock.now());
        return;
      }
      await this.wait(action, times[0] + RATE_WINDOW_MS - this.clock.now(), false, onWait);
    }
  }

  /**
   * After a throttled answer: waits until the window frees, that is until the oldest call of the
   * window leaves it (a whole window when there is none), rather than a second or two inside a
   * window that is still full.
   */
  async waitAfterThrottled(account: string, action: string, onWait?: RateWaitListener): Promise<void> {
    const oldest = this.inWindow(account, action)[0];
    const ms = oldest === undefined ? RATE_WINDOW_MS : oldest + RATE_WINDOW_MS - this.clock.now();
    await this.wait(action, ms, true, onWait);
  }

  private inWindow(account: string, action: string): number[] {
    const key = `${account}\n${action}`;
    const start = this.clock.now() - RATE_WINDOW_MS;
    const times = (this.sent.get(key) ?? []).filter((t) => t > start);
    this.sent.set(key, times);
    return times;
  }

  private async wait(action: string, ms: number, afterThrottled: boolean, onWait: RateWaitListener | undefined): Promise<void> {
    const waitMs = Math.max(ms, 1);
    const done = this.clock.sleep(waitMs);
    onWait?.({ action, ms: waitMs, afterThrottled, done });
    await done;
  }
}
