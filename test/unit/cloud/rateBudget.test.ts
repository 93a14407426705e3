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
      (await budget.take('LTAI-a', 'ListInstances', onWait)).answered();
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
      (await budget.take('LTAI-a', 'RebootInstance', onWait)).answered();
      clock.advance(5_000);
    }
    clock.advance(20_000 - 5_000);
    (await budget.take('LTAI-a', 'RebootInstance', onWait)).answered();
    (await budget.take('LTAI-a', 'RebootInstance', onWait)).answered();
    assert.deepEqual(waits.map((w) => w.ms), [60_000 - 55_000, 5_000]);
  });

  test('never more than 8 calls in any 60 s however many are asked for at once', async () => {
    const clock = scheduledClock();
    const budget = new RateBudget(clock);
    const sentAt: number[] = [];
    await clock.runAll(Promise.all(Array.from({ length: 20 }, () => budget.take('LTAI-a', 'ListRegions').then((slot) => {
      sentAt.push(clock.now());
      slot.answered();
    }))));
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
    for (let i = 0; i < 8; i++) (await budget.take('LTAI-a', 'ListInstances', onWait)).answered();
    await budget.take('LTAI-b', 'ListInstances', onWait);
    await budget.take('LTAI-a', 'ListFirewallRules', onWait);
    assert.equal(waits.length, 0);
    await budget.take('LTAI-a', 'ListInstances', onWait);
    assert.equal(waits.length, 1);
  });

  test('a call that never reached the service frees its place at once; the others keep theirs', async () => {
    const clock = fakeClock();
    const budget = new RateBudget(clock);
    const { waits, onWait } = listener();
    for (let i = 0; i < 8; i++) (await budget.take('LTAI-a', 'ListKeyPairs', onWait)).notSent();
    for (let i = 0; i < 8; i++) (await budget.take('LTAI-a', 'ListKeyPairs', onWait)).answered();
    assert.equal(waits.length, 0);
    await budget.take('LTAI-a', 'ListKeyPairs', onWait);
    assert.deepEqual(waits.map((w) => w.ms), [RATE_WINDOW_MS]);
  });

  test('after a throttled answer: a whole window, even when a call of ours leaves the window a second from now', async () => {
    const clock = fakeClock();
    const budget = new RateBudget(clock);
    const { waits, onWait } = listener();
    await budget.waitAfterThrottled('StartInstance', onWait);
    (await budget.take('LTAI-a', 'StartInstance', onWait)).answered();
    clock.advance(RATE_WINDOW_MS - 1_000);
    await budget.waitAfterThrottled('StartInstance', onWait);
    assert.deepEqual(
      waits.map((w) => [w.ms, w.afterThrottled]),
      [
        [RATE_WINDOW_MS, true],
        [RATE_WINDOW_MS, true],
      ],
    );
  });

  test('a call answered late holds its place until a window after its answer: the 9th waits for that, not a window after the first was sent', async () => {
    const clock = fakeClock();
    const budget = new RateBudget(clock);
    const start = clock.now();
    const slow = await budget.take('LTAI-a', 'ListKeyPairs');
    clock.advance(10_000);
    slow.answered();
    for (let i = 0; i < 7; i++) {
      (await budget.take('LTAI-a', 'ListKeyPairs')).answered();
      clock.advance(1_000);
    }
    await budget.take('LTAI-a', 'ListKeyPairs');
    assert.equal(clock.now() - start, 10_000 + RATE_WINDOW_MS);
  });

  test('a call still in flight holds its place however long it takes: the 9th goes a window after the first answer', async () => {
    let now = 1_000_000;
    let answeredAt = 0;
    const slots: { answered(): void }[] = [];
    const waits: number[] = [];
    const clock: Clock = {
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        if (waits.length === 2) {
          answeredAt = now;
          slots[0].answered();
        }
        if (waits.length > 3) throw new Error('still waiting after the answer');
        now += ms;
      },
    };
    const budget = new RateBudget(clock);
    for (let i = 0; i < 8; i++) slots.push(await budget.take('LTAI-a', 'ListKeyPairs'));
    now += 5 * RATE_WINDOW_MS;
    await budget.take('LTAI-a', 'ListKeyPairs');
    assert.equal(now, answeredAt + RATE_WINDOW_MS);
    assert.deepEqual(waits, [RATE_WINDOW_MS, RATE_WINDOW_MS]);
  });

  test('whatever the delay between sending and answer, no 60 s holds more than 8 arrivals (a call arrives at the latest when it is answered)', async () => {
    const clock = scheduledClock();
    const budget = new RateBudget(clock);
    const arrivals: number[] = [];
    // Delays of 0 to 36 s, the long ones first: the calls sent early arrive late, among those sent a window later.
    const delays = Array.from({ length: 24 }, (_, i) => ((24 - i) * 7_919) % 37_000);
    await clock.runAll(Promise.all(delays.map(async (delay) => {
      const slot = await budget.take('LTAI-a', 'ListKeyPairs');
      await clock.sleep(delay);
      arrivals.push(clock.now());
      slot.answered();
    })));
    arrivals.sort((a, b) => a - b);
    for (let i = 0; i + 8 < arrivals.length; i++) {
      assert.ok(arrivals[i + 8] - arrivals[i] >= RATE_WINDOW_MS, `arrivals ${i} and ${i + 8} are ${arrivals[i + 8] - arrivals[i]} ms apart`);
    }
  });
});
