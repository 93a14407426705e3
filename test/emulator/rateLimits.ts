/**
 * Per-account, per-action call limits as SWAS publishes them: calls per minute for one Alibaba Cloud
 * account, its RAM users and roles all together (docs/swas-api.md, "Rate limits", which links the QPS
 * limits page). Every AccessKey and STS token the emulator knows belongs to its one account
 * (EMULATOR_ACCOUNT_ID), so all of them count together.
 */
export const DOCUMENTED_RATE_LIMITS: Readonly<Record<string, number>> = {
  // docs/swas-api.md "Rate limits": the QPS limits page and each action's own page.
  ListInstances: 10,
  RebootInstance: 10,
  StartInstance: 10,
  StopInstance: 10,
  ListRegions: 10,
  ListFirewallRules: 10,
  CreateFirewallRule: 10,
  // Assumed (ASSUMPTIONS.md): the same figure as their single-server and full-list siblings.
  RebootInstances: 10,
  ListInstanceStatus: 10,
};

/** What an action without a published figure gets in strict mode: the strictest published one. */
export const STRICTEST_DOCUMENTED_LIMIT = Math.min(...Object.values(DOCUMENTED_RATE_LIMITS));

export const DEFAULT_RATE_WINDOW_MS = 60_000;

export interface RateLimitOptions {
  /** Calls per window, by action; an action not listed is unlimited unless `strict`. */
  readonly limits: Readonly<Record<string, number>>;
  /** Every action without a figure gets STRICTEST_DOCUMENTED_LIMIT. */
  readonly strict: boolean;
  readonly windowMs: number;
}

/**
 * A sliding window per account and action: a call is admitted when fewer than the limit were admitted
 * in the last `windowMs`. A refused call does not count (assumption, ASSUMPTIONS.md).
 */
export class RateLimiter {
  private readonly admitted = new Map<string, number[]>();

  constructor(
    private readonly options: RateLimitOptions,
    private readonly now: () => number = Date.now,
  ) {}

  limitOf(action: string): number | undefined {
    return Object.hasOwn(this.options.limits, action)
      ? this.options.limits[action]
      : this.options.strict
        ? STRICTEST_DOCUMENTED_LIMIT
        : undefined;
  }

  /** Records and admits the call, or answers false (throttled) without recording it. */
  admit(account: string, action: string): boolean {
    const key = `${account}\n${action}`;
    const at = this.now();
    const times = this.admitted.get(key) ?? [];
    this.admitted.set(key, times);
    const limit = this.limitOf(action);
    if (limit !== undefined && times.filter((t) => t > at - this.options.windowMs).length >= limit) {
      return false;
    }
    times.push(at);
    return true;
  }

  /** The most calls of `action` admitted in any one window, over all accounts. */
  peakPerWindow(action: string): number {
    const times = [...this.admitted.entries()]
      .filter(([key]) => key.endsWith(`\n${action}`))
      .flatMap(([, t]) => t)
      .sort((a, b) => a - b);
    let peak = 0;
    let first = 0;
    for (let last = 0; last < times.length; last++) {
      while (times[last] - times[first] >= this.options.windowMs) {
        first++;
      }
      peak = Math.max(peak, last - first + 1);
    }
    return peak;
  }
}
