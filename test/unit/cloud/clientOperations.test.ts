import assert from 'node:assert/strict';
import { before, beforeEach, describe, test } from 'node:test';
import { MissingPrivateKeyError, type SwasClient } from '../../../src/cloud/client';
import { PayAsYouGoRegions } from '../../../src/cloud/payAsYouGo';
import { CloudError } from '../../../src/cloud/errors';
import { DEMO_EXISTING_KEY_PAIR, DEMO_REGION_ID, DEMO_SERVERS } from '../../emulator/demo';
import { generateRsaKeyPair } from '../../emulator/keys';
import type { SwasEmulator } from '../../emulator/server';
import { DEFAULT_REGIONS, type EmulatorRegion } from '../../emulator/state';
import { capturingLogger, demoEmulator, emulatorClient, recordingSleep, type LoggedLine } from '../../support/emulatorClient';

// Each SwasClient operation through the real SDK against the emulator: what it sends, what it
// returns, and the log line naming it. Regions without demo servers hold each test's own world.
const KEY_PAIR_COUNTS = [[0, ['1']], [10, ['1']], [11, ['1', '2']]] as const;
const SERVER_COUNTS = [[100, ['1']], [101, ['1', '2']]] as const;
const pagingRegion = (name: string): EmulatorRegion => ({ regionId: name, localName: { 'zh-CN': name, 'en-US': name } });
const keyPairRegion = (count: number) => `cn-keypairs-${count}`;
const serverRegion = (count: number) => `cn-servers-${count}`;

describe('SwasClient operations', () => {
  const pagingRegions = [...KEY_PAIR_COUNTS.map(([count]) => keyPairRegion(count)), ...SERVER_COUNTS.map(([count]) => serverRegion(count))];
  const demo = demoEmulator({ quota: 25, regions: [...DEFAULT_REGIONS, ...pagingRegions.map(pagingRegion)] });
  let emulator: SwasEmulator;
  let client: SwasClient;
  let lines: LoggedLine[];
  let publicKey: string;

  before(async () => {
    emulator = demo.emulator;
    ({ publicKey } = await generateRsaKeyPair('pkcs1-pem'));
  });
  beforeEach(async () => {
    const captured = capturingLogger();
    lines = captured.lines;
    client = await emulatorClient(emulator, { logger: captured.logger, sleep: recordingSleep().sleep, retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 10 } });
  });
  const loggedOk = () => lines.filter((line) => line.level === 'info').map((line) => line.message.replace(/: ok in .*/, ''));

  test('ListRegions asks cn-hangzhou, the endpoint nearest most users', async () => {
    await client.listRegions();
    assert.deepEqual(loggedOk(), ['ListRegions cn-hangzhou']);
    assert.equal(emulator.callsOf('ListRegions').length, 1);
  });

  test('ListKeyPairs gives each key pair\'s name, public key, creation time and servers', async () => {
    await client.createKeyPair(DEMO_REGION_ID, 'ops-unattached', 'token-ops-unattached');
    const listed = await client.listKeyPairs(DEMO_REGION_ID);
    const inEmulator = (name: string) => emulator.keyPairs(DEMO_REGION_ID).find((k) => k.keyPairName === name)!;
    for (const name of [DEMO_EXISTING_KEY_PAIR, 'ops-unattached']) {
      const { keyPairName, publicKey: key, creationTime, instanceIds } = inEmulator(name);
      assert.deepEqual(listed.find((k) => k.keyPairName === name), { keyPairName, publicKey: key, creationTime, instanceIds: [...instanceIds] });
    }
    assert.deepEqual(listed.find((k) => k.keyPairName === DEMO_EXISTING_KEY_PAIR)?.instanceIds, [DEMO_SERVERS.web1.instanceId]);
    assert.deepEqual(loggedOk(), ['CreateKeyPair cn-hangzhou', 'ListKeyPairs cn-hangzhou']);
  });

  test('ListInstances gives each server\'s fields; a nameless server is shown by its ID, an empty address as none', async () => {
    const region = 'ap-southeast-1';
    const named = emulator.addInstance(region, { instanceName: 'ops-named', publicIpAddress: '127.0.3.1', osType: 'Linux', imageName: 'Ubuntu 22.04' });
    const nameless = emulator.addInstance(region, { instanceName: '', publicIpAddress: '', osType: 'Windows', status: 'Stopped' });
    const listed = await client.listInstances(region);
    assert.deepEqual(listed, [
      { instanceId: named.instanceId, instanceName: 'ops-named', status: 'Running', publicIpAddress: '127.0.3.1', innerIpAddress: named.innerIpAddress, osType: 'Linux', imageName: 'Ubuntu 22.04' },
      { instanceId: nameless.instanceId, instanceName: nameless.instanceId, status: 'Stopped', publicIpAddress: undefined, innerIpAddress: nameless.innerIpAddress, osType: 'Windows', imageName: 'Windows Server 2022' },
    ]);
    assert.deepEqual(loggedOk(), [`ListInstances ${region}`, `ListInstances ${region}`], 'subscription servers, then pay-as-you-go ones');
  });

  test('pay-as-you-go servers are listed after the subscription ones; a region without any is not asked again until forgotten, a refusal counts as none', async () => {
    const region = 'cn-beijing';
    emulator.clearCalls();
    const monthly = emulator.addInstance(region, { instanceName: 'ops-monthly', publicIpAddress: '127.0.3.5', osType: 'Linux' });
    const payAsYouGo = new PayAsYouGoRegions();
    const remembering = await emulatorClient(emulator, { payAsYouGo });
    const chargeTypes = () => emulator.callsOf('ListInstances').map((c) => c.query.ChargeType);
    assert.deepEqual((await remembering.listInstances(region)).map((i) => i.instanceName), ['ops-monthly']);
    assert.deepEqual((await remembering.listInstances(region)).map((i) => i.instanceName), ['ops-monthly']);
    assert.deepEqual(chargeTypes(), ['PrePaid', 'PostPaid', 'PrePaid'], 'none found: not asked again');

    emulator.clearCalls();
    const hourly = emulator.addInstance(region, { instanceName: 'ops-hourly', publicIpAddress: '127.0.3.6', osType: 'Linux', chargeType: 'PostPaid' });
    payAsYouGo.forget(region);
    assert.deepEqual((await remembering.listInstances(region)).map((i) => i.instanceId), [monthly.instanceId, hourly.instanceId]);
    await remembering.listInstances(region);
    assert.deepEqual(chargeTypes(), ['PrePaid', 'PostPaid', 'PrePaid', 'PostPaid'], 'found: asked every time');

    emulator.clearCalls();
    emulator.injectFault({ action: 'ListInstances', kind: 'rewrite', rewrite: (body) => body });
    emulator.injectFault({ action: 'ListInstances', kind: 'error', status: 400, code: 'InvalidParameter', message: 'The specified parameter ChargeType is not valid.' });
    assert.deepEqual((await remembering.listInstances(region)).map((i) => i.instanceName), ['ops-monthly'], 'refused: the subscription servers');
    await remembering.listInstances(region);
    assert.deepEqual(chargeTypes(), ['PrePaid', 'PostPaid', 'PrePaid'], 'refused counts as none');
  });

  test('the statuses of several servers in one ListInstanceStatus call, and none for a server that is not listed', async () => {
    const unknown = 'ffffffffffffffffffffffffffffffff';
    const statuses = await client.instanceStatuses(DEMO_REGION_ID, [DEMO_SERVERS.db1.instanceId, DEMO_SERVERS.web1.instanceId, unknown]);
    assert.deepEqual(Object.fromEntries(statuses), { [DEMO_SERVERS.db1.instanceId]: 'Running', [DEMO_SERVERS.web1.instanceId]: 'Running' });
    assert.deepEqual(emulator.callsOf('ListInstanceStatus').map((c) => c.query.InstanceIds), [
      JSON.stringify([DEMO_SERVERS.db1.instanceId, DEMO_SERVERS.web1.instanceId, unknown]),
    ]);
    assert.deepEqual(loggedOk(), ['ListInstanceStatus cn-hangzhou']);
  });

  test('ImportKeyPair registers the public key under the name, with the ClientToken', async () => {
    await client.importKeyPair('cn-beijing', 'ops-imported', publicKey, 'token-ops-import');
    assert.deepEqual(emulator.keyPairs('cn-beijing').map((k) => [k.keyPairName, k.publicKey]), [['ops-imported', publicKey]]);
    assert.deepEqual(emulator.callsOf('ImportKeyPair').map((c) => c.clientToken), ['token-ops-import']);
    assert.deepEqual(loggedOk(), ['ImportKeyPair cn-beijing']);
  });

  test('DeleteKeyPairs removes every named key pair, with the ClientToken', async () => {
    await emulator.addKeyPair('cn-shanghai', { keyPairName: 'ops-delete-1', publicKey });
    await emulator.addKeyPair('cn-shanghai', { keyPairName: 'ops-delete-2', publicKey });
    await emulator.addKeyPair('cn-shanghai', { keyPairName: 'ops-keep', publicKey });
    await client.deleteKeyPairs('cn-shanghai', ['ops-delete-1', 'ops-delete-2'], 'token-ops-delete');
    assert.deepEqual(emulator.keyPairs('cn-shanghai').map((k) => k.keyPairName), ['ops-keep']);
    assert.deepEqual(emulator.callsOf('DeleteKeyPairs').map((c) => c.clientToken), ['token-ops-delete']);
    assert.deepEqual(loggedOk(), ['DeleteKeyPairs cn-shanghai']);
  });

  test('Attach and Detach answer per server, with the service\'s code and message', async () => {
    const { db1, win1 } = DEMO_SERVERS;
    await emulator.addKeyPair(DEMO_REGION_ID, { keyPairName: 'ops-attach', publicKey });
    assert.deepEqual(await client.attachKeyPair(DEMO_REGION_ID, 'ops-attach', [db1.instanceId, win1.instanceId], 'token-ops-attach'), [
      { instanceId: db1.instanceId, success: true, code: '200', message: 'success' },
      { instanceId: win1.instanceId, success: false, code: '400', message: 'Key pairs are supported only on Linux servers.' },
    ]);
    assert.equal(emulator.instances(DEMO_REGION_ID).find((i) => i.instanceId === db1.instanceId)?.keyPairName, 'ops-attach');
    assert.deepEqual(await client.detachKeyPair(DEMO_REGION_ID, 'ops-attach', [db1.instanceId], 'token-ops-detach'), [
      { instanceId: db1.instanceId, success: true, code: '200', message: 'success' },
    ]);
    assert.equal(emulator.instances(DEMO_REGION_ID).find((i) => i.instanceId === db1.instanceId)?.keyPairName, undefined);
    assert.deepEqual(emulator.callsOf('DetachKeyPair').map((c) => c.clientToken), ['token-ops-detach']);
    assert.deepEqual(loggedOk(), ['AttachKeyPair cn-hangzhou', 'DetachKeyPair cn-hangzhou']);
  });

  test('DescribeInstanceKeyPair names the attached key pair and its fingerprint, or nothing', async () => {
    const attached = emulator.keyPairs(DEMO_REGION_ID).find((k) => k.keyPairName === DEMO_EXISTING_KEY_PAIR)!;
    assert.deepEqual(await client.describeInstanceKeyPair(DEMO_REGION_ID, DEMO_SERVERS.web1.instanceId), {
      keyPairName: DEMO_EXISTING_KEY_PAIR,
      fingerprint: attached.fingerprint,
    });
    assert.deepEqual(await client.describeInstanceKeyPair(DEMO_REGION_ID, DEMO_SERVERS.win1.instanceId), { keyPairName: undefined, fingerprint: undefined });
    assert.deepEqual(loggedOk(), ['DescribeInstanceKeyPair cn-hangzhou', 'DescribeInstanceKeyPair cn-hangzhou']);
  });

  test('RebootInstance restarts the server, with the ClientToken', async () => {
    const server = emulator.addInstance('cn-shenzhen', { instanceName: 'ops-reboot', publicIpAddress: '127.0.3.2', osType: 'Linux' });
    await client.rebootInstance('cn-shenzhen', server.instanceId, 'token-ops-reboot');
    assert.equal(emulator.instances('cn-shenzhen').find((i) => i.instanceId === server.instanceId)?.rebootCount, 1);
    assert.deepEqual(emulator.callsOf('RebootInstance').map((c) => c.clientToken), ['token-ops-reboot']);
    assert.deepEqual(loggedOk(), ['RebootInstance cn-shenzhen']);
  });

  test('firewall rules are listed, and a new one is added with the ClientToken', async () => {
    const server = emulator.addInstance('cn-shenzhen', { instanceName: 'ops-firewall', publicIpAddress: '127.0.3.3', osType: 'Linux' });
    const ruleId = await client.createFirewallRule('cn-shenzhen', server.instanceId, { ruleProtocol: 'TCP', port: '2222', remark: 'ops' }, 'token-ops-rule');
    const listed = await client.listFirewallRules('cn-shenzhen', server.instanceId);
    assert.deepEqual(listed, emulator.firewallRules('cn-shenzhen', server.instanceId).map(({ ruleId, ruleProtocol, port, sourceCidrIp, policy }) => ({ ruleId, ruleProtocol, port, sourceCidrIp, policy })));
    assert.equal(listed.find((r) => r.port === '2222')?.ruleId, ruleId);
    assert.deepEqual(emulator.callsOf('CreateFirewallRule').map((c) => c.clientToken), ['token-ops-rule']);
    assert.deepEqual(loggedOk(), ['CreateFirewallRule cn-shenzhen', 'ListFirewallRules cn-shenzhen']);
  });

  test('a CreateKeyPair answer without PrivateKeyBody is a MissingPrivateKeyError, not a key pair', async () => {
    emulator.setCreateReplay('emptyKey');
    try {
      // The first answer is lost; the retry with the same token is answered without the key.
      emulator.injectFault({ action: 'CreateKeyPair', kind: 'dropAfterAct' });
      await assert.rejects(client.createKeyPair(DEMO_REGION_ID, 'ops-keyless', 'token-ops-keyless'), (e: CloudError) => {
        assert.ok(e instanceof MissingPrivateKeyError);
        assert.equal(e.name, 'MissingPrivateKeyError');
        assert.equal(e.kind, 'badResponse');
        assert.equal(e.action, 'CreateKeyPair');
        assert.equal(e.message, 'CreateKeyPair answered without a private key.');
        assert.equal(e.details.requestId, emulator.callsOf('CreateKeyPair')[1].requestId);
        return true;
      });
    } finally {
      emulator.setCreateReplay('sameResult');
    }
  });

  test('a 200 answer whose body is null: empty lists, nothing described, no per-server result, no private key', async () => {
    const { db1 } = DEMO_SERVERS;
    const nullAnswer = async <T>(action: string, run: () => Promise<T>, times = 1): Promise<T> => {
      emulator.injectFault({ action, kind: 'nullBody', times });
      return run();
    };
    assert.deepEqual(await nullAnswer('ListRegions', () => client.listRegions()), []);
    assert.deepEqual(await nullAnswer('ListKeyPairs', () => client.listKeyPairs(DEMO_REGION_ID)), []);
    assert.deepEqual(await nullAnswer('ListInstances', () => client.listInstances(DEMO_REGION_ID), 2), [], 'both charge types');
    assert.equal((await nullAnswer('ListInstanceStatus', () => client.instanceStatuses(DEMO_REGION_ID, [db1.instanceId]))).size, 0);
    assert.deepEqual(await nullAnswer('DescribeInstanceKeyPair', () => client.describeInstanceKeyPair(DEMO_REGION_ID, DEMO_SERVERS.web1.instanceId)), {
      keyPairName: undefined,
      fingerprint: undefined,
    });
    assert.deepEqual(await nullAnswer('ListFirewallRules', () => client.listFirewallRules(DEMO_REGION_ID, db1.instanceId)), []);
    assert.equal(
      await nullAnswer('CreateFirewallRule', () => client.createFirewallRule(DEMO_REGION_ID, db1.instanceId, { ruleProtocol: 'TCP', port: '2223', remark: 'ops' }, 'token-ops-null-rule')),
      undefined,
    );
    await emulator.addKeyPair(DEMO_REGION_ID, { keyPairName: 'ops-null', publicKey });
    const noResult = { success: false, code: undefined, message: 'No result was returned for this server.' };
    assert.deepEqual(await nullAnswer('AttachKeyPair', () => client.attachKeyPair(DEMO_REGION_ID, 'ops-null', [db1.instanceId], 'token-ops-null-attach')), [
      { instanceId: db1.instanceId, ...noResult },
    ]);
    assert.deepEqual(await nullAnswer('DetachKeyPair', () => client.detachKeyPair(DEMO_REGION_ID, 'ops-null', [db1.instanceId], 'token-ops-null-detach')), [
      { instanceId: db1.instanceId, ...noResult },
    ]);
    await assert.rejects(
      nullAnswer('CreateKeyPair', () => client.createKeyPair(DEMO_REGION_ID, 'ops-null-created', 'token-ops-null-create')),
      (e: CloudError) => e instanceof MissingPrivateKeyError && e.details.requestId === undefined,
    );
    assert.ok(lines.every((line) => line.level === 'info' && line.message.endsWith('(request id none)')), lines.map((line) => line.message).join('\n'));
  });

  // The docs list these fields but do not promise each answer has them: an entry without one is
  // still shown (or, without its ID, left out), and nothing throws.
  const rewriteNext = (action: string, rewrite: (body: Record<string, unknown>) => unknown) => emulator.injectFault({ action, kind: 'rewrite', rewrite });

  test('ListRegions leaves out a region without RegionId and names one without LocalName by its ID', async () => {
    rewriteNext('ListRegions', () => ({ Regions: [{ LocalName: 'No ID', RegionEndpoint: 'swas.cn-noid.aliyuncs.com' }, { RegionId: 'cn-nameless' }] }));
    assert.deepEqual(await client.listRegions(), [{ regionId: 'cn-nameless', localName: 'cn-nameless', endpoint: undefined }]);
  });

  test('ListKeyPairs lists a key pair the answer gives without a name or servers with an empty name and no servers', async () => {
    rewriteNext('ListKeyPairs', (body) => ({ ...body, TotalCount: 1, KeyPairs: [{ PublicKey: publicKey, CreationTime: '2026-01-02T03:04:05Z' }] }));
    assert.deepEqual(await client.listKeyPairs(DEMO_REGION_ID), [{ keyPairName: '', publicKey, creationTime: '2026-01-02T03:04:05Z', instanceIds: [] }]);
  });

  test('CreateKeyPair answered without KeyPairName gives the name asked for, with the private key', async () => {
    rewriteNext('CreateKeyPair', ({ KeyPairName: _name, ...rest }) => rest);
    const created = await client.createKeyPair(DEMO_REGION_ID, 'ops-unnamed-answer', 'token-ops-unnamed-answer');
    const stored = emulator.keyPairs(DEMO_REGION_ID).find((k) => k.keyPairName === 'ops-unnamed-answer');
    assert.equal(created.keyPairName, 'ops-unnamed-answer');
    assert.equal(created.privateKeyBody, stored?.privateKeyBody);
  });

  test('ListInstances lists a server the answer gives without ID, name, status or image with empty text and no OS', async () => {
    rewriteNext('ListInstances', (body) => ({ ...body, TotalCount: 1, Instances: [{ PublicIpAddress: '127.0.3.9' }] }));
    assert.deepEqual(await client.listInstances(DEMO_REGION_ID), [
      { instanceId: '', instanceName: '', status: '', publicIpAddress: '127.0.3.9', innerIpAddress: undefined, osType: undefined, imageName: undefined },
    ]);
  });

  test('the status of the server asked for even when the answer lists another first; none when it lists no servers at all', async () => {
    const { db1, web1 } = DEMO_SERVERS;
    rewriteNext('ListInstanceStatus', (body) => ({ ...body, InstanceStatuses: [{ InstanceId: web1.instanceId, Status: 'Stopping' }, ...(body.InstanceStatuses as unknown[])] }));
    assert.deepEqual([...(await client.instanceStatuses(DEMO_REGION_ID, [db1.instanceId]))], [[db1.instanceId, 'Running']]);
    rewriteNext('ListInstanceStatus', ({ InstanceStatuses: _statuses, ...rest }) => rest);
    assert.equal((await client.instanceStatuses(DEMO_REGION_ID, [db1.instanceId])).size, 0);
  });

  // TotalCount ends a listing as soon as it is reached: no call for an empty next page.
  for (const [count, pages] of KEY_PAIR_COUNTS) {
    test(`${count} key pairs are listed in ${pages.length} call(s)`, async () => {
      const region = keyPairRegion(count);
      for (let i = 0; i < count; i++) await emulator.addKeyPair(region, { keyPairName: `paged-${i}`, publicKey });
      const listed = await client.listKeyPairs(region);
      assert.deepEqual(listed.map((k) => k.keyPairName), Array.from({ length: count }, (_, i) => `paged-${i}`));
      assert.deepEqual(emulator.callsOf('ListKeyPairs').map((c) => c.query.PageNumber), pages);
    });
  }
  for (const [count, pages] of SERVER_COUNTS) {
    test(`${count} servers are listed in ${pages.length} call(s)`, async () => {
      const region = serverRegion(count);
      for (let i = 0; i < count; i++) emulator.addInstance(region, { instanceName: `paged-${i}`, publicIpAddress: `127.0.4.${i % 250}`, osType: 'Linux' });
      assert.equal((await client.listInstances(region)).length, count);
      assert.deepEqual(emulator.callsOf('ListInstances').filter((c) => c.query.ChargeType === 'PrePaid').map((c) => c.query.PageNumber), pages);
    });
  }
  // A new server has 3 rules; these add to 100 and 101.
  for (const [count, pages] of [[100, ['1']], [101, ['1', '2']]] as const) {
    test(`${count} firewall rules are listed in ${pages.length} call(s)`, async () => {
      const server = emulator.addInstance('cn-hongkong', { instanceName: `ops-rules-${count}`, publicIpAddress: '127.0.3.4', osType: 'Linux' });
      for (let port = 1000; emulator.firewallRules('cn-hongkong', server.instanceId).length < count; port++) {
        emulator.addFirewallRule('cn-hongkong', server.instanceId, { ruleProtocol: 'TCP', port: String(port), remark: '', sourceCidrIp: '0.0.0.0/0', policy: 'accept' });
      }
      const listed = await client.listFirewallRules('cn-hongkong', server.instanceId);
      assert.deepEqual(listed.map((r) => r.ruleId), emulator.firewallRules('cn-hongkong', server.instanceId).map((r) => r.ruleId));
      assert.deepEqual(emulator.callsOf('ListFirewallRules').map((c) => c.query.PageNumber), pages);
    });
  }
});
