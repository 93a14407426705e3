import assert from 'node:assert/strict';
import * as net from 'node:net';
import { before, describe, test } from 'node:test';
import { CloudError } from '../../../src/cloud/errors';
import { RateBudget, type RateWait } from '../../../src/cloud/rateBudget';
import { DEMO_ACCESS_KEY_SECRET, DEMO_REGION_ID } from '../../emulator/demo';
import type { SwasEmulator } from '../../emulator/server';
import { capturingLogger, demoEmulator, emulatorClient, recordingSleep } from '../../support/emulatorClient';

// How SwasClient.call retries, waits and logs, through the real SDK against the emulator.
describe('SwasClient retries, waits and logs', () => {
  const demo = demoEmulator();
  let emulator: SwasEmulator;
  before(() => (emulator = demo.emulator));

  test('transient failures back off from baseDelayMs, doubling up to maxDelayMs, for `attempts` tries in all', async () => {
    const { sleep, delays } = recordingSleep();
    const client = await emulatorClient(emulator, { sleep, retry: { attempts: 5, baseDelayMs: 100, maxDelayMs: 350 } });
    emulator.injectFault({ action: 'ListKeyPairs', kind: 'status', status: 503, times: 10 });
    await assert.rejects(client.listKeyPairs(DEMO_REGION_ID), (e: CloudError) => e.kind === 'serverError');
    assert.deepEqual(delays, [100, 200, 350, 350]);
    assert.equal(emulator.callsOf('ListKeyPairs').length, 5);
  });

  test('the default policy: four tries, 1 s, 2 s and 4 s apart', async () => {
    const { sleep, delays } = recordingSleep();
    const client = await emulatorClient(emulator, { sleep });
    emulator.injectFault({ action: 'ListKeyPairs', kind: 'status', status: 503, times: 10 });
    await assert.rejects(client.listKeyPairs(DEMO_REGION_ID), (e: CloudError) => e.kind === 'serverError');
    assert.deepEqual(delays, [1000, 2000, 4000]);
    assert.equal(emulator.callsOf('ListKeyPairs').length, 4);
  });

  test('a throttled answer\'s Retry-After replaces the backoff, but never beyond maxDelayMs', async () => {
    const { sleep, delays } = recordingSleep();
    const client = await emulatorClient(emulator, { sleep, retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 500 } });
    emulator.injectFault({ action: 'ListKeyPairs', kind: 'throttle', retryAfter: 30 });
    emulator.injectFault({ action: 'ListKeyPairs', kind: 'throttle', retryAfter: 5000 });
    const keyPairs = await client.listKeyPairs(DEMO_REGION_ID);
    assert.ok(keyPairs.length > 0);
    assert.deepEqual(delays, [30, 500]);
  });

  test('with a rate budget, a throttled answer waits for the rate window to free instead of the backoff, twice at most', async () => {
    const { sleep, delays } = recordingSleep();
    let now = 0;
    const waits: RateWait[] = [];
    const budget = new RateBudget({ now: () => now, sleep: async (ms) => void (now += ms) });
    const client = await emulatorClient(emulator, { sleep, budget, onRateWait: (wait) => waits.push(wait) });
    emulator.injectFault({ action: 'ListKeyPairs', kind: 'throttle', times: 2 });
    assert.ok((await client.listKeyPairs(DEMO_REGION_ID)).length > 0);
    assert.deepEqual(waits.map((w) => [w.action, w.ms, w.afterThrottled]), [['ListKeyPairs', 60_000, true], ['ListKeyPairs', 60_000, true]]);
    assert.deepEqual(delays, [], 'no 1/2/4 s backoff');
    emulator.injectFault({ action: 'ListKeyPairs', kind: 'throttle', times: 3 });
    await assert.rejects(client.listKeyPairs(DEMO_REGION_ID), (e: CloudError) => e.kind === 'throttled');
    assert.equal(emulator.callsOf('ListKeyPairs').length, 3 + 3);
  });

  test('with a rate budget, each call, answered or refused, frees its place a window after its answer', async () => {
    let now = 0;
    const waits: number[] = [];
    const budget = new RateBudget({
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        if (waits.length > 2) throw new Error('a call still holds its place after its answer');
        now += ms;
      },
    });
    const client = await emulatorClient(emulator, { sleep: recordingSleep().sleep, budget });
    emulator.injectFault({ action: 'ListKeyPairs', kind: 'error', status: 400, code: 'InvalidParameter', message: 'no' });
    await assert.rejects(client.listKeyPairs(DEMO_REGION_ID));
    now += 60_000;
    for (let i = 0; i < 8; i++) await client.listKeyPairs(DEMO_REGION_ID);
    assert.deepEqual(waits, [], 'the refused call left the window');
    await client.listKeyPairs(DEMO_REGION_ID);
    assert.deepEqual(waits, [60_000]);
  });

  test('with a rate budget, tries refused a connection spend no place: the endpoint back, 8 calls still go at once', async () => {
    let now = 0;
    const waits: number[] = [];
    const budget = new RateBudget({ now: () => now, sleep: async (ms) => { waits.push(ms); now += ms; } });
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as net.AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const deadEndpoint = await emulatorClient(`http://127.0.0.1:${port}`, { sleep: recordingSleep().sleep, budget });
    for (let i = 0; i < 2; i++) await assert.rejects(deadEndpoint.listKeyPairs(DEMO_REGION_ID), (e: CloudError) => e.kind === 'connectionRefused');
    const client = await emulatorClient(emulator, { sleep: recordingSleep().sleep, budget });
    for (let i = 0; i < 8; i++) await client.listKeyPairs(DEMO_REGION_ID);
    assert.deepEqual(waits, [], '2 × 4 refused tries took no place in the window');
    await client.listKeyPairs(DEMO_REGION_ID);
    assert.equal(waits.length, 1, 'the 9th answered call waits');
  });

  test('a refusal is neither retried nor waited for', async () => {
    const { sleep, delays } = recordingSleep();
    const client = await emulatorClient(emulator, { sleep, retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 500 } });
    emulator.injectFault({ action: 'ListKeyPairs', kind: 'error', status: 400, code: 'InvalidParameter', message: 'no' });
    await assert.rejects(client.listKeyPairs(DEMO_REGION_ID), (e: CloudError) => e.kind === 'invalidParameter');
    assert.deepEqual(delays, []);
    assert.equal(emulator.callsOf('ListKeyPairs').length, 1);
  });

  test('onTransientFailure hears of each try that may have acted, and not of a refusal', async () => {
    const client = await emulatorClient(emulator, { sleep: recordingSleep().sleep, retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 10 } });
    let told = 0;
    emulator.injectFault({ action: 'CreateKeyPair', kind: 'dropAfterAct' });
    await client.createKeyPair(DEMO_REGION_ID, 'retry-told', 'token-retry-told', () => told++);
    assert.equal(told, 1);
    told = 0;
    emulator.injectFault({ action: 'CreateKeyPair', kind: 'error', status: 400, code: 'KeyPairNameAlreadyExist', message: 'exists' });
    await assert.rejects(client.createKeyPair(DEMO_REGION_ID, 'retry-refused', 'token-retry-refused', () => told++));
    assert.equal(told, 0);
  });

  test('without an injected sleep the client really waits before the retry', async () => {
    const client = await emulatorClient(emulator, { retry: { attempts: 2, baseDelayMs: 600, maxDelayMs: 600 } });
    emulator.injectFault({ action: 'ListKeyPairs', kind: 'status', status: 503 });
    await client.listKeyPairs(DEMO_REGION_ID);
    const [first, second] = emulator.callsOf('ListKeyPairs');
    assert.ok(second.at - first.at >= 600, `retried ${second.at - first.at} ms after the first try`);
  });

  test('a successful call logs action, region, its duration and the request id, and no secret', async () => {
    const { logger, lines } = capturingLogger();
    const client = await emulatorClient(emulator, { logger });
    const started = Date.now();
    await client.listKeyPairs(DEMO_REGION_ID);
    const elapsed = Date.now() - started;
    const [call] = emulator.callsOf('ListKeyPairs');
    assert.equal(lines.length, 1);
    assert.equal(lines[0].level, 'info');
    const logged = /^ListKeyPairs cn-hangzhou: ok in (\d+) ms \(request id ([^)]+)\)$/.exec(lines[0].message);
    assert.ok(logged, lines[0].message);
    assert.ok(Number(logged[1]) <= elapsed, lines[0].message);
    assert.equal(logged[2], call.requestId);
    assert.ok(!lines[0].message.includes(DEMO_ACCESS_KEY_SECRET));
    assert.ok(call.signature && !lines[0].message.includes(call.signature));
  });

  test('a failed try logs its kind, duration, attempt, HTTP status, code and request id', async () => {
    const { logger, lines } = capturingLogger();
    const client = await emulatorClient(emulator, { logger, sleep: recordingSleep().sleep, retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 10 } });
    emulator.injectFault({ action: 'ListKeyPairs', kind: 'status', status: 503, code: 'ServiceUnavailable' });
    const started = Date.now();
    await client.listKeyPairs(DEMO_REGION_ID);
    const elapsed = Date.now() - started;
    const [failed] = emulator.callsOf('ListKeyPairs');
    assert.deepEqual(lines.map((line) => line.level), ['warn', 'info']);
    const logged = /^ListKeyPairs cn-hangzhou: serverError after (\d+) ms \(attempt 1\/3, HTTP 503, code ServiceUnavailable, request id ([^)]+)\)$/.exec(lines[0].message);
    assert.ok(logged, lines[0].message);
    assert.ok(Number(logged[1]) <= elapsed, lines[0].message);
    assert.equal(logged[2], failed.requestId);
    assert.ok(lines.every((line) => !line.message.includes(DEMO_ACCESS_KEY_SECRET) && !line.message.includes(failed.signature!)));
  });

  test('a failure without an answer is logged without the HTTP status, code or request id it never had', async () => {
    const { logger, lines } = capturingLogger();
    const client = await emulatorClient(emulator, {
      logger,
      sleep: recordingSleep().sleep,
      retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 10 },
      timeouts: { connectMs: 1000, readMs: 200 },
    });
    emulator.injectFault({ action: 'ListKeyPairs', kind: 'dropBeforeAct' });
    emulator.injectFault({ action: 'ListKeyPairs', kind: 'delay', ms: 400 });
    await client.listKeyPairs(DEMO_REGION_ID);
    assert.match(lines[0].message, /^ListKeyPairs cn-hangzhou: network after \d+ ms \(attempt 1\/3, code ECONNRESET\)$/);
    assert.match(lines[1].message, /^ListKeyPairs cn-hangzhou: timeout after \d+ ms \(attempt 2\/3\)$/);
  });

  // The SDK's own limit is 3 s (httpx); CreateKeyPair generates a key, so the defaults allow far more.
  test('the default timeouts wait out an answer slower than the SDK\'s own 3 s', async () => {
    const client = await emulatorClient(emulator, { retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } });
    emulator.injectFault({ action: 'ListKeyPairs', kind: 'delay', ms: 3300 });
    const keyPairs = await client.listKeyPairs(DEMO_REGION_ID);
    assert.ok(keyPairs.length > 0);
  });
});
