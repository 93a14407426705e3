import assert from 'node:assert/strict';
import { execFile } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import * as vscode from 'vscode';
import type { CreateKeyPairOutcome } from '../../src/commands/createKeyPair';
import type { ImportOutcome } from '../../src/commands/importPublicKey';
import { DEMO_REGION_ID } from '../emulator/demo';
import { keyPairNode } from './treeSupport';
import { World } from './world';

const run = promisify(execFile);

/**
 * The ClientToken rule (src/cloud/clientToken.ts) through the commands that create or delete: after a
 * failure the service may have acted on, the user's Retry is sent with the same ClientToken as every
 * earlier attempt, so the service does it once (docs/swas-api.md, Idempotence). The SDK client tries 4
 * times in all before the message: each fault below takes all four.
 */
suite('ClientToken rule: Retry after a failure the service may have acted on', function () {
  this.timeout(120_000);
  let world: World;
  suiteSetup(async () => (world = await World.start()));
  suiteTeardown(async () => world?.stop());
  setup(async () => world.resetShowing([DEMO_REGION_ID]));

  const tokensOf = (action: string) => new Set(world.emulator.callsOf(action).map((call) => call.clientToken));

  test('Create: 503 on every try, then Retry: one key pair, one ClientToken for every call', async () => {
    world.emulator.injectFault({ action: 'CreateKeyPair', kind: 'status', status: 503, code: 'ServiceUnavailable', times: 4 });
    const prompter = world.script({ type: ['retried-create'] }, { pick: 'Skip' }, { answer: 'Retry' });
    const outcome = await vscode.commands.executeCommand<CreateKeyPairOutcome>('swas.createKeyPair', { regionId: DEMO_REGION_ID });
    assert.match(prompter.messages('error')[0]?.text ?? '', /Retrying is safe/);
    assert.ok(outcome?.privateKeyPath, 'the retried create saved the key');
    assert.ok(world.emulator.callsOf('CreateKeyPair').length > 4, 'retried after the message');
    assert.equal(tokensOf('CreateKeyPair').size, 1);
  });

  test('Delete: answers lost after acting on every try, then Retry: deleted once, one ClientToken', async () => {
    world.script({ type: ['retried-delete'] }, { pick: 'Skip' });
    await (await vscode.commands.executeCommand<CreateKeyPairOutcome>('swas.createKeyPair', { regionId: DEMO_REGION_ID })).followUp;
    world.emulator.injectFault({ action: 'DeleteKeyPairs', kind: 'dropAfterAct', times: 4 });
    const prompter = world.script({ answer: 'Delete' }, { answer: 'Retry' }, { answer: undefined });
    await vscode.commands.executeCommand('swas.deleteKeyPair', await keyPairNode(world.api.tree, DEMO_REGION_ID, 'retried-delete'));
    assert.match(prompter.messages('error')[0]?.text ?? '', /Retrying is safe/);
    assert.ok(!world.emulator.keyPairs(DEMO_REGION_ID).some((k) => k.keyPairName === 'retried-delete'), 'deleted');
    assert.ok(world.emulator.callsOf('DeleteKeyPairs').length > 4, 'retried after the message');
    assert.equal(tokensOf('DeleteKeyPairs').size, 1);
  });

  test('Import: answers lost after acting on every try, then Retry: imported once, one ClientToken', async () => {
    const keyFile = path.join(world.sshDir, 'id_ed25519');
    await fs.mkdir(world.sshDir, { recursive: true, mode: 0o700 });
    await run('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-f', keyFile]);
    world.emulator.injectFault({ action: 'ImportKeyPair', kind: 'dropAfterAct', times: 4 });
    const prompter = world.script({ pick: 'Choose a .pub File…' }, { open: `${keyFile}.pub` }, { type: ['retried-import'] }, { answer: 'Retry' });
    const outcome = await vscode.commands.executeCommand<ImportOutcome>('swas.importPublicKey', { regionId: DEMO_REGION_ID });
    assert.match(prompter.messages('error')[0]?.text ?? '', /Retrying is safe/);
    assert.equal(outcome?.keyPairName, 'retried-import');
    assert.equal(world.emulator.keyPairs(DEMO_REGION_ID).filter((k) => k.keyPairName === 'retried-import').length, 1);
    assert.ok(world.emulator.callsOf('ImportKeyPair').length > 4, 'retried after the message');
    assert.equal(tokensOf('ImportKeyPair').size, 1);
  });
});
