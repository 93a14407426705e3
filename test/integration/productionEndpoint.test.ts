import * as assert from 'assert';
import * as vscode from 'vscode';
import { SwasClient } from '../../src/cloud/client';
import { resolveCredentials } from '../../src/cloud/credentials';
import type { CreateKeyPairOutcome } from '../../src/commands/createKeyPair';
import { silentLogger } from '../../src/logger';
import { DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_REGION_ID, DEMO_SECOND_REGION_ID } from '../emulator/demo';
import { DEFAULT_REGIONS, type EmulatorRegion } from '../emulator/state';
import { serverCertificate } from '../emulator/tls';
import { mapHosts } from './privateNetwork';
import { groupChildren, messages, serverNode } from './treeSupport';
import { World } from './world';
import { suiteOn } from '../support/platform';

/**
 * The path real users run: no `swas.endpoint`, HTTPS to `swas.<region>.aliyuncs.com`, the
 * certificate checked against a CA the host trusts (NODE_EXTRA_CA_CERTS), names resolved by the
 * private /etc/hosts of the test namespace, so nothing can reach a real Alibaba Cloud host.
 */
const EMULATOR_ADDRESS = '127.0.0.10';
// Shanghai is served under another name than the pattern (ListRegions' RegionEndpoint), so only a
// client that uses RegionEndpoint gets through the emulator's Host check for it.
const SHANGHAI_ENDPOINT = 'swas-open.cn-shanghai.aliyuncs.com';
const REGIONS: EmulatorRegion[] = DEFAULT_REGIONS.map((r) => (r.regionId === DEMO_SECOND_REGION_ID ? { ...r, regionEndpoint: SHANGHAI_ENDPOINT } : r));
const HOSTS = [...new Set([...REGIONS.flatMap((r) => [r.regionEndpoint ?? `swas.${r.regionId}.aliyuncs.com`, `swas-vpc.${r.regionId}.aliyuncs.com`]), `swas.${DEMO_SECOND_REGION_ID}.aliyuncs.com`])];

// Linux only: the private network namespace (test/host/private-network.sh) is Linux's
suiteOn(['linux'], 'Production endpoint path: no swas.endpoint, HTTPS to swas.<region>.aliyuncs.com', function () {
  this.timeout(120_000);
  let world: World;
  suiteSetup(async () => {
    const tls = await serverCertificate(HOSTS);
    world = await World.start({ tls, host: EMULATOR_ADDRESS, port: 443, regions: REGIONS });
    await mapHosts(EMULATOR_ADDRESS, HOSTS);
  });
  suiteTeardown(async () => world?.stop());
  setup(async () => {
    await world.resetShowing([DEMO_REGION_ID]);
    await world.configure({ endpoint: undefined });
    assert.strictEqual(vscode.workspace.getConfiguration('swas').get('endpoint'), '', 'swas.endpoint is not set');
  });

  const hostsOf = (action: string) => [...new Set(world.emulator.callsOf(action).map((c) => c.host))];

  test('create flow: region, name, server; every call over TLS to the region\'s own host', async () => {
    assert.match(world.emulator.url, /^https:/);
    world.script({ pick: DEMO_REGION_ID }, { type: ['tls-key'] }, { pick: 'web-1' });
    const outcome = await vscode.commands.executeCommand<CreateKeyPairOutcome>('swas.createKeyPair');
    assert.ok(outcome?.privateKeyPath, 'the key was saved');
    await outcome.followUp;
    assert.ok(world.emulator.keyPairs(DEMO_REGION_ID).some((k) => k.keyPairName === 'tls-key'));
    for (const action of ['ListRegions', 'CreateKeyPair', 'AttachKeyPair']) {
      assert.deepStrictEqual(hostsOf(action), [`swas.${DEMO_REGION_ID}.aliyuncs.com`], action);
    }
    assert.ok(world.emulator.calls.every((c) => c.signatureValid && c.status === 200), JSON.stringify(world.emulator.calls.map((c) => [c.action, c.status, c.code])));
  });

  test('tree: each region at its host, Shanghai at the RegionEndpoint ListRegions gave', async () => {
    world.script({ pick: DEMO_SECOND_REGION_ID });
    await vscode.commands.executeCommand('swas.addRegion');
    const servers = await groupChildren(world.api.tree, DEMO_SECOND_REGION_ID, 'servers');
    assert.deepStrictEqual(messages(servers), [], 'no error node');
    assert.strictEqual(servers.length, 1);
    assert.ok((await groupChildren(world.api.tree, DEMO_REGION_ID, 'servers')).length > 0);
    assert.deepStrictEqual(
      world.emulator.callsOf('ListInstances').map((c) => `${c.regionId} ${c.host}`).sort(),
      [`${DEMO_REGION_ID} swas.${DEMO_REGION_ID}.aliyuncs.com`, `${DEMO_SECOND_REGION_ID} ${SHANGHAI_ENDPOINT}`],
    );
  });

  test('lifecycle: Restart Server from the sidebar reaches the server over TLS', async () => {
    world.script({ answer: 'Restart' });
    const restarted = await vscode.commands.executeCommand<{ wait: { kind: string } } | undefined>('swas.restartServer', await serverNode(world.api.tree, DEMO_REGION_ID, 'db-1'));
    assert.strictEqual(restarted?.wait.kind, 'running', 'followed over TLS until running again');
    assert.strictEqual(world.emulator.instances(DEMO_REGION_ID).find((i) => i.instanceName === 'db-1')?.rebootCount, 1);
    assert.deepStrictEqual(hostsOf('RebootInstance'), [`swas.${DEMO_REGION_ID}.aliyuncs.com`]);
  });

  test('the emulator refuses a call sent to a host that does not serve its RegionId', async () => {
    const credentials = await resolveCredentials({ accessKeyId: DEMO_ACCESS_KEY_ID, accessKeySecret: DEMO_ACCESS_KEY_SECRET });
    const client = (host: string) =>
      new SwasClient({ credentials, endpointOverride: { host, protocol: 'https' }, acceptLanguage: 'en-US', logger: silentLogger, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    for (const host of [`swas.${DEMO_REGION_ID}.aliyuncs.com`, `swas.${DEMO_SECOND_REGION_ID}.aliyuncs.com`]) {
      await assert.rejects(client(host).listKeyPairs(DEMO_SECOND_REGION_ID), (e: { details?: { code?: string } }) => e.details?.code === 'InvalidRegionId.MismatchEndpoint', host);
    }
    assert.ok((await client(SHANGHAI_ENDPOINT).listKeyPairs(DEMO_SECOND_REGION_ID)).length >= 0);
  });
});
