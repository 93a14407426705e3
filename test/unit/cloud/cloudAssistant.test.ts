import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { InvocationResult } from '../../../src/cloud/client';
import {
  decodeOutput,
  outcomeOfError,
  outcomeOfResult,
  pollDelaysMs,
  runScriptToEnd,
  waitForInvocation,
} from '../../../src/cloud/cloudAssistant';
import { CloudError } from '../../../src/cloud/errors';
import { budgetOf, RATE_WINDOW_MS } from '../../../src/cloud/rateBudget';
import { DEMO_REGION_ID } from '../../emulator/demo';
import type { SwasEmulator } from '../../emulator/server';
import { demoEmulator, emulatorClient } from '../../support/emulatorClient';

/** A clock that moves only when the wait sleeps. */
function fakeClock() {
  let now = 0;
  return { now: () => now, sleep: async (ms: number) => void (now += ms) };
}

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('Cloud Assistant: one invocation result', () => {
  test('Output is Base64 of UTF-8', () => {
    assert.equal(decodeOutput(base64('SWAS-AUTHORIZED-KEYS added\n主机\n')), 'SWAS-AUTHORIZED-KEYS added\n主机\n');
    assert.equal(decodeOutput(undefined), '');
    assert.equal(decodeOutput(''), '');
  });

  const CASES: Array<[InvocationResult, ReturnType<typeof outcomeOfResult>]> = [
    [{ status: 'Pending' }, undefined],
    [{ status: 'Running' }, undefined],
    [{ status: 'Stopping' }, undefined],
    [{}, undefined],
    [{ status: 'Success', exitCode: 0, output: base64('done') }, { kind: 'ok', output: 'done' }],
    [{ status: 'Failed', exitCode: 3, errorCode: 'ExitCodeNonzero', output: base64('SWAS-AUTHORIZED-KEYS no-such-user\n') }, { kind: 'nonZeroExit', exitCode: 3, output: 'SWAS-AUTHORIZED-KEYS no-such-user\n' }],
    [{ status: 'Failed', exitCode: 1 }, { kind: 'nonZeroExit', exitCode: 1, output: '' }],
    [{ status: 'Failed', errorCode: 'ClientNotRunning' }, { kind: 'agentNotRunning', errorCode: 'ClientNotRunning' }],
    [{ status: 'Aborted', errorCode: 'ClientNotResponse' }, { kind: 'agentNotRunning', errorCode: 'ClientNotResponse' }],
    [{ status: 'Failed', errorCode: 'ClientIsUpgrading' }, { kind: 'agentNotRunning', errorCode: 'ClientIsUpgrading' }],
    [{ status: 'Failed', errorCode: 'ClientNeedUpgrade' }, { kind: 'agentNotRunning', errorCode: 'ClientNeedUpgrade' }],
    [{ status: 'Aborted', errorCode: 'DeliveryTimeout' }, { kind: 'deliveryTimeout' }],
    [{ status: 'Failed', errorCode: 'InstanceNotRunning' }, { kind: 'notRunning', errorCode: 'InstanceNotRunning' }],
    [{ status: 'Failed', errorCode: 'InstanceReleased' }, { kind: 'notRunning', errorCode: 'InstanceReleased' }],
    [{ status: 'Timeout', errorCode: 'ExecutionTimeout' }, { kind: 'timeout' }],
    [{ status: 'Timeout' }, { kind: 'timeout' }],
    [{ status: 'Error', errorCode: 'ExecutionException', errorInfo: 'the command execution got an exception' }, { kind: 'failed', status: 'Error', errorCode: 'ExecutionException', message: 'the command execution got an exception' }],
    [{ status: 'Aborted' }, { kind: 'failed', status: 'Aborted', errorCode: undefined, message: undefined }],
    [{ status: 'Running', errorCode: 'AccountNotExists' }, { kind: 'failed', status: 'Running', errorCode: 'AccountNotExists', message: undefined }],
    [{ status: 'Success', errorCode: 'SomethingNew' }, { kind: 'failed', status: 'Success', errorCode: 'SomethingNew', message: undefined }],
  ];
  for (const [result, outcome] of CASES) {
    test(`${result.status ?? 'no status'} / ${result.errorCode ?? 'no ErrorCode'} → ${outcome?.kind ?? 'not ended'}`, () => {
      assert.deepEqual(outcomeOfResult(result), outcome);
    });
  }
});

describe('Cloud Assistant: refused calls, through the real SDK', () => {
  const demo = demoEmulator();
  let emulator: SwasEmulator;
  before(() => (emulator = demo.emulator));
  const REFUSALS: Array<{ code: string; status: number; kind: string }> = [
    { code: 'Forbidden.RAM', status: 403, kind: 'forbidden' },
    { code: 'NoPermission', status: 403, kind: 'forbidden' },
    // assumption: the undocumented codes for "agent not running" and "server not Running" name them
    { code: 'InvalidStatus.CloudAssistant', status: 400, kind: 'agentNotRunning' },
    { code: 'ClientNotRunning', status: 400, kind: 'agentNotRunning' },
    { code: 'IncorrectInstanceStatus', status: 400, kind: 'notRunning' },
    { code: 'InvalidInstance.NotRunning', status: 400, kind: 'notRunning' },
    { code: 'InvalidParameter.CommandContent', status: 400, kind: 'failed' },
  ];
  for (const { code, status, kind } of REFUSALS) {
    test(`RunCommand refused with ${code} ends as ${kind}, without an invocation to follow`, async () => {
      emulator.injectFault({ action: 'RunCommand', kind: 'error', status, code, message: `refused: ${code}` });
      const client = await emulatorClient(emulator.url, { retry: { attempts: 1, baseDelayMs: 10, maxDelayMs: 10 } });
      const outcome = await runScriptToEnd(client, DEMO_REGION_ID, 'i-any', { content: 'true', name: 'swas-test' }, { clock: fakeClock() });
      assert.equal(outcome.kind, kind);
      if (outcome.kind === 'forbidden') {
        assert.equal(outcome.error.action, 'RunCommand');
      } else if (outcome.kind === 'failed') {
        assert.equal(outcome.errorCode, code);
        assert.match(outcome.message ?? '', new RegExp(`refused: ${code}`));
      } else if (outcome.kind === 'agentNotRunning' || outcome.kind === 'notRunning') {
        assert.equal(outcome.errorCode, code);
      }
      assert.equal(emulator.calls.filter((c) => c.action === 'DescribeInvocationResult').length, 0);
    });
  }

  test('a script over 16 KB is never sent', async () => {
    const client = await emulatorClient(emulator.url);
    const before = emulator.calls.length;
    await assert.rejects(runScriptToEnd(client, DEMO_REGION_ID, 'i-any', { content: 'x'.repeat(13 * 1024), name: 'big' }), /16 KB/);
    assert.equal(emulator.calls.length, before);
  });

  test('a network failure is failed, with the error', () => {
    const outcome = outcomeOfError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'DescribeInvocationResult');
    assert.equal(outcome.kind, 'failed');
    assert.ok(outcome.kind === 'failed' && outcome.error instanceof CloudError && outcome.error.kind === 'network');
  });
});

describe('Cloud Assistant: waiting for an invocation', () => {
  test('first poll after 2 s, then 3 s, then evenly; Output decoded at the end', async () => {
    const clock = fakeClock();
    const polledAt: number[] = [];
    const answers: InvocationResult[] = [{ status: 'Pending' }, { status: 'Running' }, { status: 'Running' }, { status: 'Success', exitCode: 0, output: base64('ok\n') }];
    const outcome = await waitForInvocation({
      clock,
      describe: async () => {
        polledAt.push(clock.now());
        return answers[polledAt.length - 1];
      },
    });
    assert.deepEqual(outcome, { kind: 'ok', output: 'ok\n' });
    const steady = pollDelaysMs().steady;
    assert.deepEqual(polledAt, [2_000, 5_000, 5_000 + steady, 5_000 + 2 * steady]);
  });

  test('a wait that never ends stays within the rate budget of every minute and ends at its bound', async () => {
    const clock = fakeClock();
    const polledAt: number[] = [];
    const outcome = await waitForInvocation({
      clock,
      timeoutMs: 300_000,
      describe: async () => {
        polledAt.push(clock.now());
        return { status: 'Running' };
      },
    });
    assert.deepEqual(outcome, { kind: 'timeout', lastStatus: 'Running' });
    assert.equal(clock.now(), 300_000, 'the last sleep is cut to the bound');
    const budget = budgetOf('DescribeInvocationResult');
    for (const at of polledAt) {
      const inWindow = polledAt.filter((t) => t > at - RATE_WINDOW_MS && t <= at).length;
      assert.ok(inWindow <= budget, `${inWindow} polls in the minute before ${at} ms`);
    }
    assert.ok(polledAt.length >= 30, `${polledAt.length} polls in 5 minutes`);
  });

  test('the default bound is the command timeout and a minute for delivery', async () => {
    const clock = fakeClock();
    assert.deepEqual(await waitForInvocation({ clock, describe: async () => ({ status: 'Pending' }) }), { kind: 'timeout', lastStatus: 'Pending' });
    assert.equal(clock.now(), 120_000);
  });

  test('a refused poll ends the wait with its outcome; an abort ends it before the next poll', async () => {
    const refused = await waitForInvocation({
      clock: fakeClock(),
      describe: async () => {
        throw new CloudError('forbidden', 'DescribeInvocationResult', 'no');
      },
    });
    assert.equal(refused.kind, 'forbidden');

    const controller = new AbortController();
    let polls = 0;
    const cancelled = await waitForInvocation({
      clock: fakeClock(),
      signal: controller.signal,
      describe: async () => {
        polls++;
        controller.abort();
        return { status: 'Running' };
      },
    });
    assert.deepEqual(cancelled, { kind: 'cancelled' });
    assert.equal(polls, 1);
  });
});
