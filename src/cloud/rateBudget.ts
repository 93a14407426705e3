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

/** A call's place in its action's budget: it holds the place from when it is sent until a window after its answer. */
export interface RateSlot {
  /** The call returned or failed: its place frees one window from now. */
  answered(): void;
  /** The call never reached the service (the connection was refused, the name did not resolve): its place frees now. */
  notSent(): void;
}

/** A place in the budget: held while its call is in flight (no answer yet) and for a window after the answer. */
interface HeldSlot {
  answeredAt?: number;
}

/**
 * One client-side budget per account and action over a sliding minute, shared by every command and
 * the tree, so the extension never sends a call the service would refuse for rate and keeps headroom
 * for the user's other tools. The service counts per Alibaba Cloud account; what the extension can
 * know of the account is the AccessKey ID of the resolved credentials, so that is the account key
 * (two AccessKeys of one account get a budget each: the headroom is there for that).
 *
 * The service counts a call when it arrives, which is some time between its sending and its answer
 * (a slow network, a request queued in the HTTP agent). A call therefore holds its place from its
 * sending until one window after its answer: any window of the service's then holds at most as many
 * arrivals as places.
 */
export class RateBudget {
  /** The calls of the last window and those still in flight, per account and action. */
  private readonly slots = new Map<string, HeldSlot[]>();

  constructor(private readonly clock: Clock) {}

  /**
   * Resolves when a call of `action` may be sent, and counts it until `answered()` and a window
   * beyond; `onWait` hears of any wait first.
   */
  async take(account: string, action: string, onWait?: RateWaitListener): Promise<RateSlot> {
    const limit = budgetOf(action);
    for (;;) {
      const slots = this.inWindow(account, action);
      if (slots.length < limit) {
        const slot: HeldSlot = {};
        slots.push(slot);
        return {
          answered: () => void (slot.answeredAt ??= this.clock.now()),
          notSent: () => this.release(account, action, slot),
        };
      }
      await this.wait(action, this.firstLeaving(slots) - this.clock.now(), false, onWait);
    }
  }

  /**
   * After a throttled answer: waits a whole window. This extension keeps below the service's limit, so the
   * window is full of other tools' calls, sent at times it cannot know; a window from now is the first moment
   * none of them can still be in it. Its own oldest call leaving (perhaps a second from now) says nothing of theirs.
   */
  async waitAfterThrottled(action: string, onWait?: RateWaitListener): Promise<void> {
    await this.wait(action, RATE_WINDOW_MS, true, onWait);
  }

  /** When the first of `slots` leaves the window; a call still in flight leaves no sooner than a window from now. */
  private firstLeaving(slots: readonly HeldSlot[]): number {
    const now = this.clock.now();
    return Math.min(...slots.map((slot) => (slot.answeredAt ?? now) + RATE_WINDOW_MS));
  }

  private release(account: string, action: string, slot: HeldSlot): void {
    this.slots.set(slotKey(account, action), this.inWindow(account, action).filter((held) => held !== slot));
  }

  private inWindow(account: string, action: string): HeldSlot[] {
    const key = slotKey(account, action);
    const start = this.clock.now() - RATE_WINDOW_MS;
    const slots = (this.slots.get(key) ?? []).filter((slot) => slot.answeredAt === undefined || slot.answeredAt > start);
    this.slots.set(key, slots);
    return slots;
  }

  private async wait(action: string, ms: number, afterThrottled: boolean, onWait: RateWaitListener | undefined): Promise<void> {
    const waitMs = Math.max(ms, 1);
    const done = this.clock.sleep(waitMs);
    onWait?.({ action, ms: waitMs, afterThrottled, done });
    await done;
  }
}

function slotKey(account: string, action: string): string {
  return `${account}\n${action}`;
}
