import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { AttachOutcome } from '../../src/commands/attachKeyPair';
import type { ConnectServerOutcome } from '../../src/commands/connectServer';
import type { CreateKeyPairOutcome } from '../../src/commands/createKeyPair';
import type { DetachOutcome } from '../../src/commands/detachKeyPair';
import type { ImportOutcome } from '../../src/commands/importPublicKey';
import { samePublicKey } from '../../src/ssh/keyFormat';
import { DEMO_REGION_ID } from '../emulator/demo';
import type { SuccessText } from '../emulator/actions';
import { keyPairNode, serverNode } from './treeSupport';
import { listFiles, sshKeygenPublic, World } from './world';

/**
 * Answers the real service gives (or may give) where the emulator's default answers otherwise
 * (test/emulator/ASSUMPTIONS.md): the product behaves the same with either answer.
 */
suite('Service answers the emulator gives only when asked: the product handles both', function () {
  this.timeout(120_000);
  let world: World;
  suiteSetup(async () => (world = await World.start()));
  suiteTeardown(async () => world?.stop());
  setup(async () => world.resetShowing([DEMO_REGION_ID]));

  const tree = () => world.api.tree;
  const instance = (name: string) => world.emulator.instances(DEMO_REGION_ID).find((i) => i.instanceName === name)!;

  async function createKeyPair(name: string): Promise<void> {
    world.script({ type: [name] }, { pick: 'Skip' });
    const outcome = await vscode.commands.executeCommand<CreateKeyPairOutcome>('swas.createKeyPair', { regionId: DEMO_REGION_ID });
    await outcome.followUp;
  }

  for (const successText of ['true', 'True'] as SuccessText[]) {
    test(`Attach and Detach: a per-server Success of "${successText}" is a success`, async () => {
      world.emulator.setSuccessCase(successText);
      await createKeyPair('cased');
      let prompter = world.script({ picks: ['db-1'] }, { answer: undefined });
      const attached = await vscode.commands.executeCommand<AttachOutcome>('swas.attachKeyPair', await keyPairNode(tree(), DEMO_REGION_ID, 'cased'));
      assert.deepEqual(attached.results.map((r) => r.success), [true]);
      const attachMessage = prompter.messages().find((m) => m.text.startsWith('Attach "cased":'));
      assert.equal(attachMessage?.severity, 'info', JSON.stringify(prompter.shown.map((s) => s.text)));
      assert.match(attachMessage.text, /db-1: done/);
      assert.equal(instance('db-1').keyPairName, 'cased');

      prompter = world.script({ picks: ['db-1'] }, { answer: 'Detach' }, { answer: undefined });
      const detached = await vscode.commands.executeCommand<DetachOutcome>('swas.detachKeyPair', await keyPairNode(tree(), DEMO_REGION_ID, 'cased'));
      assert.deepEqual(detached?.results.map((r) => r.success), [true]);
      assert.equal(prompter.messages('warning').length + prompter.messages('error').length, 0, JSON.stringify(prompter.shown.map((s) => s.text)));
      assert.equal(instance('db-1').keyPairName, undefined);
    });
  }

  for (const refused of [false, true]) {
    test(`Connect: a server without a key pair, DescribeInstanceKeyPair ${refused ? 'refusing' : 'answering {}'}: "no key pair attached", not an error`, async () => {
      world.emulator.setNoKeyPairRefused(refused);
      const prompter = world.script({ answer: undefined });
      const outcome = await vscode.commands.executeCommand<ConnectServerOutcome>('swas.connectServer', await serverNode(tree(), DEMO_REGION_ID, 'db-1'));
      assert.deepEqual(outcome, { kind: 'noKeyPair' }, JSON.stringify(prompter.shown.map((s) => s.text)));
      assert.match(prompter.lastMessage()!.text, /No key pair is attached to db-1/);
      assert.equal(prompter.messages('error').length, 0);
      assert.deepEqual(await listFiles(world.sshDir), []);
    });
  }

  test('Restart of a server stopped meanwhile: IncorrectInstanceStatus (HTTP 403) shows the service\'s message, not a permission problem', async () => {
    const db1 = instance('db-1');
    // stopped after Restart read its status, while the user confirms: RebootInstance reaches a Stopped server
    const prompter = world.script({ pick: 'db-1' }, { answer: 'Restart', before: () => world.emulator.stopInConsole(DEMO_REGION_ID, db1.instanceId) }, { answer: undefined });
    await vscode.commands.executeCommand('swas.restartServer');
    const refusal = world.emulator.callsOf('RebootInstance').map((c) => [c.status, c.code]);
    assert.deepEqual(refusal, [[403, 'IncorrectInstanceStatus']]);
    const error = prompter.messages('error')[0];
    assert.ok(error, JSON.stringify(prompter.shown.map((s) => s.text)));
    assert.match(error.text, /only a Running instance can be restarted/);
    assert.doesNotMatch(error.text, /permission|RAM|AccessKey/i);
    assert.equal(instance('db-1').rebootCount, 0);
  });

  test('A server listed without Image.OsType: "unknown OS" in the tree, not Windows; Connect says the OS is unknown', async () => {
    world.emulator.addInstance(DEMO_REGION_ID, { instanceName: 'no-os', publicIpAddress: '127.0.0.9', osType: 'Linux', osTypeListed: false });
    tree().refresh();
    const node = await serverNode(tree(), DEMO_REGION_ID, 'no-os');
    const item = tree().getTreeItem(node);
    assert.match(String(item.description), /unknown OS/);
    assert.doesNotMatch(`${String(item.description)}\n${String(item.tooltip)}`, /Windows/);
    assert.match(String(item.tooltip), /OS: unknown/);
    assert.equal(item.contextValue, 'swas.server.unknown');
    const prompter = world.script();
    const outcome = await vscode.commands.executeCommand<ConnectServerOutcome>('swas.connectServer', node);
    assert.deepEqual(outcome, { kind: 'unknownOs' });
    assert.match(prompter.lastMessage()!.text, /did not say which OS no-os runs/);
  });

  test('Import: an Ed25519 key refused (the docs name RSA, DSA, ECDSA): "It needs an RSA key", Generate RSA Key and Import imports an RSA key under the same name', async () => {
    world.emulator.setImportRefusesEd25519(true);
    const prompter = world.script({ pick: 'Generate Ed25519 Key' }, { type: ['中文ed'] }, { answer: 'Generate RSA Key and Import' }, { answer: undefined });
    const outcome = await vscode.commands.executeCommand<ImportOutcome>('swas.importPublicKey', { regionId: DEMO_REGION_ID });
    const refused = prompter.messages('error')[0];
    assert.match(refused?.text ?? '', /refused the Ed25519 key: .* It needs an RSA key\.$/, JSON.stringify(prompter.shown.map((s) => s.text)));
    const sent = world.emulator.callsOf('ImportKeyPair').map((c) => [c.status, c.query.PublicKeyBody.split(' ')[0]]);
    assert.deepEqual(sent, [[400, 'ssh-ed25519'], [200, 'ssh-rsa']]);
    const listed = world.emulator.keyPairs(DEMO_REGION_ID).find((k) => k.keyPairName === '中文ed');
    assert.match(listed?.publicKey ?? '', /^ssh-rsa /);
    assert.ok(outcome?.privateKeyPath, 'the RSA key is kept');
    assert.ok(samePublicKey(listed!.publicKey, await sshKeygenPublic(outcome.privateKeyPath)));
    const keyFiles = (await listFiles(world.sshDir)).filter((f) => f.startsWith('中文ed'));
    assert.equal(keyFiles.length, 2, `one key pair left: ${keyFiles.join(', ')}`);
    assert.match(await fs.readFile(path.join(world.sshDir, keyFiles.find((f) => f.endsWith('.pub'))!), 'utf8'), /^ssh-rsa /);
    assert.equal(prompter.remaining, 0);
  });
});
