import assert from 'node:assert/strict';
import { execFile } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import * as vscode from 'vscode';
import type { CreateKeyPairOutcome } from '../../src/commands/createKeyPair';
import { DEMO_REGION_ID, DEMO_SERVERS } from '../emulator/demo';
import { suiteOn } from '../support/platform';
import { LocalSshd } from './sshd';
import { sshdSuite } from './sshdSuite';
import { World } from './world';

const run = promisify(execFile);

/**
 * The end of the story, with real OpenSSH on both sides: a real sshd plays web-1 (on its
 * "public IP" 127.0.0.2), trusting exactly what the emulator wrote for it (the attached key pair,
 * once the server restarted), and the client logs in using only the SSH config entry and key file
 * the extension wrote.
 */
suiteOn(['linux'], 'Real login: create, attach, restart, then ssh into a local sshd', function () {
  this.timeout(120_000);
  const sshds = sshdSuite();
  let world: World;
  suiteSetup(() => (world = sshds.world));

  /** Create with web-1, then Restart Server from the final message: the key takes effect at that restart. */
  async function createAttachAndRestart(): Promise<CreateKeyPairOutcome> {
    const name = `login-${Date.now().toString(36)}`;
    const prompter = world.script({ pick: DEMO_REGION_ID }, { type: [name] }, { pick: 'web-1' }, { answer: 'Restart' }, { answer: 'Restart' });
    const outcome = await vscode.commands.executeCommand<CreateKeyPairOutcome>('swas.createKeyPair');
    assert.ok(outcome?.alias, 'an SSH host entry was written');
    await outcome.followUp;
    assert.equal(prompter.remaining, 0, 'restarted through the product');
    assert.match(prompter.lastMessage()?.text ?? '', /web-1 running again/);
    const listed = world.emulator.keyPairs(DEMO_REGION_ID).find((k) => k.keyPairName === name)!;
    assert.ok((await fs.readFile(sshds.authorizedKeys(), 'utf8')).includes(listed.publicKey.split(' ')[1]), 'the restart put the public key on the server');
    return outcome;
  }

  test('plain ssh swas-<name> (as Remote-SSH runs it) logs in with the new key', async () => {
    await sshds.start();
    await sshds.trustHostKey();
    const outcome = await createAttachAndRestart();
    assert.equal(await sshds.login(outcome.alias!), LocalSshd.loginUser());
  });

  test('six unrelated keys offered to every host in the user\'s config: ours is still offered first and the login works', async () => {
    const user = LocalSshd.loginUser();
    // Six real keys the server does not know, each offered to every host by a top-level line
    // (as dotfiles often do): one more failure than sshd's default MaxAuthTries allows before ours.
    for (let index = 1; index <= 6; index++) {
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `unrelated-${index}`, '-f', path.join(world.sshDir, `id_unrelated_${index}`)]);
    }
    const userConfig = `${[1, 2, 3, 4, 5, 6].map((index) => `IdentityFile ~/.ssh/id_unrelated_${index}`).join('\n')}\n\nHost web-1-direct\n  HostName ${DEMO_SERVERS.web1.publicIpAddress}\n  User ${user}\n`;
    await fs.writeFile(world.configPath, userConfig, { mode: 0o600 });
    await sshds.start();
    await sshds.trustHostKey();
    await assert.rejects(sshds.login('web-1-direct'), (e: { stderr?: string }) => /Too many authentication failures|Permission denied/.test(e.stderr ?? ''),
      'the six keys are real keys this sshd rejects');

    const outcome = await createAttachAndRestart();
    assert.equal(await sshds.login(outcome.alias!), user);
    assert.ok((await fs.readFile(world.configPath, 'utf8')).includes(`\n${userConfig}`), 'the user\'s lines are kept as they were');
  });
});
