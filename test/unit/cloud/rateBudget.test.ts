import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Clock } from '../../../src/cloud/clock';
import { budgetOf, RATE_WINDOW_MS, RateBudget, type RateWait } from '../../../src/cloud/rateBudget';

/** A clock whose sleeps pass at once, moving its time on by what was asked. */
function fakeClock(): Clock & { advance(ms: number): void } {
  let now = 1_000_000;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

/** A clock whose sleepers wake in time order, each when `runAll` moves the time to its wake-up. */
function scheduledClock(): Clock & { runAll(work: Promise<unknown>): Promise<void> } {
  let now = 1_000_000;
  const sleepers: { at: number; wake: () => void }[] = [];
  let finished = false;
  return {
    now: () => now,
    sleep: (ms) => new Promise<void>((wake) => sleepers.push({ at: now + ms, wake })),
    async runAll(work) {
      void work.finally(() => (finished = true));
      while (!finished) {
        await new Promise((resolve) => setImmediate(resolve));
        sleepers.sort((a, b) => a.at - b.at);
        const next = sleepers.shift();
        if (next) {
          now = next.at;
          next.wake();
        }
      }
    },
  };
}

function listener(): { waits: RateWait[]; onWait: (wait: RateWait) => void } {
  const waits: RateWait[] = [];
  return { waits, onWait: (wait) => waits.push(wait) };
}

describe('rate budget', () => {
  test('80% of the documented figure, rounded down; an action without one gets the strictest (10 → 8)', () => {
    assert.equal(budgetOf('ListInstances'), 8);
    assert.equal(budgetOf('RebootInstance'), 8);
    assert.equal(budgetOf('ListKeyPairs'), 8);
    assert.equal(budgetOf('DescribeInstanceKeyPair'), 8);
  });

  test('8 calls go at once; the 9th waits until the first leaves the 60-second window, and the listener is told how long', async () => {
    const clock = fakeClock();
    const budget = new RateBudget(clock);
    const { waits, onWait } = listener();
    const start = clock.now();
    for (let i = 0; i < 8; i++) {
      await budget.take('LTAI-a', 'ListInstances', onWait);
      clock.advance(1_000);
    }
    assert.equal(waits.length, 0);
    await budget.take('LTAI-a', 'ListInstances', onWait);
    assert.deepEqual(
      waits.map((w) => [w.action, w.ms, w.afterThrottled]),
      [['ListInstances', RATE_WINDOW_MS - 8_000, false]],
    );
    assert.equal(clock.now(), start + RATE_WINDOW_MS);
  });

  test('the window slides: after the wait, each further call waits only for the next oldest to leave', async () => {
    const clock = fakeClock();
    const budget = new RateBudget(clock);
    const { waits, onWait } = listener();
    for (let i = 0; i < 8; i++) {
      await budget.take('LTAI-a', 'RebootInstance', onWait);
      clock.advance(5_000);
    }
    clock.advance(20_000 - 5_000);
    await budget.take('LTAI-a', 'RebootInstance', onWait);
    await budget.take('LTAI-a', 'RebootInstance', onWait);
    assert.deepEqual(waits.map((w) => w.ms), [60_000 - 55_000, 5_000]);
  });

  test('never more than 8 calls in any 60 s however many are asked for at once', async () => {
    const clock = scheduledClock();
    const budget = new RateBudget(clock);
    const sentAt: number[] = [];
    await clock.runAll(Promise.all(Array.from({ length: 20 }, () => budget.take('LTAI-a', 'ListRegions').then(() => sentAt.push(clock.now())))));
    assert.equal(sentAt.length, 20);
    sentAt.sort((a, b) => a - b);
    for (let i = 0; i + 8 < sentAt.length; i++) {
      assert.ok(sentAt[i + 8] - sentAt[i] >= RATE_WINDOW_MS, `calls ${i} and ${i + 8} are ${sentAt[i + 8] - sentAt[i]} ms apart`);
    }
  });

  test('accounts and actions have separate budgets', async () => {
    const clock = fakeClock();
    const budget = new RateBudget(clock);
    const { waits, onWait } = listener();
    for (let i = 0; i < 8; i++) await budget.take('LTAI-a', 'ListInstances', onWait);
    await budget.take('LTAI-b', 'ListInstances', onWait);
    await budget.take('LTAI-a', 'ListFirewallRules', onWait);
    assert.equal(waits.length, 0);
    await budget.take('LTAI-a', 'ListInstances', onWait);
    assert.equal(waits.length, 1);
  });

  test('after a throttled answer: a wait until the oldest call of the window leaves it, or a whole window when there is none', async () => {
    const clock = fakeClock();
    const budget = new RateBudget(clock);
    const { waits, onWait } = listener();
    await budget.waitAfterThrottled('LTAI-a', 'StartInstance', onWait);
    await budget.take('LTAI-a', 'StartInstance', onWait);
    clock.advance(15_000);
    await budget.take('LTAI-a', 'StartInstance', onWait);
    clock.advance(10_000);
    await budget.waitAfterThrottled('LTAI-a', 'StartInstance', onWait);
    assert.deepEqual(
      waits.map((w) => [w.ms, w.afterThrottled]),
      [
        [RATE_WINDOW_MS, true],
        [RATE_WINDOW_MS - 25_000, true],
      ],
    );
  });
});
