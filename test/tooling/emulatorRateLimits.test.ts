import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test, type TestContext } from 'node:test';
import Swas, * as $Swas from '@alicloud/swas-open20200601';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { DOCUMENTED_RATE_LIMITS, RateLimiter, STRICTEST_DOCUMENTED_LIMIT } from '../emulator/rateLimits';
import { SwasEmulator, type EmulatorOptions } from '../emulator/server';

const REGION = 'cn-hangzhou';
const KEYS = [
  { id: 'LTAI5tRateTestKey0000001', secret: 'rate-test-secret-1' },
  { id: 'LTAI5tRateTestKey0000002', secret: 'rate-test-secret-2' },
];

async function startEmulator(t: TestContext, options: EmulatorOptions): Promise<{ emulator: SwasEmulator; clients: Swas[] }> {
  const emulator = await SwasEmulator.start(options);
  t.after(() => emulator.stop());
  const clients = KEYS.map((key) => {
    emulator.addAccessKey(key);
    return new Swas(
      new $OpenApiUtil.Config({ accessKeyId: key.id, accessKeySecret: key.secret, endpoint: `127.0.0.1:${emulator.port}`, protocol: 'http' }),
    );
  });
  return { emulator, clients };
}

function errorCode(error: unknown): string | undefined {
  return (error as { code?: string }).code;
}

describe('emulator rate limits: the window', () => {
  test('admits the limit in a window, refuses the next, and admits again once the oldest call left the window', () => {
    let now = 0;
    const limiter = new RateLimiter({ limits: { ListInstances: 3 }, strict: false, windowMs: 60_000 }, () => now);
    for (let i = 0; i < 3; i++) {
      assert.equal(limiter.admit('account', 'ListInstances'), true);
      now += 10_000;
    }
    assert.equal(limiter.admit('account', 'ListInstances'), false, 'a 4th call within 60 s');
    now = 59_999;
    assert.equal(limiter.admit('account', 'ListInstances'), false, 'the first call (at 0) is still in the window');
    now = 60_000;
    assert.equal(limiter.admit('account', 'ListInstances'), true, 'the first call left the window');
    assert.equal(limiter.admit('account', 'ListInstances'), false, 'the calls at 10 s and 20 s are still in it');
    assert.equal(limiter.peakPerWindow('ListInstances'), 3);
  });

  test('counts per account and per action; unlisted actions are free unless strict, then get the strictest figure', () => {
    const now = 0;
    const loose = new RateLimiter({ limits: { ListInstances: 1 }, strict: false, windowMs: 60_000 }, () => now);
    assert.equal(loose.admit('a', 'ListInstances'), true);
    assert.equal(loose.admit('b', 'ListInstances'), true, 'another account has its own budget');
    assert.equal(loose.admit('a', 'ListRegions'), true, 'another action has its own budget');
    assert.equal(loose.admit('a', 'ListInstances'), false);
    for (let i = 0; i < 50; i++) assert.equal(loose.admit('a', 'ListKeyPairs'), true);

    const strict = new RateLimiter({ limits: DOCUMENTED_RATE_LIMITS, strict: true, windowMs: 60_000 }, () => now);
    assert.equal(STRICTEST_DOCUMENTED_LIMIT, 10);
    for (let i = 0; i < 10; i++) assert.equal(strict.admit('a', 'ListKeyPairs'), true);
    assert.equal(strict.admit('a', 'ListKeyPairs'), false);
  });

  test('peakPerWindow finds the busiest window, not the total', () => {
    let now = 0;
    const limiter = new RateLimiter({ limits: {}, strict: false, windowMs: 1_000 }, () => now);
    for (const at of [0, 100, 200, 1_500, 1_600, 1_700, 1_800, 5_000]) {
      now = at;
      limiter.admit('a', 'ListInstances');
    }
    assert.equal(limiter.peakPerWindow('ListInstances'), 4);
    assert.equal(limiter.peakPerWindow('RebootInstance'), 0);
  });
});

describe('emulator rate limits: over HTTP', () => {
  test('every AccessKey of the account counts together; beyond the limit 400 Throttling.User without acting, logged as throttled', async (t) => {
    const { emulator, clients } = await startEmulator(t, { rateLimits: { ListInstances: 2, RebootInstance: 1 }, rateWindowMs: 60_000 });
    const server = emulator.addInstance(REGION, { instanceName: 'web', publicIpAddress: '203.0.113.9', osType: 'Linux' });
    const list = (client: Swas) => client.listInstances(new $Swas.ListInstancesRequest({ regionId: REGION }));
    await list(clients[0]);
    await list(clients[1]);
    const refused = await list(clients[0]).then(() => undefined, (error: unknown) => error);
    assert.equal(errorCode(refused), 'Throttling.User');
    assert.equal((refused as { statusCode?: number }).statusCode, 400);

    emulator.setRebootDelays({ stoppingMs: 5_000, startingMs: 5_000 });
    const reboot = () => clients[1].rebootInstance(new $Swas.RebootInstanceRequest({ regionId: REGION, instanceId: server.instanceId }));
    await reboot();
    const before = emulator.instances(REGION)[0].rebootCount;
    assert.equal(errorCode(await reboot().then(() => undefined, (error: unknown) => error)), 'Throttling.User');
    assert.equal(emulator.instances(REGION)[0].rebootCount, before, 'a throttled call does not act');
    assert.deepEqual(emulator.throttledCalls().map((c) => c.action), ['ListInstances', 'RebootInstance']);
    assert.equal(emulator.peakPerWindow('ListInstances'), 2);
  });

  test('the window slides: a call is admitted again once the oldest leaves it', async (t) => {
    const { emulator, clients } = await startEmulator(t, { rateLimits: { ListRegions: 1 }, rateWindowMs: 300 });
    const listRegions = () => clients[0].listRegions(new $Swas.ListRegionsRequest({}));
    await listRegions();
    assert.equal(errorCode(await listRegions().then(() => undefined, (error: unknown) => error)), 'Throttling.User');
    await sleep(350);
    await listRegions();
    assert.equal(emulator.throttledCalls().length, 1);
  });
});

describe('emulator: restarts and starts of several servers', () => {
  test('RebootInstances restarts every listed Running server; ListInstanceStatus follows them; StartInstance starts only a Stopped one', async (t) => {
    const { emulator, clients } = await startEmulator(t, {});
    const client = clients[0];
    // long enough that a loaded machine still reads each state before it passes
    emulator.setRebootDelays({ stoppingMs: 2_000, startingMs: 2_000 });
    const a = emulator.addInstance(REGION, { instanceName: 'a', publicIpAddress: '203.0.113.1', osType: 'Linux' });
    const b = emulator.addInstance(REGION, { instanceName: 'b', publicIpAddress: '203.0.113.2', osType: 'Linux' });
    const stopped = emulator.addInstance(REGION, { instanceName: 'c', publicIpAddress: '203.0.113.3', osType: 'Linux', status: 'Stopped' });
    const statuses = async () => {
      const response = await client.listInstanceStatus(
        new $Swas.ListInstanceStatusRequest({ regionId: REGION, instanceIds: JSON.stringify([a.instanceId, b.instanceId, stopped.instanceId]) }),
      );
      return Object.fromEntries((response.body?.instanceStatuses ?? []).map((s) => [s.instanceId, s.status]));
    };
    const refusal = await client
      .rebootInstances(new $Swas.RebootInstancesRequest({ regionId: REGION, instanceIds: JSON.stringify([a.instanceId, stopped.instanceId]) }))
      .then(() => undefined, (error: unknown) => error);
    assert.equal(errorCode(refusal), 'IncorrectInstanceStatus', 'a Stopped server cannot be restarted');
    assert.deepEqual(await statuses(), { [a.instanceId]: 'Running', [b.instanceId]: 'Running', [stopped.instanceId]: 'Stopped' }, 'nothing restarted');

    await client.rebootInstances(
      new $Swas.RebootInstancesRequest({ regionId: REGION, instanceIds: JSON.stringify([a.instanceId, b.instanceId]), clientToken: 'reboot-1' }),
    );
    assert.deepEqual(await statuses(), { [a.instanceId]: 'Stopping', [b.instanceId]: 'Stopping', [stopped.instanceId]: 'Stopped' });
    assert.equal(errorCode(await client.startInstance(new $Swas.StartInstanceRequest({ regionId: REGION, instanceId: a.instanceId })).then(() => undefined, (e: unknown) => e)), 'IncorrectInstanceStatus');
    await client.startInstance(new $Swas.StartInstanceRequest({ regionId: REGION, instanceId: stopped.instanceId }));
    assert.equal((await statuses())[stopped.instanceId], 'Starting');
    const allRunning = { [a.instanceId]: 'Running', [b.instanceId]: 'Running', [stopped.instanceId]: 'Running' };
    for (let waited = 0; waited < 20_000 && JSON.stringify(await statuses()) !== JSON.stringify(allRunning); waited += 200) await sleep(200);
    assert.deepEqual(await statuses(), allRunning);
    assert.equal(emulator.instances(REGION).find((i) => i.instanceId === a.instanceId)?.rebootCount, 1);
  });
});
