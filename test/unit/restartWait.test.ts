import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allowsTcpPort } from '../../src/cloud/firewall';
import { PendingRestarts } from '../../src/cloud/pendingRestarts';
import { waitUntilRunning } from '../../src/cloud/restartWait';

/** A clock that moves only when the wait sleeps, so no test depends on real time. */
function fakeClock() {
  let now = 0;
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
    const outcome = await waitUntilRunning({ status, timeoutMs: 60_000, intervalMs: 1_000, graceMs: 30_000, ...clock, onStatus: (s) => seen.push(s) });
    assert.deepEqual(outcome, { kind: 'running' });
    assert.deepEqual(seen, ['Running', 'Stopping', undefined, 'Starting', 'Running']);
  });

  test('a server seen only Running is done after the grace time (a restart quicker than the polls)', async () => {
    const clock = fakeClock();
    const outcome = await waitUntilRunning({ status: async () => 'Running', timeoutMs: 60_000, intervalMs: 1_000, graceMs: 5_000, ...clock });
    assert.deepEqual(outcome, { kind: 'running' });
    assert.equal(clock.now(), 5_000);
  });

  test('the time is up: the last status is reported', async () => {
    const clock = fakeClock();
    const outcome = await waitUntilRunning({ status: async () => 'Starting', timeoutMs: 10_000, intervalMs: 3_000, graceMs: 1_000, ...clock });
    assert.deepEqual(outcome, { kind: 'timeout', lastStatus: 'Starting' });
    assert.equal(clock.now(), 10_000, 'the last sleep is cut to the deadline');
  });

  test('cancel ends the wait at once', async () => {
    const controller = new AbortController();
    const clock = fakeClock();
    const { status, calls } = statuses('Stopping');
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
      ...clock,
    });
    assert.deepEqual(outcome, { kind: 'cancelled' });
    assert.equal(calls.length, 2);
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
});
