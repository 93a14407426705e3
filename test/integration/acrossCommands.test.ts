import assert from 'node:assert/strict';
import { execFile } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import * as vscode from 'vscode';
import type { AttachOutcome } from '../../src/commands/attachKeyPair';
import type { ConnectServerOutcome } from '../../src/commands/connectServer';
import type { CreateKeyPairOutcome } from '../../src/commands/createKeyPair';
import type { DeleteOutcome } from '../../src/operations/delete';
import type { ImportOutcome } from '../../src/commands/importPublicKey';
import type { LoginCheckOutcome } from '../../src/commands/testSshConnection';
import { findManagedBlock, listManagedBlocks } from '../../src/ssh/sshConfig';
import { DEMO_REGION_ID, DEMO_SERVERS } from '../emulator/demo';
import type { ScriptStep } from './scriptedPrompter';
import { keyPairNode, serverNode } from './treeSupport';
import { sshG, World } from './world';

const run = promisify(execFile);
const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
const WEB1 = DEMO_SERVERS.web1;

/**
 * Where the commands meet: a key pair created by one command is used, moved or deleted by
 * another, and each must go by what the cloud and OpenSSH say now.
 */
suite('Across commands: aliases, servers moving between key pairs, known_hosts', function () {
  this.timeout(120_000);
  let world: World;
  suiteSetup(async () => (world = await World.start()));
  suiteTeardown(async () => world?.stop());
  setup(async () => world.resetShowing([DEMO_REGION_ID]));

  const tree = () => world.api.tree;
  const config = () => fs.readFile(world.configPath, 'utf8');
  const hostsOf = async (keyPairName: string) => findManagedBlock(await config(), DEMO_REGION_ID, keyPairName)?.hosts ?? [];

  async function create(name: string, server: string, ...after: ScriptStep[]): Promise<CreateKeyPairOutcome> {
    const prompter = world.script({ type: [name] }, { pick: server }, ...after);
    const outcome = await vscode.commands.executeCommand<CreateKeyPairOutcome>('swas.createKeyPair', { regionId: DEMO_REGION_ID });
    await outcome.followUp;
    assert.equal(prompter.remaining, 0, JSON.stringify(prompter.shown.map((s) => s.text)));
    return outcome;
  }

  async function deleteLocally(name: string): Promise<void> {
    world.script({ answer: 'Delete' }, { answer: 'Remove These' });
    const outcome = await vscode.commands.executeCommand<DeleteOutcome>('swas.deleteKeyPair', await keyPairNode(tree(), DEMO_REGION_ID, name));
    assert.equal(outcome.deleted, true);
  }

  test('Chinese key pair names get readable ASCII aliases that OpenSSH resolves and no later key pair reuses', async () => {
    const plain = await create('plain-key', 'Skip');
    assert.equal(plain.alias, 'swas-plain-key', 'ASCII names keep the alias users already have');

    const first = await create('生产服务器', 'Skip');
    assert.match(first.alias ?? '', /^swas-[0-9a-f]{6}$/);
    const mixed = await create('web服务器01', 'Skip');
    assert.match(mixed.alias ?? '', /^swas-web-01-[0-9a-f]{6}$/, 'the ASCII part stays readable');
    for (const alias of [first.alias!, mixed.alias!]) {
      assert.deepEqual((await sshG(world.configPath, alias, world.home)).get('identityfile')?.length, 1, `ssh -G ${alias}`);
    }

    await deleteLocally('生产服务器');
    const other = await create('测试服务器', 'Skip');
    assert.match(other.alias ?? '', /^swas-[0-9a-f]{6}$/);
    assert.notEqual(other.alias, first.alias, 'another key pair does not take the alias of the deleted one');
    const again = await create('生产服务器', 'Skip');
    assert.notEqual(again.alias, first.alias, 'a new key pair of the same name is another key pair');

    // A second server's Host: the server's name is Chinese too.
    world.emulator.addInstance(DEMO_REGION_ID, { instanceName: '数据库', publicIpAddress: '127.0.0.7', osType: 'Linux' });
    world.script({ picks: ['web-1', '数据库'] }, { answer: 'Attach and Replace' }, { answer: undefined });
    const attached = await vscode.commands.executeCommand<AttachOutcome>('swas.attachKeyPair', await keyPairNode(tree(), DEMO_REGION_ID, '测试服务器'));
    const aliases = [...attached.aliases.values()];
    assert.equal(aliases.length, 2);
    assert.equal(aliases[0], other.alias);
    assert.match(aliases[1], new RegExp(`^${other.alias}-[0-9a-f]{6}$`));
    assert.deepEqual((await sshG(world.configPath, aliases[1], world.home)).get('hostname'), ['127.0.0.7']);
  });

  test('Create with a server that uses another key pair of ours moves its Host entry, as Attach does', async () => {
    await create('first-pair', 'web-1');
    assert.deepEqual((await hostsOf('first-pair')).map((h) => h.instanceId), [WEB1.instanceId]);
    await create('second-pair', 'web-1');
    assert.deepEqual((await hostsOf('second-pair')).map((h) => h.instanceId), [WEB1.instanceId]);
    const left = await hostsOf('first-pair');
    assert.ok(!left.some((h) => h.instanceId === WEB1.instanceId), `web-1 left under first-pair: ${JSON.stringify(left)}`);
    assert.deepEqual(left.map((h) => h.alias), ['swas-first-pair'], 'the key stays usable once attached again');
    const hostsFor = listManagedBlocks(await config()).flatMap((b) => b.hosts).filter((h) => h.instanceId === WEB1.instanceId);
    assert.equal(hostsFor.length, 1, 'one Host for web-1 in the whole file');
  });

  test('Connect after the key pair changed in the console: the entry follows the cloud, the stale one goes, the user is told', async () => {
    await create('old-pair', 'web-1');
    await create('new-pair', 'Skip');
    await world.emulator.attachKeyPairInConsole(DEMO_REGION_ID, 'new-pair', WEB1.instanceId);
    const prompter = world.script();
    const outcome = await vscode.commands.executeCommand<ConnectServerOutcome>('swas.connectServer', await serverNode(tree(), DEMO_REGION_ID, 'web-1'));
    assert.deepEqual(outcome, { kind: 'connecting', alias: 'swas-new-pair', keyPairName: 'new-pair' });
    assert.ok(!(await hostsOf('old-pair')).some((h) => h.instanceId === WEB1.instanceId), 'the stale Host entry is gone');
    assert.deepEqual((await sshG(world.configPath, 'swas-new-pair', world.home)).get('hostname'), [WEB1.publicIpAddress]);
    const told = prompter.messages().find((m) => /old-pair/.test(m.text));
    assert.ok(told, JSON.stringify(prompter.shown.map((s) => s.text)));
    assert.match(told.text, /web-1 now uses key pair "new-pair"/);
  });

  test('Test SSH Connection after the key pair changed in the console: no login through the stale entry; it is removed and the user told', async () => {
    await create('old-pair', 'web-1');
    await create('new-pair', 'Skip');
    await world.emulator.attachKeyPairInConsole(DEMO_REGION_ID, 'new-pair', WEB1.instanceId);
    const prompter = world.script({ answer: undefined });
    const outcome = await vscode.commands.executeCommand<LoginCheckOutcome>('swas.testSshConnection', await serverNode(tree(), DEMO_REGION_ID, 'web-1'));
    assert.deepEqual(outcome, { kind: 'staleEntry', alias: 'swas-old-pair', keyPairName: 'new-pair' });
    assert.ok(!(await hostsOf('old-pair')).some((h) => h.instanceId === WEB1.instanceId), 'the stale Host entry is gone');
    const told = prompter.lastMessage()!;
    assert.match(told.text, /web-1 now uses key pair "new-pair", not "old-pair"/);
    assert.deepEqual(told.actions, ['Connect to Server with Remote-SSH']);
    assert.ok(!prompter.shown.some((s) => /Testing the SSH connection/.test(s.text)), 'ssh did not run');
  });

  test('Create with a server without a public IP: no Connect to an entry without HostName, and why', async () => {
    world.emulator.addInstance(DEMO_REGION_ID, { instanceName: 'private-1', publicIpAddress: '', osType: 'Linux' });
    const prompter = world.script({ type: ['no-ip-key'] }, { pick: 'private-1' });
    const outcome = await vscode.commands.executeCommand<CreateKeyPairOutcome>('swas.createKeyPair', { regionId: DEMO_REGION_ID });
    await outcome.followUp;
    const final = prompter.lastMessage()!;
    assert.ok(!final.actions?.includes('Connect'), `actions: ${final.actions}`);
    assert.match(final.text, /Restart private-1 for the key to take effect\. It has no public IP address yet/);
    assert.equal(outcome.attachResults?.[0].success, true);
  });

  test('Delete finds known_hosts lines in the UserKnownHostsFile OpenSSH uses (a path with a space), under [IP]:port', async () => {
    const knownHosts = path.join(world.home, 'my hosts', 'known_hosts');
    await fs.mkdir(path.dirname(knownHosts), { recursive: true });
    await fs.writeFile(knownHosts, `[${WEB1.publicIpAddress}]:2222 ${HOST_KEY}\n127.0.0.9 ${HOST_KEY}\n`, { mode: 0o600 });
    await fs.mkdir(world.sshDir, { recursive: true, mode: 0o700 });
    await fs.writeFile(world.configPath, `UserKnownHostsFile "${knownHosts}"\nMatch host ${WEB1.publicIpAddress}\n  Port 2222\n`, { mode: 0o600 });
    await create('gone', 'web-1');
    const prompter = world.script({ answer: 'Detach and Continue…' }, { answer: 'Detach' }, { answer: 'Delete' }, { answer: 'Remove These' });
    const outcome = await vscode.commands.executeCommand<DeleteOutcome>('swas.deleteKeyPair', await keyPairNode(tree(), DEMO_REGION_ID, 'gone'));
    assert.equal(outcome.deleted, true);
    const offer = prompter.shown.filter((s) => s.kind === 'confirm')[2].text;
    assert.ok(offer.includes(`known_hosts lines for [${WEB1.publicIpAddress}]:2222 in ${knownHosts}`), offer);
    assert.equal(await fs.readFile(knownHosts, 'utf8'), `127.0.0.9 ${HOST_KEY}\n`);
    await assert.rejects(fs.access(path.join(world.home, 'my')), 'nothing written to the path cut at the space');
  });

  test('Import whose SSH config cannot be changed warns, as Create does', async () => {
    await fs.mkdir(world.sshDir, { recursive: true, mode: 0o700 });
    await fs.copyFile(path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'ssh-config', 'broken-begin-without-end.conf'), world.configPath);
    const keyFile = path.join(world.sshDir, 'id_rsa');
    await run('ssh-keygen', ['-t', 'rsa', '-b', '2048', '-N', '', '-q', '-f', keyFile]);
    const prompter = world.script({ pick: 'Choose a .pub File…' }, { open: `${keyFile}.pub` }, { type: ['warned'] });
    const outcome = await vscode.commands.executeCommand<ImportOutcome>('swas.importPublicKey', { regionId: DEMO_REGION_ID });
    assert.equal(outcome.alias, undefined);
    const final = prompter.lastMessage()!;
    assert.match(final.text, /SSH config .* was not changed/);
    assert.equal(final.severity, 'warning');
  });
});
