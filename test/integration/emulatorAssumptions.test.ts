import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { CreateKeyPairOutcome } from '../../src/commands/createKeyPair';
import { DEMO_REGION_ID } from '../emulator/demo';
import type { CreateReplay } from '../emulator/server';
import { sshKeygenPublic, World } from './world';

/**
 * The emulator behaving the other way where the docs are silent (test/emulator/ASSUMPTIONS.md),
 * and the product still losing nothing: no private key lost without a word, no orphan key pair
 * left taking a slot, no refusal replayed after the user fixed its cause.
 */
suite('Emulator assumptions, the other way: the create flow still loses nothing', function () {
  this.timeout(120_000);
  let world: World;
  suiteSetup(async () => (world = await World.start()));
  suiteTeardown(async () => world?.stop());
  setup(async () => world.reset());

  const create = () => vscode.commands.executeCommand<CreateKeyPairOutcome | undefined>('swas.createKeyPair', { regionId: DEMO_REGION_ID });
  const named = (name: string) => world.emulator.keyPairs(DEMO_REGION_ID).filter((k) => k.keyPairName === name);

  for (const replay of ['nameExists', 'emptyKey'] as CreateReplay[]) {
    test(`lost answer, replay answers ${replay}: the user is told, deletes the orphan in one click, gets a working key`, async () => {
      world.emulator.setCreateReplay(replay);
      world.emulator.injectFault({ action: 'CreateKeyPair', kind: 'dropAfterAct' });
      const prompter = world.script({ type: ['replayed'] }, { pick: 'Skip' }, { answer: 'Delete and Create Again' });
      const outcome = await create();
      assert.ok(outcome?.privateKeyPath, `finished with a key: ${JSON.stringify(prompter.shown.map((s) => s.text))}`);
      assert.match(prompter.messages('error')[0]?.text ?? '', /private key was lost on the way/);
      const tokens = world.emulator.callsOf('CreateKeyPair').map((c) => c.clientToken);
      assert.equal(tokens.length, 3, 'first try, its same-token replay, then the new create');
      assert.equal(tokens[0], tokens[1], 'the replay used the same token');
      assert.notEqual(tokens[2], tokens[0], 'the new create used a fresh token');
      assert.equal(world.emulator.callsOf('DeleteKeyPairs').length, 1);
      const left = named('replayed');
      assert.equal(left.length, 1, 'exactly one key pair, no orphan');
      assert.equal((await sshKeygenPublic(outcome.privateKeyPath)).split(' ')[1], left[0].publicKey.split(' ')[1], 'the saved key is the listed one');
      assert.equal(prompter.remaining, 0);
    });
  }

  test('replay without the key, user declines: told the orphan stays and takes a slot; nothing written', async () => {
    world.emulator.setCreateReplay('emptyKey');
    world.emulator.injectFault({ action: 'CreateKeyPair', kind: 'dropAfterAct' });
    const prompter = world.script({ type: ['declined'] }, { pick: 'Skip' }, { answer: undefined });
    assert.equal(await create(), undefined);
    assert.match(prompter.messages('warning').map((m) => m.text).join('\n'), /"declined" is left in cn-hangzhou without its private key and takes one of the 10/);
    assert.deepEqual((await fs.readdir(world.sshDir).catch(() => [])).filter((f) => f.startsWith('declined')), []);
  });

  test('a name someone else took meanwhile is not mistaken for our orphan: asked for another name', async () => {
    world.emulator.setCreateReplay('nameExists');
    world.emulator.injectFault({ action: 'CreateKeyPair', kind: 'error', status: 400, code: 'KeyPairNameAlreadyExist', message: 'The specified key pair name already exists.' });
    const prompter = world.script({ type: ['taken-meanwhile'] }, { pick: 'Skip' }, { type: ['second-name'] }, { pick: 'Skip' });
    const outcome = await create();
    assert.equal(outcome?.keyPairName, 'second-name');
    assert.equal(world.emulator.callsOf('DeleteKeyPairs').length, 0, 'nothing deleted');
    assert.equal(prompter.messages('error').length, 0);
  });

  for (const refusal of [
    { cause: 'a RAM denial', status: 403, code: 'Forbidden.RAM', message: 'User not authorized to operate on the specified resource.' },
    { cause: 'the quota', status: 400, code: 'QuotaExceed.KeyPair', message: 'The key pair quota is exceeded.' },
  ]) {
    test(`after ${refusal.cause} the user fixed, Retry sends a new ClientToken (a remembered refusal cannot come back)`, async () => {
      world.emulator.setRememberFailures(true);
      world.emulator.injectFault({ action: 'CreateKeyPair', kind: 'error', status: refusal.status, code: refusal.code, message: refusal.message });
      const prompter = world.script({ type: [`after-${refusal.status}`] }, { pick: 'Skip' }, { answer: 'Retry' });
      const outcome = await create();
      assert.ok(outcome?.privateKeyPath, JSON.stringify(prompter.shown.map((s) => s.text)));
      const tokens = world.emulator.callsOf('CreateKeyPair').map((c) => c.clientToken);
      assert.equal(tokens.length, 2);
      assert.notEqual(tokens[1], tokens[0]);
    });
  }

  test('a transient failure the user retries keeps the ClientToken: one key pair, even if the first try acted', async () => {
    world.emulator.setRememberFailures(true);
    world.emulator.injectFault({ action: 'CreateKeyPair', kind: 'dropAfterAct' });
    world.emulator.injectFault({ action: 'CreateKeyPair', kind: 'status', status: 503, times: 3 });
    const prompter = world.script({ type: ['kept-token'] }, { pick: 'Skip' }, { answer: 'Retry' });
    const outcome = await create();
    assert.ok(outcome?.privateKeyPath, JSON.stringify(prompter.shown.map((s) => s.text)));
    const tokens = new Set(world.emulator.callsOf('CreateKeyPair').map((c) => c.clientToken));
    assert.equal(tokens.size, 1, 'one token for every try');
    assert.equal(named('kept-token').length, 1);
    assert.ok(path.isAbsolute(outcome.privateKeyPath));
  });
});
