import assert from 'node:assert/strict';
import { before, beforeEach, describe, test } from 'node:test';
import type { SwasClient } from '../../../src/cloud/client';
import { CloudError } from '../../../src/cloud/errors';
import { DEMO_REGION_ID, DEMO_SERVERS, seedDemo } from '../../emulator/demo';
import { generateRsaKeyPair } from '../../emulator/keys';
import { SwasEmulator } from '../../emulator/server';
import { demoEmulator, emulatorClient } from '../../support/emulatorClient';

describe('SwasClient against the emulator (real SDK, real HTTP)', () => {
  const demo = demoEmulator();
  let emulator: SwasEmulator;
  let client: SwasClient;
  // Seeded key pairs share one public key: paging is about names, and generating 42 RSA keys takes seconds.
  let publicKey: string;

  before(async () => {
    emulator = demo.emulator;
    ({ publicKey } = await generateRsaKeyPair('pkcs1-pem'));
  });
  beforeEach(async () => {
    client = await emulatorClient(emulator, { timeouts: { connectMs: 1000, readMs: 1000 }, retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 } });
  });

  test('a lost answer after CreateKeyPair acted: the retry with the same token returns the same key', async () => {
    emulator.injectFault({ action: 'CreateKeyPair', kind: 'dropAfterAct' });
    const created = await client.createKeyPair(DEMO_REGION_ID, 'unit-retry', 'token-unit-retry');
    const calls = emulator.callsOf('CreateKeyPair');
    assert.equal(calls.length, 2);
    assert.deepEqual(calls.map((c) => c.clientToken), ['token-unit-retry', 'token-unit-retry']);
    assert.equal(emulator.keyPairs(DEMO_REGION_ID).filter((k) => k.keyPairName === 'unit-retry').length, 1);
    assert.equal(created.privateKeyBody, emulator.keyPairs(DEMO_REGION_ID).find((k) => k.keyPairName === 'unit-retry')?.privateKeyBody);
  });

  test('retries stop at the policy limit and the last error is a CloudError', async () => {
    emulator.injectFault({ action: 'ListKeyPairs', kind: 'status', status: 503, code: 'ServiceUnavailable', times: 5 });
    await assert.rejects(client.listKeyPairs(DEMO_REGION_ID), (e: CloudError) => e.kind === 'serverError' && e.details.code === 'ServiceUnavailable');
    assert.equal(emulator.callsOf('ListKeyPairs').length, 3);
  });

  test('a refusal is not retried', async () => {
    emulator.injectFault({ action: 'CreateKeyPair', kind: 'error', status: 400, code: 'KeyPairNameAlreadyExist', message: 'exists' });
    await assert.rejects(client.createKeyPair(DEMO_REGION_ID, 'unit-refused', 't2'), (e: CloudError) => e.kind === 'nameExists');
    assert.equal(emulator.callsOf('CreateKeyPair').length, 1);
  });

  // Codes the SWAS docs do not list (docs/swas-api.md, "Errors": only KeyPairNameAlreadyExist, the AccessKey,
  // signature, RAM, throttling, parameter and 5xx codes are) get the product's own explanation only
  // when code or message is about key pairs; a generic code about something else keeps the
  // service's message (kind 'unknown').
  for (const [code, message, kind] of [
    ['QuotaExceed.KeyPair', 'Too many.', 'quotaExceeded'],
    ['QuotaExceed', 'The number of key pairs has reached the limit.', 'quotaExceeded'],
    ['QuotaExceeded', 'The number of snapshots has reached the limit.', 'unknown'],
    ['ResourceInUse', 'The key pair is attached to instance s-1.', 'keyPairInUse'],
    ['ResourceInUse', 'The firewall rule is in use.', 'unknown'],
    ['KeyPair.InUse', 'Detach first.', 'keyPairInUse'],
    ['InvalidName.AlreadyExist', 'The snapshot name already exists.', 'unknown'],
    ['KeyPairName.AlreadyExist', 'exists', 'nameExists'],
  ] as const) {
    test(`undocumented code ${code} with "${message}" is ${kind}`, async () => {
      emulator.injectFault({ action: 'CreateKeyPair', kind: 'error', status: 400, code, message });
      await assert.rejects(client.createKeyPair(DEMO_REGION_ID, 'unit-undocumented', 't-undocumented'), (e: CloudError) => {
        assert.equal(e.details.code, code);
        assert.equal(e.kind, kind);
        assert.ok(e.message.includes(message), 'the service\'s message is kept');
        return true;
      });
    });
  }

  test('a read timeout is classified and retried', async () => {
    emulator.injectFault({ action: 'ListInstances', kind: 'delay', ms: 1500 });
    const instances = await client.listInstances(DEMO_REGION_ID);
    assert.ok(instances.length > 0);
    assert.equal(emulator.callsOf('ListInstances').filter((c) => c.query.ChargeType === 'PrePaid').length, 2);
  });

  test('ListInstances follows paging past 100 servers', async () => {
    for (let i = 0; i < 150; i++) {
      emulator.addInstance('cn-shenzhen', { instanceName: `bulk-${i}`, publicIpAddress: `127.0.1.${i % 250}`, osType: 'Linux' });
    }
    const instances = await client.listInstances('cn-shenzhen');
    assert.equal(instances.length, 150);
    assert.equal(new Set(instances.map((i) => i.instanceId)).size, 150);
    assert.equal(emulator.callsOf('ListInstances').filter((c) => c.query.ChargeType === 'PrePaid').length, 2);
  });

  test('ListKeyPairs asks for at most 10 per page (no undocumented maximum relied on) and pages past it', async () => {
    const roomy = await SwasEmulator.start({ quota: 25 });
    try {
      await seedDemo(roomy);
      const roomyClient = await emulatorClient(roomy);
      for (let i = 0; i < 22; i++) await roomy.addKeyPair('cn-shenzhen', { keyPairName: `paged-${i}`, publicKey });
      const listed = await roomyClient.listKeyPairs('cn-shenzhen');
      assert.equal(new Set(listed.map((k) => k.keyPairName)).size, 22);
      const pageSizes = roomy.callsOf('ListKeyPairs').map((c) => Number(c.query.PageSize));
      assert.deepEqual(pageSizes, [10, 10, 10]);
    } finally {
      await roomy.stop();
    }
  });

  // The docs list TotalCount in both answers but do not say it is always sent: paging must not depend on it.
  test('without TotalCount in the answers, ListInstances, ListKeyPairs and ListFirewallRules still page to the end', async () => {
    const roomy = await SwasEmulator.start({ quota: 25 });
    try {
      await seedDemo(roomy);
      roomy.setOmitTotalCount(true);
      const roomyClient = await emulatorClient(roomy);
      for (let i = 0; i < 20; i++) await roomy.addKeyPair('cn-shenzhen', { keyPairName: `untotalled-${i}`, publicKey });
      for (let i = 0; i < 200; i++) {
        roomy.addInstance('cn-shenzhen', { instanceName: `untotalled-${i}`, publicIpAddress: `127.0.2.${i % 250}`, osType: 'Linux' });
      }
      const walled = roomy.addInstance('cn-shenzhen', { instanceName: 'untotalled-rules', publicIpAddress: '127.0.2.251', osType: 'Linux' });
      for (let port = 1000; roomy.firewallRules('cn-shenzhen', walled.instanceId).length < 101; port++) {
        roomy.addFirewallRule('cn-shenzhen', walled.instanceId, { ruleProtocol: 'TCP', port: String(port), remark: '', sourceCidrIp: '0.0.0.0/0', policy: 'accept' });
      }
      const keyPairs = await roomyClient.listKeyPairs('cn-shenzhen');
      const instances = await roomyClient.listInstances('cn-shenzhen');
      // A full page of 100 rules without TotalCount is not the end: the 101st is on page 2.
      assert.equal((await roomyClient.listFirewallRules('cn-shenzhen', walled.instanceId)).length, 101);
      assert.equal(new Set(keyPairs.map((k) => k.keyPairName)).size, 20);
      assert.equal(new Set(instances.map((i) => i.instanceId)).size, roomy.instances('cn-shenzhen').length);
      // Two full pages of key pairs, then the empty third one says the list ended.
      assert.deepEqual(roomy.callsOf('ListKeyPairs').map((c) => c.query.PageNumber), ['1', '2', '3']);
    } finally {
      await roomy.stop();
    }
  });

  test('per-server attach results: Success is a string, a Windows server fails alone', async () => {
    await client.createKeyPair(DEMO_REGION_ID, 'unit-attach', 't3');
    const results = await client.attachKeyPair(DEMO_REGION_ID, 'unit-attach', [DEMO_SERVERS.db1.instanceId, DEMO_SERVERS.win1.instanceId], 't4');
    assert.deepEqual(results.map((r) => [r.instanceId, r.success]), [
      [DEMO_SERVERS.db1.instanceId, true],
      [DEMO_SERVERS.win1.instanceId, false],
    ]);
  });

  test('ListRegions answers in the requested language', async () => {
    const regions = await client.listRegions();
    assert.ok(regions.some((r) => r.regionId === 'cn-hangzhou' && /Hangzhou/.test(r.localName)));
  });
});
