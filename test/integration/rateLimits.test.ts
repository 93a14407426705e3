import assert from 'node:assert/strict';
import Swas, * as $Swas from '@alicloud/swas-open20200601';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import * as vscode from 'vscode';
import type { AttachOutcome } from '../../src/commands/attachKeyPair';
import type { CreateKeyPairOutcome } from '../../src/commands/createKeyPair';
import type { RestartOutcome } from '../../src/operations/restart';
import { DEMO_REGION_ID } from '../emulator/demo';
import { keyPairNode } from './treeSupport';
import { World } from './world';

/** Every action the product may send, for the per-window peaks. */
const ACTIONS = [
  'ListRegions', 'ListKeyPairs', 'ListInstances', 'ListInstanceStatus', 'DescribeInstanceKeyPair', 'CreateKeyPair', 'ImportKeyPair',
  'AttachKeyPair', 'DetachKeyPair', 'DeleteKeyPairs', 'RebootInstance', 'RebootInstances', 'StartInstance', 'ListFirewallRules', 'CreateFirewallRule',
];

suite('Rate limits: the account budget against the limit-enforcing emulator', function () {
  this.timeout(120_000);
  let world: World;
  suiteSetup(async () => (world = await World.start()));
  suiteTeardown(async () => world?.stop());
  setup(async () => world.resetShowing([DEMO_REGION_ID]));

  /** Another tool of the same Alibaba Cloud account: its own AccessKey, the SDK straight to the emulator. */
  function otherTool(): Swas {
    const key = { id: 'LTAI5tOtherToolKey000001', secret: 'other-tool-secret' };
    world.emulator.addAccessKey(key);
    const url = new URL(world.emulator.url);
    return new Swas(new $OpenApiUtil.Config({ accessKeyId: key.id, accessKeySecret: key.secret, endpoint: url.host, protocol: 'http' }));
  }

  test('another tool spent the account\'s ListInstances budget: the product waits for the window, shows the wait, and succeeds', async () => {
    world.expectThrottling();
    const tool = otherTool();
    let spent = 0;
    for (;;) {
      const refused = await tool.listInstances(new $Swas.ListInstancesRequest({ regionId: DEMO_REGION_ID })).then(() => false, () => true);
      if (refused) break;
      spent++;
    }
    assert.ok(spent <= 10, `the emulator let ${spent} calls through`);
    world.emulator.clearCalls();
    const prompter = world.script({ pick: 'db-1' }, { answer: 'Restart' });
    const outcome = await vscode.commands.executeCommand<RestartOutcome>('swas.restartServer');
    assert.deepEqual(outcome?.wait, { kind: 'running' });
    const throttled = world.emulator.throttledCalls().map((c) => c.action);
    assert.ok(throttled.length >= 1 && throttled.every((a) => a === 'ListInstances'), `throttled: ${throttled.join(', ')}`);
    const wait = prompter.shown.find((s) => s.kind === 'progress' && /^Waiting for Alibaba Cloud's rate limit \(\d+ s\)…$/.test(s.text));
    assert.ok(wait, prompter.shown.map((s) => `${s.kind}: ${s.text}`).join('\n'));
    assert.deepEqual(prompter.messages('error'), [], 'no throttling error reaches the user');
  });

  test('restarting 12 servers after an attach: one RebootInstances, 0 throttled calls, no action above 8 in any minute', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `app-${String(i + 1).padStart(2, '0')}`);
    names.forEach((instanceName, i) => world.emulator.addInstance(DEMO_REGION_ID, { instanceName, publicIpAddress: `127.0.4.${i + 1}`, osType: 'Linux' }));
    // A 40-second restart in product time, as the issue measured one.
    world.emulator.setRebootDelays({ stoppingMs: 1_000, startingMs: 1_000 });
    world.script({ type: ['fleet'] }, { pick: 'Skip' });
    const created = await vscode.commands.executeCommand<CreateKeyPairOutcome>('swas.createKeyPair', { regionId: DEMO_REGION_ID });
    await created.followUp;
    world.script({ picks: names }, { answer: 'Restart Servers…' }, { answer: 'Restart' });
    const outcome = await vscode.commands.executeCommand<AttachOutcome>('swas.attachKeyPair', await keyPairNode(world.api.tree, DEMO_REGION_ID, 'fleet'));
    assert.deepEqual(outcome.restarted.map((i) => i.instanceName).sort(), names);
    for (const name of names) {
      assert.equal(world.emulator.instances(DEMO_REGION_ID).find((i) => i.instanceName === name)?.rebootCount, 1, name);
    }
    const counts: Record<string, number> = Object.fromEntries(ACTIONS.map((a) => [a, world.emulator.callsOf(a).length]).filter(([, n]) => n));
    const peaks: Record<string, number> = Object.fromEntries(ACTIONS.map((a) => [a, world.emulator.peakPerWindow(a)]).filter(([, n]) => n));
    console.log(`      12-server restart: calls ${JSON.stringify(counts)}, peak per window ${JSON.stringify(peaks)}`);
    assert.deepEqual(world.emulator.throttledCalls(), []);
    assert.equal(counts.RebootInstances, 1);
    assert.equal(counts.RebootInstance, undefined);
    for (const [action, peak] of Object.entries(peaks)) {
      assert.ok(peak <= 8, `${action}: ${peak} calls in one window`);
    }
  });
});
