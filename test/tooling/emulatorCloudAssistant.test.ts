import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import Swas, * as $Swas from '@alicloud/swas-open20200601';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { SwasEmulator, type EmulatorOptions } from '../emulator/server';
import { createServerRoot, serverAuthorizedKeysFile, serverEtcSsh, serverHome, serverHostKeyFile } from '../emulator/serverRoot';

const REGION = 'cn-hangzhou';
const KEY = { id: 'LTAI5tCloudAssistTest0001', secret: 'cloud-assistant-test-secret' };

interface Setup {
  readonly emulator: SwasEmulator;
  readonly client: Swas;
  readonly instanceId: string;
  readonly serverRoot: string;
}

/** An emulator with one Running Linux server whose server root is fresh; Pending lasts 50 ms, a Timeout second 20 ms. */
async function setUp(t: TestContext, options: EmulatorOptions = {}): Promise<Setup> {
  const emulator = await SwasEmulator.start({ invocationTiming: { pendingMs: 50, timeoutSecondMs: 20 }, ...options });
  t.after(() => emulator.stop());
  emulator.addAccessKey(KEY);
  const dir = await mkdtemp(join(tmpdir(), 'swas-cloud-assistant-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const serverRoot = join(dir, 'web');
  await createServerRoot(serverRoot);
  const { instanceId } = emulator.addInstance(REGION, { instanceName: 'web', publicIpAddress: '127.0.0.2', osType: 'Linux', serverRoot });
  const client = new Swas(
    new $OpenApiUtil.Config({
      accessKeyId: KEY.id,
      accessKeySecret: KEY.secret,
      endpoint: `127.0.0.1:${emulator.port}`,
      protocol: 'http',
      readTimeout: 5000,
      connectTimeout: 5000,
    }),
  );
  return { emulator, client, instanceId, serverRoot };
}

async function runCommand(setup: Setup, commandContent: string, extra: Partial<$Swas.RunCommandRequest> = {}): Promise<string> {
  const answer = await setup.client.runCommand(
    new $Swas.RunCommandRequest({ regionId: REGION, instanceId: setup.instanceId, name: 'test', type: 'RunShellScript', commandContent, ...extra }),
  );
  const invokeId = answer.body?.invokeId;
  assert.match(invokeId ?? '', /^t-/);
  return invokeId ?? '';
}

type Result = $Swas.DescribeInvocationResultResponseBodyInvocationResult;

/** Polls DescribeInvocationResult until the invocation ends; returns the last result and every status seen. */
async function waitForEnd(setup: Setup, invokeId: string): Promise<{ result: Result; statuses: string[] }> {
  const statuses: string[] = [];
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
    const answer = await setup.client.describeInvocationResult(
      new $Swas.DescribeInvocationResultRequest({ regionId: REGION, instanceId: setup.instanceId, invokeId }),
    );
    const result = answer.body?.invocationResult;
    assert.ok(result, 'an InvocationResult');
    const status = result.invocationStatus ?? '';
    if (statuses.at(-1) !== status) statuses.push(status);
    if (status !== 'Pending' && status !== 'Running') return { result, statuses };
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`invocation ${invokeId} did not end: ${statuses.join(' → ')}`);
}

function outputOf(result: Result): string {
  return Buffer.from(result.output ?? '', 'base64').toString('utf8');
}

async function agentStatus(setup: Setup): Promise<$Swas.DescribeCloudAssistantAttributesResponseBodyCloudAssistant | undefined> {
  const answer = await setup.client.describeCloudAssistantAttributes(
    new $Swas.DescribeCloudAssistantAttributesRequest({ regionId: REGION, instanceIds: [setup.instanceId] }),
  );
  return answer.body?.cloudAssistant?.[0];
}

describe('emulator: Cloud Assistant (RunCommand, DescribeInvocationResult, DescribeCloudAssistantAttributes)', () => {
  test('RunCommand runs the script as the server root: a line appended to the real authorized_keys, the host key read, output in Base64', async (t) => {
    // Pending long enough for the first DescribeInvocationResult to see it on a loaded machine
    const setup = await setUp(t, { invocationTiming: { pendingMs: 1000 } });
    const authorizedKeys = serverAuthorizedKeysFile(setup.serverRoot);
    await writeFile(authorizedKeys, 'ssh-ed25519 AAAAexisting user@laptop\n', { mode: 0o600 });
    const invokeId = await runCommand(
      setup,
      "printf 'ssh-ed25519 AAAAadded swas-keypairs:test\\n' >> ~/.ssh/authorized_keys\ncat /etc/ssh/ssh_host_ed25519_key.pub\npwd\nid -u\necho \"$HOME\"",
    );
    const { result, statuses } = await waitForEnd(setup, invokeId);
    assert.equal(statuses[0], 'Pending', 'Pending first, as the agent receives it');
    assert.equal(result.invocationStatus, 'Success');
    assert.equal(result.invokeRecordStatus, 'Finished');
    assert.equal(result.exitCode, 0);
    assert.equal(result.errorCode, '');
    assert.equal(result.invokeUser, 'root');
    assert.match(result.startTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(result.finishedTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const hostKey = await readFile(`${serverHostKeyFile(setup.serverRoot)}.pub`, 'utf8');
    assert.equal(outputOf(result), `${hostKey}/root\n0\n/root\n`);
    assert.equal(await readFile(authorizedKeys, 'utf8'), 'ssh-ed25519 AAAAexisting user@laptop\nssh-ed25519 AAAAadded swas-keypairs:test\n');
    assert.equal(setup.emulator.agentOf(setup.instanceId).invocationCount, 1);
  });

  test('the script sees the server root at /root and /etc/ssh: the real /root and /etc/ssh stay untouched', async (t) => {
    const setup = await setUp(t);
    const probe = `swas-emulator-probe-${randomBytes(6).toString('hex')}`;
    const { result } = await waitForEnd(setup, await runCommand(setup, `echo home > /root/${probe}\necho etc > /etc/ssh/${probe}`));
    assert.equal(result.invocationStatus, 'Success', outputOf(result));
    assert.equal(existsSync(join('/root', probe)), false, 'nothing in the real /root');
    assert.equal(existsSync(join('/etc/ssh', probe)), false, 'nothing in the real /etc/ssh');
    assert.equal(await readFile(join(serverHome(setup.serverRoot), probe), 'utf8'), 'home\n');
    assert.equal(await readFile(join(serverEtcSsh(setup.serverRoot), probe), 'utf8'), 'etc\n');
  });

  test('a non-zero exit: Failed, ExitCodeNonzero, the exit code, stdout and stderr in the output', async (t) => {
    const setup = await setUp(t);
    const { result } = await waitForEnd(setup, await runCommand(setup, 'echo out\necho err >&2\nexit 3'));
    assert.equal(result.invocationStatus, 'Failed');
    assert.equal(result.exitCode, 3);
    assert.equal(result.errorCode, 'ExitCodeNonzero');
    assert.equal(result.errorInfo, 'the command execution exit code is not zero');
    assert.equal(outputOf(result), 'out\nerr\n');
  });

  test('Timeout: the script is killed, Timeout with ExecutionTimeout; Timeout outside 10–86400 is refused', async (t) => {
    const setup = await setUp(t, { invocationTiming: { pendingMs: 0, timeoutSecondMs: 200 } });
    const started = Date.now();
    // 10 s of Timeout at 200 ms a second: killed after 2 s, long before the sleep ends
    const { result } = await waitForEnd(setup, await runCommand(setup, 'echo started\nsleep 30', { timeout: 10 }));
    assert.ok(Date.now() - started < 10_000, 'killed at its Timeout, not after the sleep');
    assert.equal(result.invocationStatus, 'Timeout');
    assert.equal(result.errorCode, 'ExecutionTimeout');
    assert.equal(outputOf(result), 'started\n');
    await assert.rejects(runCommand(setup, 'true', { timeout: 9 }), { code: 'InvalidParameter.Timeout' });
  });

  test('CommandContent over 16 KB once Base64-encoded is refused; exactly 16 KB is run', async (t) => {
    const setup = await setUp(t);
    // 12 288 bytes are 16 384 Base64 characters
    const comment = (length: number) => `#${'x'.repeat(length - 1)}`;
    await assert.rejects(runCommand(setup, comment(12_289)), { code: 'InvalidParameter.CommandContent', statusCode: 400 });
    assert.equal(setup.emulator.invocations().length, 0, 'nothing was run');
    const { result } = await waitForEnd(setup, await runCommand(setup, comment(12_288)));
    assert.equal(result.invocationStatus, 'Success');
  });

  test('only a Running server: a stopped one is refused IncorrectInstanceStatus 403 and reports its agent "false"', async (t) => {
    const setup = await setUp(t);
    setup.emulator.stopInConsole(REGION, setup.instanceId);
    await assert.rejects(runCommand(setup, 'true'), { code: 'IncorrectInstanceStatus', statusCode: 403 });
    assert.equal(setup.emulator.invocations().length, 0);
    assert.equal((await agentStatus(setup))?.cloudAssistantStatus, 'false');
  });

  test('DescribeCloudAssistantAttributes: the agent runs by default ("true", version, OSType); stopped it is "false" and RunCommand ends ClientNotRunning, or is refused', async (t) => {
    const setup = await setUp(t);
    const running = await agentStatus(setup);
    assert.equal(running?.instanceId, setup.instanceId);
    assert.equal(running?.cloudAssistantStatus, 'true');
    assert.equal(running?.OSType, 'Linux');
    assert.match(running?.cloudAssistantVersion ?? '', /^\d+\.\d+\.\d+\.\d+$/);

    setup.emulator.setAgentRunning(setup.instanceId, false);
    const stopped = await agentStatus(setup);
    assert.equal(stopped?.cloudAssistantStatus, 'false');
    assert.equal(stopped?.cloudAssistantVersion, undefined);
    const { result } = await waitForEnd(setup, await runCommand(setup, 'echo ran >> ~/.ssh/authorized_keys'));
    assert.equal(result.invocationStatus, 'Failed');
    assert.equal(result.errorCode, 'ClientNotRunning');
    assert.equal(result.errorInfo, 'the aliyun service is not running on the instance');
    assert.equal(existsSync(serverAuthorizedKeysFile(setup.serverRoot)), false, 'the script did not run');

    setup.emulator.setAgentDownAnswer('refused');
    await assert.rejects(runCommand(setup, 'true'), { code: 'ClientNotRunning', statusCode: 403 });
    await assert.rejects(
      setup.client.describeCloudAssistantAttributes(new $Swas.DescribeCloudAssistantAttributesRequest({ regionId: REGION })),
      { code: 'MissingParameter.InstanceIds' },
    );
  });

  test('a forced delivery timeout: the script does not run, the invocation ends as told (Aborted, DeliveryTimeout)', async (t) => {
    const setup = await setUp(t);
    setup.emulator.failNextInvocation(setup.instanceId, { invocationStatus: 'Aborted', errorCode: 'DeliveryTimeout' });
    const { result, statuses } = await waitForEnd(setup, await runCommand(setup, 'echo ran >> ~/.ssh/authorized_keys'));
    // Pending may end before the first poll on a loaded machine: what counts is that it never ran
    assert.deepEqual(statuses.filter((status) => status !== 'Pending'), ['Aborted']);
    assert.equal(result.errorCode, 'DeliveryTimeout');
    assert.equal(result.errorInfo, 'the command delivery has been timeout');
    assert.equal(existsSync(serverAuthorizedKeysFile(setup.serverRoot)), false, 'the script did not run');
    const { result: next } = await waitForEnd(setup, await runCommand(setup, 'true'));
    assert.equal(next.invocationStatus, 'Success', 'only the next one fails');
  });

  test('a RAM user without the action is refused Forbidden.RAM, per action', async (t) => {
    const setup = await setUp(t);
    setup.emulator.denyAction(KEY.id, 'RunCommand');
    await assert.rejects(runCommand(setup, 'true'), { code: 'Forbidden.RAM', statusCode: 403 });
    assert.equal((await agentStatus(setup))?.cloudAssistantStatus, 'true', 'the other actions still answer');
    assert.equal(setup.emulator.invocations().length, 0);
  });

  test('an InvokeId of another server (or none) is not found', async (t) => {
    const setup = await setUp(t);
    const invokeId = await runCommand(setup, 'true');
    await assert.rejects(
      setup.client.describeInvocationResult(new $Swas.DescribeInvocationResultRequest({ regionId: REGION, instanceId: 'other', invokeId })),
      { code: 'InvalidInvokeId.NotFound', statusCode: 404 },
    );
  });

  test('rate limits: the Cloud Assistant actions are unlimited by default, 10 a window in strict mode', async (t) => {
    for (const strictLimits of [false, true]) {
      const setup = await setUp(t, { strictLimits });
      for (let call = 1; call <= 10; call++) await agentStatus(setup);
      if (strictLimits) {
        await assert.rejects(agentStatus(setup), { code: 'Throttling.User' });
        await Promise.all(Array.from({ length: 10 }, () => runCommand(setup, 'true')));
        await assert.rejects(runCommand(setup, 'true'), { code: 'Throttling.User' });
      } else {
        await agentStatus(setup);
      }
    }
  });

  test('restart and authorized_keys: "rewrite" (default) leaves the attached key only, "keep" appends it and keeps every line', async (t) => {
    for (const mode of ['rewrite', 'keep'] as const) {
      const setup = await setUp(t);
      setup.emulator.setInvocationTiming({ pendingMs: 0 });
      if (mode === 'keep') setup.emulator.setRestartAuthorizedKeys('keep');
      const authorizedKeys = serverAuthorizedKeysFile(setup.serverRoot);
      await writeFile(authorizedKeys, 'ssh-ed25519 AAAAown user@laptop\n', { mode: 0o600 });
      const publicKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
      await setup.emulator.addKeyPair(REGION, { keyPairName: 'team', publicKey });
      await setup.emulator.attachKeyPairInConsole(REGION, 'team', setup.instanceId);
      for (let restart = 0; restart < 2; restart++) {
        await setup.client.rebootInstance(new $Swas.RebootInstanceRequest({ regionId: REGION, instanceId: setup.instanceId }));
        while (setup.emulator.instances(REGION)[0].status !== 'Running' || setup.emulator.instances(REGION)[0].rebootCount <= restart) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
      assert.equal(
        await readFile(authorizedKeys, 'utf8'),
        mode === 'rewrite' ? `${publicKey}\n` : `ssh-ed25519 AAAAown user@laptop\n${publicKey}\n`,
        mode,
      );
    }
  });
});
