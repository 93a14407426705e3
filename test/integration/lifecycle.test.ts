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
import type { DetachOutcome } from '../../src/commands/detachKeyPair';
import type { ImportOutcome } from '../../src/commands/importPublicKey';
import type { RestartOutcome } from '../../src/operations/restart';
import { samePublicKey, sha256Fingerprint } from '../../src/ssh/keyFormat';
import { DEMO_EXISTING_KEY_PAIR, DEMO_REGION_ID, DEMO_SERVERS } from '../emulator/demo';
import { findManagedBlock } from '../../src/ssh/sshConfig';
import { keyPairNode, serverNode } from './treeSupport';
import { listFiles, sshG, sshKeygenPublic, World } from './world';

const run = promisify(execFile);
const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

suite('Key pair lifecycle from the sidebar', function () {
  this.timeout(120_000);
  let world: World;
  suiteSetup(async () => (world = await World.start()));
  suiteTeardown(async () => world?.stop());
  setup(async () => world.resetShowing([DEMO_REGION_ID]));

  const tree = () => world.api.tree;
  const instance = (name: string) => world.emulator.instances(DEMO_REGION_ID).find((i) => i.instanceName === name)!;
  const keyPairNames = () => world.emulator.keyPairs(DEMO_REGION_ID).map((k) => k.keyPairName).sort();

  /** Runs the create flow from the region node; `server` is a server name or 'Skip'. */
  async function createLocalKeyPair(name: string, server: string): Promise<CreateKeyPairOutcome> {
    world.script({ type: [name] }, { pick: server });
    const outcome = await vscode.commands.executeCommand<CreateKeyPairOutcome>('swas.createKeyPair', { regionId: DEMO_REGION_ID });
    await outcome.followUp;
    return outcome;
  }

  test('Attach: several Linux servers, a modal before replacing a key pair, per-server results, SSH entries, restart', async () => {
    await createLocalKeyPair('lap', 'Skip');
    const node = await keyPairNode(tree(), DEMO_REGION_ID, 'lap');
    const prompter = world.script({ picks: ['web-1', 'db-1'] }, { answer: 'Attach and Replace' }, { answer: 'Restart Servers…' }, { answer: 'Restart' });
    const outcome = await vscode.commands.executeCommand<AttachOutcome>('swas.attachKeyPair', node);

    const pick = prompter.shown.find((s) => s.kind === 'quickPick');
    assert.deepEqual(pick?.items?.sort(), ['db-1', 'web-1'], 'Linux servers only');
    const replace = prompter.shown.find((s) => s.kind === 'confirm');
    assert.match(replace!.text, /web-1 \("existing-key"\)/);
    assert.doesNotMatch(replace!.text, /db-1/);
    assert.deepEqual(outcome.results.map((r) => r.success), [true, true]);
    assert.equal(instance('web-1').keyPairName, 'lap');
    assert.equal(instance('db-1').keyPairName, 'lap');
    const lapKey = world.emulator.keyPairs(DEMO_REGION_ID).find((k) => k.keyPairName === 'lap')!.publicKey;
    // The command returns after the restart it offered and the wait until the servers run again.
    assert.deepEqual(outcome.restarted.map((i) => i.instanceName), ['web-1', 'db-1']);
    const authorized = await fs.readFile(world.authorizedKeysFile('db-1'), 'utf8');
    assert.ok(samePublicKey(authorized, lapKey), 'effective after the restart');

    const results = prompter.messages().find((m) => m.text.startsWith('Attach "lap":'));
    assert.match(results!.text, /web-1: done.*db-1: done/);
    assert.match(results!.text, /SSH hosts: swas-lap, swas-lap-db-1\./);
    const restart = prompter.shown.filter((s) => s.kind === 'confirm')[1];
    assert.match(restart.text, new RegExp(`Restart 2 servers: web-1 \\(${DEMO_SERVERS.web1.instanceId}\\), db-1`));
    assert.equal(instance('web-1').rebootCount, 1);
    assert.equal(instance('db-1').rebootCount, 1);

    const web = await sshG(world.configPath, 'swas-lap', world.home);
    assert.deepEqual(web.get('hostname'), [DEMO_SERVERS.web1.publicIpAddress]);
    assert.deepEqual(web.get('identityfile'), [path.join(world.sshDir, 'lap.pem')]);
    const db = await sshG(world.configPath, 'swas-lap-db-1', world.home);
    assert.deepEqual(db.get('hostname'), [DEMO_SERVERS.db1.publicIpAddress]);
  });

  test('Attach: one of two servers fails; the other is attached, the failure is named, only the attached server gets an entry', async () => {
    await createLocalKeyPair('half', 'Skip');
    world.emulator.failServerOnce(DEMO_SERVERS.db1.instanceId, '403', 'The instance is being changed; try again later.');
    const node = await keyPairNode(tree(), DEMO_REGION_ID, 'half');
    const prompter = world.script({ picks: ['web-1', 'db-1'] }, { answer: 'Attach and Replace' }, { answer: undefined });
    const outcome = await vscode.commands.executeCommand<AttachOutcome>('swas.attachKeyPair', node);
    assert.deepEqual(outcome.results.map((r) => [r.instanceId, r.success]), [
      [DEMO_SERVERS.web1.instanceId, true],
      [DEMO_SERVERS.db1.instanceId, false],
    ]);
    const results = prompter.messages().find((m) => m.text.startsWith('Attach "half":'));
    assert.ok(results, JSON.stringify(prompter.shown.map((s) => s.text)));
    assert.equal(results.severity, 'warning');
    assert.match(results.text, /web-1: done/);
    assert.match(results.text, /db-1: .*being changed/);
    assert.equal(instance('web-1').keyPairName, 'half');
    assert.notEqual(instance('db-1').keyPairName, 'half');
    const block = findManagedBlock(await fs.readFile(world.configPath, 'utf8'), DEMO_REGION_ID, 'half');
    assert.deepEqual(block?.hosts.map((h) => h.instanceId), [DEMO_SERVERS.web1.instanceId]);
  });

  test('Attach and Detach: answers lost on every attempt offer a safe Retry, sent with the same ClientToken', async () => {
    await createLocalKeyPair('lossy', 'Skip');
    // The client tries 4 times in all; every one of them loses its answer after the service acted.
    world.emulator.injectFault({ action: 'AttachKeyPair', kind: 'dropAfterAct', times: 4 });
    let prompter = world.script({ picks: ['db-1'] }, { answer: 'Retry' }, { answer: undefined });
    const attached = await vscode.commands.executeCommand<AttachOutcome>('swas.attachKeyPair', await keyPairNode(tree(), DEMO_REGION_ID, 'lossy'));
    const attachError = prompter.messages('error')[0];
    assert.match(attachError.text, /Retrying is safe/);
    assert.equal(attachError.actions?.[0], 'Retry');
    assert.deepEqual(attached.results.map((r) => r.success), [true]);
    assert.equal(instance('db-1').keyPairName, 'lossy');
    const attachCalls = world.emulator.callsOf('AttachKeyPair');
    assert.ok(attachCalls.length > 4, 'retried after the message');
    assert.equal(new Set(attachCalls.map((c) => c.clientToken)).size, 1, 'one ClientToken for every attempt');

    world.emulator.injectFault({ action: 'DetachKeyPair', kind: 'dropAfterAct', times: 4 });
    prompter = world.script({ picks: ['db-1'] }, { answer: 'Detach' }, { answer: 'Retry' });
    const detached = await vscode.commands.executeCommand<DetachOutcome>('swas.detachKeyPair', await keyPairNode(tree(), DEMO_REGION_ID, 'lossy'));
    assert.equal(prompter.messages('error')[0].actions?.[0], 'Retry');
    assert.ok(detached, 'the retried detach finished');
    assert.equal(instance('db-1').keyPairName, undefined);
    assert.equal(new Set(world.emulator.callsOf('DetachKeyPair').map((c) => c.clientToken)).size, 1);
  });

  test('Attach: declining the replace modal changes nothing; a key pair without a local key writes no SSH entry', async () => {
    await createLocalKeyPair('lap', 'Skip');
    world.script({ picks: ['web-1'] }, { answer: undefined });
    assert.equal(await vscode.commands.executeCommand('swas.attachKeyPair', await keyPairNode(tree(), DEMO_REGION_ID, 'lap')), undefined);
    assert.equal(instance('web-1').keyPairName, DEMO_EXISTING_KEY_PAIR);
    assert.equal(world.emulator.callsOf('AttachKeyPair').length, 0);

    const prompter = world.script({ picks: ['db-1'] });
    const outcome = await vscode.commands.executeCommand<AttachOutcome>('swas.attachKeyPair', await keyPairNode(tree(), DEMO_REGION_ID, DEMO_EXISTING_KEY_PAIR));
    assert.equal(outcome.results[0].success, true);
    assert.equal(instance('db-1').keyPairName, DEMO_EXISTING_KEY_PAIR);
    assert.match(prompter.lastMessage()!.text, /private key of "existing-key" is not on this machine, so no SSH config entry was written/);
    assert.doesNotMatch(await fs.readFile(world.configPath, 'utf8'), /existing-key/);
  });

  test('Attach: a server moved from another local key pair loses its Host entry there', async () => {
    await createLocalKeyPair('first', 'web-1');
    await createLocalKeyPair('second', 'Skip');
    world.script({ picks: ['web-1'] }, { answer: 'Attach and Replace' });
    await vscode.commands.executeCommand('swas.attachKeyPair', await keyPairNode(tree(), DEMO_REGION_ID, 'second'));
    assert.equal(instance('web-1').keyPairName, 'second');
    assert.deepEqual((await sshG(world.configPath, 'swas-second', world.home)).get('hostname'), [DEMO_SERVERS.web1.publicIpAddress]);
    assert.deepEqual((await sshG(world.configPath, 'swas-first', world.home)).get('hostname'), ['swas-first'], 'no longer points at web-1');
  });

  test('Detach: a modal naming the servers, its SSH entry goes, the server stops trusting the key at the restart', async () => {
    await createLocalKeyPair('lap', 'web-1');
    world.script({ answer: 'Restart' });
    await vscode.commands.executeCommand('swas.restartServer', await serverNode(tree(), DEMO_REGION_ID, 'web-1'));
    const lapKey = world.emulator.keyPairs(DEMO_REGION_ID).find((k) => k.keyPairName === 'lap')!.publicKey;
    const authorizedKeys = world.authorizedKeysFile('web-1');
    assert.ok(samePublicKey(await fs.readFile(authorizedKeys, 'utf8'), lapKey));
    assert.match(await fs.readFile(world.configPath, 'utf8'), /HostName 127\.0\.0\.2/);
    const prompter = world.script({ picks: ['web-1'] }, { answer: 'Detach' });
    const outcome = await vscode.commands.executeCommand<DetachOutcome>('swas.detachKeyPair', await keyPairNode(tree(), DEMO_REGION_ID, 'lap'));
    assert.deepEqual(outcome.results.map((r) => r.success), [true]);
    assert.match(prompter.shown.find((s) => s.kind === 'confirm')!.text, new RegExp(`Detach "lap" from web-1 \\(${DEMO_SERVERS.web1.instanceId}\\)\\?`));
    assert.equal(instance('web-1').keyPairName, undefined);
    const config = await fs.readFile(world.configPath, 'utf8');
    assert.match(config, /Host swas-lap/, 'the entry stays, without a server');
    assert.doesNotMatch(config, /^\s*HostName\s/m);
    assert.equal(instance('web-1').rebootCount, 1, 'no restart unless asked');
    assert.ok(samePublicKey(await fs.readFile(authorizedKeys, 'utf8'), lapKey), 'still trusted until the restart');
    world.script({ answer: 'Restart' });
    await vscode.commands.executeCommand('swas.restartServer', await serverNode(tree(), DEMO_REGION_ID, 'web-1'));
    assert.equal(await fs.readFile(authorizedKeys, 'utf8'), '');
  });

  test('Delete refuses while attached; declining keeps it, detaching first deletes it', async () => {
    const node = await keyPairNode(tree(), DEMO_REGION_ID, DEMO_EXISTING_KEY_PAIR);
    let prompter = world.script({ answer: undefined });
    let outcome = await vscode.commands.executeCommand<DeleteOutcome>('swas.deleteKeyPair', node);
    assert.equal(outcome.deleted, false);
    assert.match(prompter.messages('warning')[0].text, /"existing-key" is attached to web-1\. Detach it before deleting\./);
    assert.ok(keyPairNames().includes(DEMO_EXISTING_KEY_PAIR));

    prompter = world.script({ answer: 'Detach and Continue…' }, { answer: 'Detach' }, { answer: 'Delete' });
    outcome = await vscode.commands.executeCommand<DeleteOutcome>('swas.deleteKeyPair', node);
    assert.equal(outcome.deleted, true);
    const modals = prompter.shown.filter((s) => s.kind === 'confirm').map((s) => s.text);
    assert.match(modals[0], /Detach "existing-key" from web-1/);
    assert.match(modals[1], /Delete key pair "existing-key" in cn-hangzhou\?/);
    assert.deepEqual(keyPairNames(), []);
    assert.equal(world.emulator.callsOf('DeleteKeyPairs').length, 1);
    assert.deepEqual(outcome.removedLocally, [], 'nothing local existed, nothing was offered');
  });

  test('Delete then offers the key files, the SSH block and known_hosts lines, each listed; removes only on yes', async () => {
    // HOME is the passwd home (world.ts): ~/.ssh/known_hosts is the file OpenSSH reads by default.
    await createLocalKeyPair('gone', 'web-1');
    await fs.writeFile(path.join(world.sshDir, 'known_hosts'), `127.0.0.2 ${HOST_KEY}\n127.0.0.9 ${HOST_KEY}\n`);
    const prompter = world.script({ answer: 'Detach and Continue…' }, { answer: 'Detach' }, { answer: 'Delete' }, { answer: 'Remove These' });
    const outcome = await vscode.commands.executeCommand<DeleteOutcome>('swas.deleteKeyPair', await keyPairNode(tree(), DEMO_REGION_ID, 'gone'));
    assert.equal(outcome.deleted, true);
    const offer = prompter.shown.filter((s) => s.kind === 'confirm')[2].text;
    assert.match(offer, new RegExp(`Key file ${world.sshDir}/gone\\.pem`));
    assert.match(offer, new RegExp(`Key file ${world.sshDir}/gone\\.pub`));
    assert.match(offer, /SSH config entry for "gone" \(swas-gone\)/);
    assert.match(offer, /known_hosts lines for 127\.0\.0\.2 in/);
    assert.doesNotMatch(offer, /127\.0\.0\.9/);
    assert.equal(outcome.removedLocally.length, 4);
    assert.deepEqual((await listFiles(world.sshDir)).filter((f) => f.startsWith('gone')), []);
    assert.doesNotMatch(await fs.readFile(world.configPath, 'utf8'), /gone\.pem|swas-gone/);
    const knownHosts = await fs.readFile(path.join(world.sshDir, 'known_hosts'), 'utf8');
    assert.doesNotMatch(knownHosts, /^127\.0\.0\.2 /m);
    assert.match(knownHosts, /^127\.0\.0\.9 /m);
  });

  test('Delete keeps the known_hosts line of a server that another entry of the SSH config still connects to', async () => {
    await fs.mkdir(world.sshDir, { recursive: true, mode: 0o700 });
    await fs.writeFile(world.configPath, `Host my-web\n  HostName ${DEMO_SERVERS.web1.publicIpAddress}\n  User deploy\n`, { mode: 0o600 });
    await createLocalKeyPair('gone', 'web-1');
    const knownHostsPath = path.join(world.sshDir, 'known_hosts');
    await fs.writeFile(knownHostsPath, `127.0.0.2 ${HOST_KEY}\n`);
    const prompter = world.script({ answer: 'Detach and Continue…' }, { answer: 'Detach' }, { answer: 'Delete' }, { answer: 'Remove These' });
    const outcome = await vscode.commands.executeCommand<DeleteOutcome>('swas.deleteKeyPair', await keyPairNode(tree(), DEMO_REGION_ID, 'gone'));
    assert.equal(outcome.deleted, true);
    const offer = prompter.shown.filter((s) => s.kind === 'confirm')[2].text;
    assert.match(offer, /SSH config entry for "gone" \(swas-gone\)/);
    assert.doesNotMatch(offer, /known_hosts/);
    assert.equal(await fs.readFile(knownHostsPath, 'utf8'), `127.0.0.2 ${HOST_KEY}\n`, 'my-web still connects to 127.0.0.2 and trusts it through this line');
    assert.deepEqual((await sshG(world.configPath, 'my-web', world.home)).get('hostname'), ['127.0.0.2'], 'the user entry is untouched');
  });

  test('Delete: saying no to the local clean-up keeps every local file', async () => {
    await createLocalKeyPair('kept', 'Skip');
    world.script({ answer: 'Delete' }, { answer: undefined });
    const outcome = await vscode.commands.executeCommand<DeleteOutcome>('swas.deleteKeyPair', await keyPairNode(tree(), DEMO_REGION_ID, 'kept'));
    assert.equal(outcome.deleted, true);
    assert.deepEqual(outcome.removedLocally, []);
    assert.deepEqual(await listFiles(world.sshDir), ['config', 'kept.pem', 'kept.pub']);
    assert.match(await fs.readFile(world.configPath, 'utf8'), /Host swas-kept/);
  });

  test('Import: an RSA 4096 pair generated here; only the public key is sent', async () => {
    const prompter = world.script({ pick: 'Generate RSA 4096 Key' }, { type: ['9bad', 'imported'] });
    const outcome = await vscode.commands.executeCommand<ImportOutcome>('swas.importPublicKey', { regionId: DEMO_REGION_ID });
    const box = prompter.shown.find((s) => s.kind === 'inputBox');
    assert.match(box!.validation![0]!, /must start with a letter or a Chinese character/);
    assert.equal(box!.validation![1], undefined);
    const keyPath = path.join(world.sshDir, 'imported.pem');
    assert.equal(outcome.privateKeyPath, keyPath);
    assert.equal((await fs.stat(keyPath)).mode & 0o777, 0o600);
    const listed = world.emulator.keyPairs(DEMO_REGION_ID).find((k) => k.keyPairName === 'imported')!;
    assert.ok(samePublicKey(listed.publicKey, await sshKeygenPublic(keyPath)));
    const sent = world.emulator.callsOf('ImportKeyPair')[0];
    assert.match(sent.query.PublicKeyBody, /^ssh-rsa \S+$/, 'type and key only: no comment, nothing private');
    assert.match((await run('ssh-keygen', ['-l', '-f', `${path.join(world.sshDir, 'imported.pub')}`])).stdout, /^4096 /);
    const resolved = await sshG(world.configPath, 'swas-imported', world.home);
    assert.deepEqual(resolved.get('identityfile'), [keyPath]);
    const item = tree().getTreeItem(await keyPairNode(tree(), DEMO_REGION_ID, 'imported'));
    assert.equal(item.contextValue, 'swas.keyPair.local');
  });

  test('Import: an Ed25519 .pub chosen from disk; its private key beside it is recognised', async () => {
    await fs.mkdir(world.sshDir, { recursive: true });
    const keyFile = path.join(world.sshDir, 'id_ed25519');
    await run('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-C', 'me@laptop', '-f', keyFile]);
    world.script({ pick: 'Choose a .pub File…' }, { open: `${keyFile}.pub` }, { type: ['edkey'] });
    const outcome = await vscode.commands.executeCommand<ImportOutcome>('swas.importPublicKey', { regionId: DEMO_REGION_ID });
    assert.equal(outcome.privateKeyPath, keyFile);
    const listed = world.emulator.keyPairs(DEMO_REGION_ID).find((k) => k.keyPairName === 'edkey')!;
    assert.ok(samePublicKey(listed.publicKey, await fs.readFile(`${keyFile}.pub`, 'utf8')));
    assert.doesNotMatch(world.emulator.callsOf('ImportKeyPair')[0].query.PublicKeyBody, /me@laptop/);
    assert.deepEqual((await sshG(world.configPath, 'swas-edkey', world.home)).get('identityfile'), [keyFile]);
  });

  test('Delete after importing the user\'s own id_ed25519.pub never offers to delete that key (bug 2)', async () => {
    await fs.mkdir(world.sshDir, { recursive: true });
    const keyFile = path.join(world.sshDir, 'id_ed25519');
    await run('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-C', 'me@laptop', '-f', keyFile]);
    world.script({ pick: 'Choose a .pub File…' }, { open: `${keyFile}.pub` }, { type: ['mine'] });
    await vscode.commands.executeCommand<ImportOutcome>('swas.importPublicKey', { regionId: DEMO_REGION_ID });
    const own = { private: await fs.readFile(keyFile), public: await fs.readFile(`${keyFile}.pub`) };

    const prompter = world.script({ answer: 'Delete' }, { answer: 'Remove These' });
    const outcome = await vscode.commands.executeCommand<DeleteOutcome>('swas.deleteKeyPair', await keyPairNode(tree(), DEMO_REGION_ID, 'mine'));
    assert.equal(outcome.deleted, true);
    const offer = prompter.shown.filter((s) => s.kind === 'confirm')[1].text;
    assert.doesNotMatch(offer, /id_ed25519/, 'the extension did not create these files');
    assert.match(offer, /SSH config entry for "mine"/, 'our own block is still offered');
    assert.deepEqual(outcome.removedLocally.length, 1);
    assert.deepEqual(await fs.readFile(keyFile), own.private);
    assert.deepEqual(await fs.readFile(`${keyFile}.pub`), own.public);
  });

  test('Import under a name whose SSH block is still there points the block at the new key (bug 3)', async () => {
    await createLocalKeyPair('again', 'Skip');
    world.script({ answer: 'Delete' }, { answer: undefined });
    await vscode.commands.executeCommand<DeleteOutcome>('swas.deleteKeyPair', await keyPairNode(tree(), DEMO_REGION_ID, 'again'));
    assert.deepEqual((await sshG(world.configPath, 'swas-again', world.home)).get('identityfile'), [path.join(world.sshDir, 'again.pem')]);

    const keyFile = path.join(world.sshDir, 'id_rsa_new');
    await run('ssh-keygen', ['-t', 'rsa', '-b', '2048', '-N', '', '-q', '-f', keyFile]);
    world.script({ pick: 'Choose a .pub File…' }, { open: `${keyFile}.pub` }, { type: ['again'] });
    const outcome = await vscode.commands.executeCommand<ImportOutcome>('swas.importPublicKey', { regionId: DEMO_REGION_ID });
    assert.equal(outcome.alias, 'swas-again');
    assert.deepEqual((await sshG(world.configPath, 'swas-again', world.home)).get('identityfile'), [keyFile]);
  });

  test('Import: an Ed25519 key generated here that the service refuses: told, RSA suggested, the generated key deleted', async () => {
    world.emulator.setImportRefusesEd25519(true);
    const prompter = world.script({ pick: 'Generate Ed25519 Key' }, { type: ['edrefused'] });
    assert.equal(await vscode.commands.executeCommand('swas.importPublicKey', { regionId: DEMO_REGION_ID }), undefined);
    const sent = world.emulator.callsOf('ImportKeyPair');
    assert.equal(sent.length, 1);
    assert.match(sent[0].query.PublicKeyBody, /^ssh-ed25519 /);
    assert.equal(sent[0].status, 400, 'the service refused it');
    const told = prompter.lastMessage()!;
    assert.equal(told.severity, 'error');
    assert.match(told.text, /^cn-hangzhou refused the Ed25519 key: .*ssh-ed25519.* It needs an RSA key\.$/);
    assert.deepEqual(told.actions, ['Generate RSA Key and Import']);
    assert.deepEqual((await listFiles(world.sshDir)).filter((f) => f.startsWith('edrefused')), [], 'the generated key is deleted');
    assert.ok(!keyPairNames().includes('edrefused'));
    assert.doesNotMatch(await fs.readFile(world.configPath, 'utf8').catch(() => ''), /edrefused/, 'no SSH entry');
    assert.equal(prompter.remaining, 0);
  });

  test('Import: a file that is not a public key is refused before any call', async () => {
    await fs.mkdir(world.sshDir, { recursive: true });
    const notAKey = path.join(world.sshDir, 'notes.pub');
    await fs.writeFile(notAKey, 'hello\n');
    const prompter = world.script({ pick: 'Choose a .pub File…' }, { open: notAKey });
    assert.equal(await vscode.commands.executeCommand('swas.importPublicKey', { regionId: DEMO_REGION_ID }), undefined);
    assert.match(prompter.lastMessage()!.text, /is not an OpenSSH public key/);
    assert.equal(world.emulator.callsOf('ImportKeyPair').length, 0);
  });

  test('Copy Fingerprint and Copy Public IP put exactly that on the clipboard', async () => {
    const prompter = world.script();
    const fingerprint = await vscode.commands.executeCommand<string>('swas.copyFingerprint', await keyPairNode(tree(), DEMO_REGION_ID, DEMO_EXISTING_KEY_PAIR));
    const listed = world.emulator.keyPairs(DEMO_REGION_ID)[0];
    assert.equal(fingerprint, sha256Fingerprint(listed.publicKey));
    await vscode.commands.executeCommand('swas.copyPublicIp', await serverNode(tree(), DEMO_REGION_ID, 'db-1'));
    assert.deepEqual(prompter.clipboard, [fingerprint, DEMO_SERVERS.db1.publicIpAddress]);
  });

  test('Connect (server): writes the entry for the attached key pair when its key is here, otherwise explains', async () => {
    await createLocalKeyPair('lap', 'db-1');
    await fs.rm(world.configPath);
    // attached at Create, not restarted since: the reminder comes first, and Connect Anyway goes on
    const reminded = world.script({ answer: 'Connect Anyway' });
    const connected = await vscode.commands.executeCommand<ConnectServerOutcome>('swas.connectServer', await serverNode(tree(), DEMO_REGION_ID, 'db-1'));
    assert.deepEqual(connected, { kind: 'connecting', alias: 'swas-lap', keyPairName: 'lap' });
    assert.match(reminded.messages('warning')[0].text, /db-1 has not restarted since key pair "lap" was attached to it here: the key works only after a restart/);
    assert.equal(reminded.remaining, 0);
    assert.deepEqual((await sshG(world.configPath, 'swas-lap', world.home)).get('hostname'), [DEMO_SERVERS.db1.publicIpAddress]);

    const prompter = world.script();
    const notLocal = await vscode.commands.executeCommand<ConnectServerOutcome>('swas.connectServer', await serverNode(tree(), DEMO_REGION_ID, 'web-1'));
    assert.deepEqual(notLocal, { kind: 'keyNotLocal' });
    assert.match(prompter.lastMessage()!.text, /uses key pair "existing-key", whose private key is not on this machine/);
    const windows = await vscode.commands.executeCommand<ConnectServerOutcome>('swas.connectServer', await serverNode(tree(), DEMO_REGION_ID, 'win-1'));
    assert.deepEqual(windows, { kind: 'windows' });
  });

  test('Connect (server) after an attach made here: Restart restarts and waits, no hand-off; once restarted, no reminder', async () => {
    await createLocalKeyPair('lap', 'db-1');
    await fs.rm(world.configPath);
    let prompter = world.script({ answer: undefined });
    assert.deepEqual(await vscode.commands.executeCommand<ConnectServerOutcome>('swas.connectServer', await serverNode(tree(), DEMO_REGION_ID, 'db-1')), { kind: 'restartPending' });
    assert.match(prompter.messages('warning')[0].text, /has not restarted since key pair "lap"/);
    assert.equal(instance('db-1').rebootCount, 0, 'dismissed: nothing restarted');
    await assert.rejects(fs.access(world.configPath), 'dismissed: no entry written');

    prompter = world.script({ answer: 'Restart' }, { answer: 'Restart' });
    assert.deepEqual(await vscode.commands.executeCommand<ConnectServerOutcome>('swas.connectServer', await serverNode(tree(), DEMO_REGION_ID, 'db-1')), { kind: 'restartPending' });
    assert.match(prompter.shown.find((s) => s.kind === 'confirm')!.text, /Restart db-1/);
    assert.equal(instance('db-1').rebootCount, 1);
    assert.equal(prompter.remaining, 0);

    prompter = world.script();
    const connected = await vscode.commands.executeCommand<ConnectServerOutcome>('swas.connectServer', await serverNode(tree(), DEMO_REGION_ID, 'db-1'));
    assert.deepEqual(connected, { kind: 'connecting', alias: 'swas-lap', keyPairName: 'lap' });
    assert.deepEqual(prompter.messages('warning'), [], 'no reminder after the restart');
  });

  test('Connect (server): a server without a key pair gets advice, nothing is written', async () => {
    const prompter = world.script({ answer: undefined });
    const outcome = await vscode.commands.executeCommand<ConnectServerOutcome>('swas.connectServer', await serverNode(tree(), DEMO_REGION_ID, 'db-1'));
    assert.deepEqual(outcome, { kind: 'noKeyPair' });
    assert.match(prompter.lastMessage()!.text, /No key pair is attached to db-1/);
    assert.deepEqual(await listFiles(world.sshDir), []);
  });

  test('Restart: a restart whose answers are lost offers a safe Retry, sent with the same ClientToken; the server restarts once', async () => {
    // The client tries 4 times in all; every one of them loses its answer after the service acted.
    world.emulator.injectFault({ action: 'RebootInstance', kind: 'dropAfterAct', times: 4 });
    const prompter = world.script({ answer: 'Restart' }, { answer: 'Retry' });
    const restarted = await vscode.commands.executeCommand<RestartOutcome>('swas.restartServer', await serverNode(tree(), DEMO_REGION_ID, 'db-1'));
    const error = prompter.messages('error')[0];
    assert.match(error?.text ?? '', /Retrying is safe/);
    assert.equal(error.actions?.[0], 'Retry');
    assert.deepEqual(restarted?.wait, { kind: 'running' });
    assert.equal(instance('db-1').rebootCount, 1, 'restarted once');
    const rebootCalls = world.emulator.callsOf('RebootInstance');
    assert.ok(rebootCalls.length > 4, 'retried after the message');
    assert.equal(new Set(rebootCalls.map((c) => c.clientToken)).size, 1, 'one ClientToken for every attempt');
    assert.equal(prompter.remaining, 0);
  });

  test('Restart from the palette asks for the server, then confirms by name; No restarts nothing', async () => {
    let prompter = world.script({ pick: 'db-1' }, { answer: undefined });
    assert.equal(await vscode.commands.executeCommand('swas.restartServer'), undefined);
    assert.equal(instance('db-1').rebootCount, 0);
    assert.match(prompter.shown.find((s) => s.kind === 'confirm')!.text, new RegExp(`Restart db-1 \\(${DEMO_SERVERS.db1.instanceId}\\)\\?`));
    prompter = world.script({ answer: 'Restart' });
    const restarted = await vscode.commands.executeCommand<RestartOutcome>('swas.restartServer', await serverNode(tree(), DEMO_REGION_ID, 'db-1'));
    assert.deepEqual(restarted?.wait, { kind: 'running' });
    assert.equal(instance('db-1').rebootCount, 1);
    assert.equal(prompter.remaining, 0);
  });
});
