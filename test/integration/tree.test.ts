import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { GroupNode, KeyPairNode, MessageNode, RegionNode, ServerNode } from '../../src/tree/nodes';
import { FRESH_ANSWER_MS } from '../../src/tree/provider';
import { DEMO_REGION_ID, DEMO_SECOND_REGION_ID, DEMO_SERVERS } from '../emulator/demo';
import { DEFAULT_REGIONS } from '../emulator/state';
import { groupChildren, keyPairNode, messages, regionChildren, serverNode } from './treeSupport';
import { EXTENSION_ID, TEST_CLOCK_FACTOR, World } from './world';

suite('Sidebar tree', function () {
  this.timeout(120_000);
  let world: World;
  suiteSetup(async () => (world = await World.start()));
  suiteTeardown(async () => world?.stop());
  setup(async () => world.resetShowing([DEMO_REGION_ID]));

  const tree = () => world.api.tree;

  test('a region shows its key pairs and servers with descriptions and tooltips', async () => {
    const groups = await regionChildren(tree(), DEMO_REGION_ID);
    assert.deepEqual(groups.map((g) => tree().getTreeItem(g).label), ['Key Pairs', 'Servers']);

    const keyPair = await keyPairNode(tree(), DEMO_REGION_ID, 'existing-key');
    const keyItem = tree().getTreeItem(keyPair);
    assert.equal(keyItem.description, '1 server · private key not on this machine');
    assert.equal(keyItem.contextValue, 'swas.keyPair');
    assert.equal(keyItem.tooltip, undefined, 'the servers are not loaded yet: the tooltip is resolved on hover');
    await tree().resolveTreeItem(keyItem, keyPair);
    const listed = world.emulator.keyPairs(DEMO_REGION_ID)[0];
    assert.match(String(keyItem.tooltip), new RegExp(`Created: ${listed.creationTime}`));
    assert.match(String(keyItem.tooltip), /Fingerprint: SHA256:\S+ \(MD5 ([0-9a-f]{2}:){15}[0-9a-f]{2}\)/);
    assert.match(String(keyItem.tooltip), new RegExp(`MD5 ${listed.fingerprint}`), 'the MD5 form is the one the service shows');
    assert.match(String(keyItem.tooltip), /Local key: not on this machine/);
    assert.match(String(keyItem.tooltip), /Servers: web-1/);

    const servers = (await groupChildren(tree(), DEMO_REGION_ID, 'servers')) as ServerNode[];
    assert.deepEqual(servers.map((s) => tree().getTreeItem(s).label).sort(), ['db-1', 'web-1', 'win-1']);
    const web = tree().getTreeItem(await serverNode(tree(), DEMO_REGION_ID, 'web-1'));
    assert.equal(web.description, `${DEMO_SERVERS.web1.publicIpAddress} · Running`);
    assert.match(String(web.tooltip), /Image: Alibaba Cloud Linux/);
    assert.match(String(web.tooltip), /OS: Linux/);
    assert.match(String(web.tooltip), /Key pair: existing-key/);
    assert.equal(web.contextValue, 'swas.server.linux');
    const win = tree().getTreeItem(await serverNode(tree(), DEMO_REGION_ID, 'win-1'));
    assert.equal(win.contextValue, 'swas.server.windows');
    assert.match(String(win.description), /no key pairs \(Windows\)/);
    assert.match(String(win.tooltip), /not supported on Windows/);
  });

  test('opening the view lists key pairs only; the collapsed Servers group loads its servers once, when expanded', async () => {
    world.emulator.clearCalls();
    const groups = await regionChildren(tree(), DEMO_REGION_ID);
    assert.deepEqual(world.emulator.calls.map((c) => c.action), ['ListKeyPairs']);
    const serversItem = tree().getTreeItem(groups[1]);
    assert.equal(serversItem.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    assert.equal(tree().getTreeItem(groups[0]).collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
    assert.equal(serversItem.description, undefined, 'no count before the servers are loaded');
    assert.equal((await groupChildren(tree(), DEMO_REGION_ID, 'servers')).length, 3);
    assert.equal((await groupChildren(tree(), DEMO_REGION_ID, 'servers')).length, 3);
    assert.deepEqual(world.emulator.calls.map((c) => `${c.action} ${c.query.ChargeType ?? ''}`.trim()), ['ListKeyPairs', 'ListInstances PrePaid', 'ListInstances PostPaid']);
    assert.equal(tree().getTreeItem(groups[1]).description, '3');
  });

  test('a create reloads only its own region, once', async () => {
    await world.configure({ regions: [DEMO_REGION_ID, DEMO_SECOND_REGION_ID] });
    await regionChildren(tree(), DEMO_REGION_ID);
    await regionChildren(tree(), DEMO_SECOND_REGION_ID);
    await groupChildren(tree(), DEMO_SECOND_REGION_ID, 'servers');
    world.script({ type: ['refresh-one'] }, { pick: 'web-1' });
    world.emulator.clearCalls();
    const changes: (string | undefined)[] = [];
    const listener = world.api.services.onDidChange((regionId) => changes.push(regionId));
    const outcome = await vscode.commands.executeCommand<{ followUp: Promise<void> } | undefined>('swas.createKeyPair', { regionId: DEMO_REGION_ID });
    await outcome?.followUp;
    listener.dispose();
    assert.deepEqual(changes, [DEMO_REGION_ID], 'one change, naming the region');
    await regionChildren(tree(), DEMO_REGION_ID);
    await regionChildren(tree(), DEMO_SECOND_REGION_ID);
    await groupChildren(tree(), DEMO_SECOND_REGION_ID, 'servers');
    assert.deepEqual(world.emulator.calls.filter((c) => c.regionId === DEMO_SECOND_REGION_ID), [], 'the other region is not reloaded');
    const created = world.emulator.calls.findIndex((c) => c.action === 'CreateKeyPair');
    assert.ok(created >= 0);
    const listsAfterCreate = world.emulator.calls.slice(created).filter((c) => c.action === 'ListKeyPairs' && !c.query.KeyPairName);
    assert.equal(listsAfterCreate.length, 1, 'the touched region is reloaded once');
    assert.ok(await keyPairNode(tree(), DEMO_REGION_ID, 'refresh-one'));
  });

  test('a server not named in the key pair lists gets its key pair from DescribeInstanceKeyPair on hover', async () => {
    const db = await serverNode(tree(), DEMO_REGION_ID, 'db-1');
    const item = tree().getTreeItem(db);
    assert.match(String(item.tooltip), /Key pair: none/);
    world.emulator.clearCalls();
    await tree().resolveTreeItem(item, db);
    assert.equal(world.emulator.callsOf('DescribeInstanceKeyPair').length, 1);
    assert.match(String(item.tooltip), /Key pair: none/);
  });

  test('a key pair whose private key is here says so, with the path', async () => {
    world.script({ type: ['local-one'] }, { pick: 'Skip' });
    await vscode.commands.executeCommand('swas.createKeyPair', { regionId: DEMO_REGION_ID });
    const item = tree().getTreeItem(await keyPairNode(tree(), DEMO_REGION_ID, 'local-one'));
    assert.equal(item.description, 'not attached · private key on this machine');
    assert.equal(item.contextValue, 'swas.keyPair.local');
    assert.match(String(item.tooltip), new RegExp(`Local key: ${world.sshDir}/local-one\\.pem`));
  });

  test('paging is followed past 100 servers', async () => {
    for (let i = 1; i <= 150; i++) {
      world.emulator.addInstance('cn-beijing', { instanceName: `node-${String(i).padStart(3, '0')}`, publicIpAddress: `10.1.${Math.floor(i / 200)}.${i}`, osType: 'Linux' });
    }
    await world.configure({ regions: ['cn-beijing'] });
    world.emulator.clearCalls();
    const servers = await groupChildren(tree(), 'cn-beijing', 'servers');
    assert.equal(servers.length, 150);
    assert.equal(tree().getTreeItem(servers[149]).label, 'node-150');
    assert.equal(world.emulator.callsOf('ListInstances').filter((c) => c.query.ChargeType === 'PrePaid').length, 2, 'two pages of 100');
    const group = (await regionChildren(tree(), 'cn-beijing'))[1];
    assert.equal(tree().getTreeItem(group).description, '150');
    assert.deepEqual(messages(await groupChildren(tree(), 'cn-beijing', 'keyPairs')), ['No key pairs in cn-beijing.', 'Create Key Pair']);
  });

  test('a failing region shows an error with Retry, the others load, and Retry reloads it', async () => {
    await world.configure({ regions: ['xx-nowhere-1', DEMO_REGION_ID] });
    const failing = await regionChildren(tree(), 'xx-nowhere-1');
    assert.match(messages(failing)[0], /refused the request: .*xx-nowhere-1/i);
    const retry = failing.find((n): n is MessageNode => n.kind === 'message' && n.text === 'Retry');
    assert.ok(retry?.command);
    assert.equal(retry.command.command, 'swas.refreshRegion');
    assert.equal((await groupChildren(tree(), DEMO_REGION_ID, 'keyPairs')).length, 1, 'the healthy region loaded');

    world.emulator.setRegions([...DEFAULT_REGIONS, { regionId: 'xx-nowhere-1', localName: { 'zh-CN': 'x', 'en-US': 'x' } }]);
    await vscode.commands.executeCommand(retry.command.command, ...(retry.command.arguments ?? []));
    assert.deepEqual(messages(await groupChildren(tree(), 'xx-nowhere-1', 'servers')), ['No servers in xx-nowhere-1.']);
  });

  test('a slow region shows Loading… without holding back the others', async () => {
    world.emulator.setLatency(1_500, DEMO_SECOND_REGION_ID);
    await world.configure({ regions: [DEMO_SECOND_REGION_ID, DEMO_REGION_ID] });
    const roots = (await tree().getChildren()) as RegionNode[];
    await tree().settled(DEMO_REGION_ID);
    assert.deepEqual(messages(await tree().getChildren(roots[0])), ['Loading…'], 'Shanghai is still loading');
    assert.equal((await groupChildren(tree(), DEMO_REGION_ID, 'servers')).length, 3);
    assert.equal((await groupChildren(tree(), DEMO_SECOND_REGION_ID, 'servers')).length, 1);
  });

  test('an API refusal (RAM) becomes an error node with its explanation and Retry', async () => {
    world.emulator.injectFault({ action: 'ListKeyPairs', kind: 'error', status: 403, code: 'Forbidden.RAM', message: 'denied', times: 1 });
    const nodes = await regionChildren(tree(), DEMO_REGION_ID);
    assert.match(messages(nodes)[0], /not allowed to perform/);
    assert.ok(messages(nodes).includes('Retry'));
  });

  test('without credentials the tree is empty, so the welcome view with Sign In shows', async () => {
    delete process.env.ALIBABA_CLOUD_ACCESS_KEY_ID;
    delete process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
    assert.deepEqual(await tree().getChildren(), []);
  });

  test('Add Region and Remove Region edit swas.regions; the tree follows', async () => {
    world.script({ pick: 'ap-southeast-1' });
    await vscode.commands.executeCommand('swas.addRegion');
    assert.deepEqual(vscode.workspace.getConfiguration('swas').get('regions'), [DEMO_REGION_ID, 'ap-southeast-1']);
    assert.deepEqual(((await tree().getChildren()) as RegionNode[]).map((r) => r.regionId), [DEMO_REGION_ID, 'ap-southeast-1']);
    await vscode.commands.executeCommand('swas.removeRegion', { regionId: DEMO_REGION_ID });
    assert.deepEqual(((await tree().getChildren()) as RegionNode[]).map((r) => r.regionId), ['ap-southeast-1']);
    await vscode.commands.executeCommand('swas.removeRegion', { regionId: 'ap-southeast-1' });
    assert.deepEqual(messages(await tree().getChildren()), ['Add Region…'], 'an emptied list stays empty');
  });

  test('with swas.regions unset, the default and the last used region are shown', async () => {
    await world.configure({ regions: undefined, defaultRegion: DEMO_SECOND_REGION_ID });
    await world.api.services.regionCache.rememberRegion(DEMO_REGION_ID);
    try {
      assert.deepEqual(((await tree().getChildren()) as RegionNode[]).map((r) => r.regionId), [DEMO_SECOND_REGION_ID, DEMO_REGION_ID]);
    } finally {
      await world.configure({ defaultRegion: '' });
    }
  });

  test('Refresh reloads every region, Refresh Region only its own; the title buttons are the ones the README lists', async () => {
    await world.configure({ regions: [DEMO_REGION_ID, DEMO_SECOND_REGION_ID] });
    const keyPairNames = async (regionId: string) =>
      ((await groupChildren(tree(), regionId, 'keyPairs')) as KeyPairNode[]).filter((n) => n.kind === 'keyPair').map((k) => k.keyPair.keyPairName);
    assert.deepEqual(await keyPairNames(DEMO_REGION_ID), ['existing-key']);
    assert.deepEqual(await keyPairNames(DEMO_SECOND_REGION_ID), []);
    // Made in the console: the extension hears nothing of it until a refresh.
    const publicKey = world.emulator.keyPairs(DEMO_REGION_ID)[0].publicKey;
    await world.emulator.addKeyPair(DEMO_REGION_ID, { keyPairName: 'console-one', publicKey });
    await world.emulator.addKeyPair(DEMO_SECOND_REGION_ID, { keyPairName: 'console-two', publicKey });
    world.emulator.clearCalls();
    assert.deepEqual(await keyPairNames(DEMO_REGION_ID), ['existing-key'], 'loaded once, kept');
    assert.equal(world.emulator.calls.length, 0, 'no call');

    const region = ((await tree().getChildren()) as RegionNode[]).find((r) => r.regionId === DEMO_REGION_ID);
    await vscode.commands.executeCommand('swas.refreshRegion', region);
    assert.deepEqual((await keyPairNames(DEMO_REGION_ID)).sort(), ['console-one', 'existing-key']);
    assert.deepEqual(await keyPairNames(DEMO_SECOND_REGION_ID), [], 'the other region is not reloaded');
    assert.deepEqual(world.emulator.calls.map((c) => [c.action, c.regionId]), [['ListKeyPairs', DEMO_REGION_ID]]);

    world.emulator.clearCalls();
    await vscode.commands.executeCommand('swas.refresh');
    assert.deepEqual(await keyPairNames(DEMO_SECOND_REGION_ID), ['console-two']);
    assert.deepEqual((await keyPairNames(DEMO_REGION_ID)).sort(), ['console-one', 'existing-key']);
    assert.deepEqual(world.emulator.callsOf('ListKeyPairs').map((c) => c.regionId).sort(), [DEMO_REGION_ID, DEMO_SECOND_REGION_ID]);

    // The buttons VS Code draws come from the installed extension's manifest.
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
      contributes: { menus: { 'view/title': { command: string; when: string; group: string }[] }; commands: { command: string; icon?: string }[] };
    };
    const inTitle = manifest.contributes.menus['view/title'].filter((m) => /\bview == swas\.keyPairsAndServers\b/.test(m.when));
    const icon = (command: string) => manifest.contributes.commands.find((c) => c.command === command)?.icon;
    const shown = (signedIn: boolean, inline: boolean) =>
      inTitle
        .filter((m) => m.group.startsWith('navigation') === inline && (signedIn || !m.when.includes('!swas.noCredentials')))
        .sort((a, b) => a.group.localeCompare(b.group))
        .map((m) => (inline ? `${m.command} ${icon(m.command)}` : m.command));
    assert.deepEqual(shown(true, true), ['swas.createKeyPair $(key)', 'swas.addRegion $(add)', 'swas.refresh $(refresh)']);
    assert.deepEqual(shown(true, false), ['swas.signIn', 'swas.signOut'], 'under …');
    assert.deepEqual([...shown(false, true), ...shown(false, false)], ['swas.refresh $(refresh)', 'swas.signIn'], 'without credentials');
  });

  test('refreshes of a region while it loads make one more load, the other regions ask nothing, a region added keeps the fresh answers', async function () {
    const shown = DEFAULT_REGIONS.slice(0, 5).map((r) => r.regionId);
    const added = DEFAULT_REGIONS[5].regionId;
    await world.configure({ regions: shown });
    for (const regionId of shown) {
      await groupChildren(tree(), regionId, 'servers');
    }
    const listsBy = (regionId: string) => world.emulator.calls.filter((c) => c.regionId === regionId && /^List(KeyPairs|Instances)$/.test(c.action)).map((c) => c.action);
    const regionNode = async (regionId: string) => ((await tree().getChildren()) as RegionNode[]).find((r) => r.regionId === regionId)!;
    const servers = async (regionId: string) => (await regionChildren(tree(), regionId)).find((n): n is GroupNode => n.kind === 'group' && n.group === 'servers')!;

    // A command changes the region three times in a row; VS Code asks for the region after each change.
    world.emulator.clearCalls();
    const region = await regionNode(DEMO_REGION_ID);
    const group = await servers(DEMO_REGION_ID);
    for (let i = 0; i < 3; i++) {
      world.api.services.notifyChanged(DEMO_REGION_ID);
      void tree().getChildren(region);
      void tree().getChildren(group);
    }
    await groupChildren(tree(), DEMO_REGION_ID, 'servers');
    for (const regionId of shown) {
      await groupChildren(tree(), regionId, 'servers');
    }
    // The servers wait for the key pairs, so their one load starts after the last change.
    assert.deepEqual(listsBy(DEMO_REGION_ID).sort(), ['ListInstances', 'ListKeyPairs', 'ListKeyPairs'], 'the load in flight, then one more');
    assert.deepEqual(shown.filter((r) => r !== DEMO_REGION_ID).flatMap(listsBy), [], 'the other regions reuse their answers');

    // Refresh asks again, fresh answer or not.
    world.emulator.clearCalls();
    await vscode.commands.executeCommand('swas.refreshRegion', await regionNode(DEMO_REGION_ID));
    await groupChildren(tree(), DEMO_REGION_ID, 'servers');
    assert.deepEqual(listsBy(DEMO_REGION_ID).sort(), ['ListInstances', 'ListInstances', 'ListKeyPairs'], 'pay-as-you-go servers asked for again too');

    // Adding a region keeps the answers younger than 30 s (product time; the clock runs at wall-clock speed here so the walk cannot age them).
    const fast = world.api.services.clock;
    // A product minute first, so the calls above leave the rate budget's window before its clock slows down; then every region loads anew.
    await fast.sleep(60_000);
    const from = fast.now();
    const startedAt = Date.now();
    world.api.services.clock = { now: () => from + (Date.now() - startedAt), sleep: (ms, signal) => fast.sleep(ms * TEST_CLOCK_FACTOR, signal) };
    try {
      // The tree's own refresh: the command would ask for pay-as-you-go servers again, more ListInstances than this clock's minute allows.
      tree().refresh();
      for (const regionId of shown) {
        await groupChildren(tree(), regionId, 'servers');
      }
      world.emulator.clearCalls();
      await world.configure({ regions: [...shown, added] });
      for (const regionId of [...shown, added]) {
        await groupChildren(tree(), regionId, 'servers');
      }
      assert.deepEqual(shown.flatMap(listsBy), [], 'fresh answers reused');
      assert.deepEqual(listsBy(added).sort(), ['ListInstances', 'ListInstances', 'ListKeyPairs'], 'a new region is asked for pay-as-you-go servers too');
    } finally {
      world.api.services.clock = fast;
    }
    // Older than 30 s: removing a region asks the others again. A whole product minute, so the calls made on the slow
    // clock (whose times the rate budget holds in the slow clock's past) have also left the emulator's window.
    await fast.sleep(Math.max(60_000, FRESH_ANSWER_MS * 1.2));
    world.emulator.clearCalls();
    await world.configure({ regions: shown });
    for (const regionId of shown) {
      await groupChildren(tree(), regionId, 'servers');
    }
    const subscriptionListsBy = (regionId: string) =>
      world.emulator.calls.filter((c) => c.regionId === regionId && (c.action === 'ListKeyPairs' || c.query.ChargeType === 'PrePaid')).map((c) => c.action);
    assert.deepEqual(shown.map((r) => subscriptionListsBy(r).sort().join()), shown.map(() => 'ListInstances,ListKeyPairs'));
    assert.equal(world.emulator.throttledCalls().length, 0);
  });

  test('a pay-as-you-go server is listed in the tree and offered by Attach, as subscription ones are', async () => {
    world.emulator.addInstance(DEMO_REGION_ID, { instanceName: 'hourly-1', publicIpAddress: '127.0.0.9', osType: 'Linux', chargeType: 'PostPaid' });
    const servers = (await groupChildren(tree(), DEMO_REGION_ID, 'servers')) as ServerNode[];
    assert.deepEqual(servers.map((s) => s.instance.instanceName).sort(), ['db-1', 'hourly-1', 'web-1', 'win-1']);
    assert.deepEqual(world.emulator.callsOf('ListInstances').map((c) => c.query.ChargeType), ['PrePaid', 'PostPaid']);

    const prompter = world.script({ picks: ['hourly-1'] }, { answer: undefined });
    await vscode.commands.executeCommand('swas.attachKeyPair', await keyPairNode(tree(), DEMO_REGION_ID, 'existing-key'));
    assert.deepEqual(prompter.shown.find((s) => s.kind === 'quickPick')?.items?.sort(), ['db-1', 'hourly-1'], 'the Linux servers without this key pair');
    assert.equal(world.emulator.instances(DEMO_REGION_ID).find((i) => i.instanceName === 'hourly-1')?.keyPairName, 'existing-key');
  });

  test('the tree refreshes itself after a change the extension makes', async () => {
    await keyPairNode(tree(), DEMO_REGION_ID, 'existing-key');
    const fired = new Promise<void>((resolve) => {
      const subscription = tree().onDidChangeTreeData(() => {
        subscription.dispose();
        resolve();
      });
    });
    world.script({ type: ['after-change'] }, { pick: 'Skip' });
    await vscode.commands.executeCommand('swas.createKeyPair', { regionId: DEMO_REGION_ID });
    await fired;
    const names = ((await groupChildren(tree(), DEMO_REGION_ID, 'keyPairs')) as KeyPairNode[]).map((k) => k.keyPair.keyPairName);
    assert.deepEqual(names, ['after-change', 'existing-key']);
  });
});
