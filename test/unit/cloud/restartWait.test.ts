import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { afterEach, describe, mock, test } from 'node:test';
import { allowsTcpPort } from '../../../src/cloud/firewall';
import { PendingRestarts } from '../../../src/cloud/pendingRestarts';
import { realClock } from '../../../src/cloud/clock';
import { sharedStatusReader, waitUntilRunning } from '../../../src/cloud/restartWait';

/** A clock that moves only when the wait sleeps, so no test depends on real time. */
function fakeClock(start = 0) {
  let now = start;
  return { now: () => now, sleep: async (ms: number) => void (now += ms) };
}

function statuses(...sequence: Array<string | Error>) {
  const calls: number[] = [];
  let index = 0;
  return {
    calls,
    status: async () => {
      calls.push(index);
      const next = sequence[Math.min(index++, sequence.length - 1)];
      if (next instanceof Error) throw next;
      return next;
    },
  };
}

describe('waiting for a restarted server', () => {
  test('Running only counts after the server left Running; errors while polling do not end the wait', async () => {
    const clock = fakeClock();
    const seen: Array<string | undefined> = [];
    const { status } = statuses('Running', 'Stopping', new Error('ECONNRESET'), 'Starting', 'Running');
    const outcome = await waitUntilRunning({ status, timeoutMs: 60_000, intervalMs: 1_000, graceMs: 30_000, clock, onStatus: (s) => seen.push(s) });
    assert.deepEqual(outcome, { kind: 'running' });
    assert.deepEqual(seen, ['Running', 'Stopping', undefined, 'Starting', 'Running']);
  });

  test('a server seen only Running is done after the grace time (a restart quicker than the polls)', async () => {
    const clock = fakeClock();
    const outcome = await waitUntilRunning({ status: async () => 'Running', timeoutMs: 60_000, intervalMs: 1_000, graceMs: 5_000, clock });
    assert.deepEqual(outcome, { kind: 'running' });
    assert.equal(clock.now(), 5_000);
  });

  test('the time is up: the last status is reported', async () => {
    const clock = fakeClock();
    const outcome = await waitUntilRunning({ status: async () => 'Starting', timeoutMs: 10_000, intervalMs: 3_000, graceMs: 1_000, clock });
    assert.deepEqual(outcome, { kind: 'timeout', lastStatus: 'Starting' });
    assert.equal(clock.now(), 10_000, 'the last sleep is cut to the deadline');
  });
});

describe('waiting for several restarted servers', () => {
  test('the first read after firstDelayMs; the waits of several servers share one read per poll', async () => {
    const clock = fakeClock();
    const readsAt: number[] = [];
    const answers = [{ a: 'Stopping', b: 'Stopping' }, { a: 'Running', b: 'Starting' }, { a: 'Running', b: 'Running' }];
    const status = sharedStatusReader(async () => {
      readsAt.push(clock.now());
      return new Map(Object.entries(answers[Math.min(readsAt.length - 1, answers.length - 1)]));
    }, clock, 4_000);
    const wait = (id: string) => waitUntilRunning({ status: () => status(id), timeoutMs: 60_000, firstDelayMs: 10_000, intervalMs: 8_000, graceMs: 20_000, clock });
    assert.deepEqual(await Promise.all([wait('a'), wait('b')]), [{ kind: 'running' }, { kind: 'running' }]);
    // This clock moves on every sleep, so two waits sleeping together move it twice: no read before the
    // first delay, then a read per poll for both servers (a is done at the 2nd, b at the 3rd), not one each.
    assert.ok(readsAt[0] >= 10_000, `first read at ${readsAt[0]}`);
    assert.equal(readsAt.length, 3);
  });
});

describe('waiting for a restarted server: cancelling', () => {
  test('cancelled before it starts: no status is asked', async () => {
    const controller = new AbortController();
    controller.abort();
    const { status, calls } = statuses('Running');
    const outcome = await waitUntilRunning({ status, timeoutMs: 60_000, intervalMs: 1_000, graceMs: 0, signal: controller.signal, clock: fakeClock() });
    assert.deepEqual(outcome, { kind: 'cancelled' });
    assert.equal(calls.length, 0);
  });

  test('cancelled while a status is on its way: cancelled, even when that status is Running', async () => {
    const controller = new AbortController();
    const clock = fakeClock();
    const { status, calls } = statuses('Stopping', 'Running');
    const outcome = await waitUntilRunning({
      status: async () => {
        const value = await status();
        if (calls.length === 2) controller.abort();
        return value;
      },
      timeoutMs: 60_000,
      intervalMs: 1_000,
      graceMs: 1_000,
      signal: controller.signal,
      clock,
    });
    assert.deepEqual(outcome, { kind: 'cancelled' });
    assert.equal(clock.now(), 1_000, 'no sleep after the cancel');
  });

  test('cancelled during a sleep: no further status is asked', async () => {
    const controller = new AbortController();
    const { status, calls } = statuses('Stopping');
    const outcome = await waitUntilRunning({
      status,
      timeoutMs: 60_000,
      intervalMs: 1_000,
      graceMs: 1_000,
      signal: controller.signal,
      clock: { ...fakeClock(), sleep: async () => controller.abort() },
    });
    assert.deepEqual(outcome, { kind: 'cancelled' });
    assert.equal(calls.length, 1);
  });
});

describe('waiting for a restarted server: timing', () => {
  test('a failed poll is not taken as the server having left Running: the grace time still applies', async () => {
    const clock = fakeClock();
    const { status } = statuses('Running', new Error('ECONNRESET'), 'Running');
    const outcome = await waitUntilRunning({ status, timeoutMs: 60_000, intervalMs: 1_000, graceMs: 5_000, clock });
    assert.deepEqual(outcome, { kind: 'running' });
    assert.equal(clock.now(), 5_000);
  });

  test('time is counted from the start of the wait, on a clock that does not start at 0 (Date.now)', async () => {
    const clock = fakeClock(1_764_000_000_000);
    const outcome = await waitUntilRunning({ status: async () => 'Starting', timeoutMs: 10_000, intervalMs: 3_000, graceMs: 1_000, clock });
    assert.deepEqual(outcome, { kind: 'timeout', lastStatus: 'Starting' });
    assert.equal(clock.now(), 1_764_000_000_000 + 10_000);
  });
});

// Without a `clock` option the wait uses the real clock's timers: node:test's mock timers stand in, so the
// tests move time by hand and nothing waits.
describe('waiting for a restarted server: the built-in sleep', () => {
  afterEach(() => mock.timers.reset());
  /** Lets every pending promise callback run (setImmediate is not mocked). */
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

  test('polls once per interval, with or without a cancel signal, and leaves no listener on the signal', async () => {
    for (const signal of [undefined, new AbortController().signal]) {
      mock.timers.enable({ apis: ['setTimeout'] });
      const { status, calls } = statuses('Stopping', 'Starting', 'Running');
      let outcome: unknown;
      void waitUntilRunning({ status, timeoutMs: 60_000, intervalMs: 1_000, graceMs: 0, signal, clock: { ...realClock, now: () => 0 } }).then((o) => (outcome = o));
      await settle();
      assert.equal(calls.length, 1, 'the first poll at once');
      mock.timers.tick(999);
      await settle();
      assert.equal(calls.length, 1, 'nothing before the interval');
      mock.timers.tick(1);
      await settle();
      assert.equal(calls.length, 2);
      mock.timers.tick(1_000);
      await settle();
      assert.deepEqual(outcome, { kind: 'running' });
      if (signal) assert.equal(getEventListeners(signal, 'abort').length, 0, 'each sleep removes its abort listener');
      mock.timers.reset();
    }
  });

  test('a cancel during the sleep ends the wait without waiting out the interval', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    const controller = new AbortController();
    const { status, calls } = statuses('Stopping');
    let outcome: unknown;
    // the clock moves with each poll, so a sleep that does not wait still ends in a timeout rather than looping
    void waitUntilRunning({ status, timeoutMs: 60_000, intervalMs: 1_000, graceMs: 0, signal: controller.signal, clock: { ...realClock, now: () => calls.length * 1_000 } }).then((o) => (outcome = o));
    await settle();
    controller.abort();
    await settle();
    assert.deepEqual(outcome, { kind: 'cancelled' });
    assert.equal(calls.length, 1);
  });
});

describe('SWAS firewall rules: is TCP 22 allowed', () => {
  test('single ports, ranges, TCP+UDP; UDP, ICMP and drop rules do not count', () => {
    assert.equal(allowsTcpPort([{ ruleProtocol: 'TCP', port: '22' }], 22), true);
    assert.equal(allowsTcpPort([{ ruleProtocol: 'tcp', port: '1/65535', policy: 'accept' }], 22), true);
    assert.equal(allowsTcpPort([{ ruleProtocol: 'TCP+UDP', port: '20/30' }], 22), true);
    assert.equal(allowsTcpPort([{ ruleProtocol: 'TCP', port: '80' }, { ruleProtocol: 'TCP', port: '443' }], 22), false);
    assert.equal(allowsTcpPort([{ ruleProtocol: 'UDP', port: '22' }, { ruleProtocol: 'ICMP', port: '-1/-1' }], 22), false);
    assert.equal(allowsTcpPort([{ ruleProtocol: 'TCP', port: '22', policy: 'drop' }], 22), false);
    assert.equal(allowsTcpPort([{ ruleProtocol: 'TCP', port: '2222' }, { ruleProtocol: 'TCP', port: '23/100' }], 22), false);
    assert.equal(allowsTcpPort([], 22), false);
  });
});

describe('pending restarts', () => {
  test('an attach is pending until that server restarts; attaching again replaces the record', async () => {
    const store = new Map<string, unknown>();
    const memento = { get: <T>(key: string) => store.get(key) as T | undefined, update: async (key: string, value: unknown) => void store.set(key, value) };
    const pending = new PendingRestarts(memento, () => 42);
    await pending.attached('cn-hangzhou', ['i-1', 'i-2'], 'old');
    await pending.attached('cn-hangzhou', ['i-1'], 'new');
    assert.deepEqual(pending.get('cn-hangzhou', 'i-1'), { regionId: 'cn-hangzhou', instanceId: 'i-1', keyPairName: 'new', attachedAt: 42 });
    assert.equal(pending.get('cn-shanghai', 'i-1'), undefined);
    await pending.restarted('cn-hangzhou', 'i-1');
    assert.equal(pending.get('cn-hangzhou', 'i-1'), undefined);
    assert.equal(new PendingRestarts(memento).get('cn-hangzhou', 'i-2')?.keyPairName, 'old', 'kept in the store');
  });

  const memoryMemento = (initial: Record<string, unknown> = {}) => {
    const store = new Map<string, unknown>(Object.entries(initial));
    return { store, get: <T>(key: string) => store.get(key) as T | undefined, update: async (key: string, value: unknown) => void store.set(key, value) };
  };

  test('records saved by an earlier session (under swas.pendingRestarts) are still pending', () => {
    const saved = { regionId: 'cn-hangzhou', instanceId: 'i-1', keyPairName: 'kp', attachedAt: 1 };
    const pending = new PendingRestarts(memoryMemento({ 'swas.pendingRestarts': [saved] }));
    assert.deepEqual(pending.get('cn-hangzhou', 'i-1'), saved);
  });

  test('a first attach stores exactly the attached servers', async () => {
    const memento = memoryMemento();
    await new PendingRestarts(memento, () => 7).attached('cn-hangzhou', ['i-1'], 'kp');
    assert.deepEqual(memento.store.get('swas.pendingRestarts'), [{ regionId: 'cn-hangzhou', instanceId: 'i-1', keyPairName: 'kp', attachedAt: 7 }]);
  });

  test('a server is one region and ID: attaching or restarting the same ID in another region leaves it pending', async () => {
    const pending = new PendingRestarts(memoryMemento(), () => 1);
    await pending.attached('cn-hangzhou', ['i-1'], 'hangzhou');
    await pending.attached('cn-shanghai', ['i-1'], 'shanghai');
    assert.equal(pending.get('cn-hangzhou', 'i-1')?.keyPairName, 'hangzhou', 'an attach elsewhere does not replace it');
    await pending.restarted('cn-shanghai', 'i-1');
    assert.equal(pending.get('cn-hangzhou', 'i-1')?.keyPairName, 'hangzhou', 'a restart elsewhere does not clear it');
    assert.equal(pending.get('cn-shanghai', 'i-1'), undefined);
  });
});
