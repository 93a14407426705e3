import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { CreateKeyPairOutcome } from '../../src/commands/createKeyPair';
import { DEMO_REGION_ID, DEMO_SERVERS } from '../emulator/demo';
import { suiteOn } from '../support/platform';
import { Mounts } from './disk';
import type { ScriptStep } from './scriptedPrompter';
import { LocalSshd } from './sshd';
import { sshdSuite } from './sshdSuite';
import { sshG, World } from './world';

const WEB1 = DEMO_SERVERS.web1;

/**
 * The user's whole path, as users are: HOME is the passwd home and has a space in it (world.ts), key
 * pair names and folders as users write them, and every login is a plain `ssh <alias>`, as Remote-SSH
 * runs it (no -F, the user's own known_hosts), against a real sshd playing web-1. Each case drives the
 * real Create Key Pair command and checks the result with OpenSSH, never with the product's own code.
 */
suiteOn(['linux'], 'The user\'s whole path: names, folders and homes as users have them', function () {
  this.timeout(180_000);
  const sshds = sshdSuite();
  let world: World;
  const mounts = new Mounts();
  suiteSetup(() => (world = sshds.world));
  teardown(async () => mounts.release());

  /** Create with web-1 and Restart from the final message; `rescue` answers the disk's refusal. */
  async function createAndRestart(name: string, ...rescue: ScriptStep[]): Promise<CreateKeyPairOutcome> {
    const prompter = world.script({ type: [name] }, { pick: 'web-1' }, ...rescue, { answer: 'Restart' }, { answer: 'Restart' }, { answer: undefined });
    const outcome = await vscode.commands.executeCommand<CreateKeyPairOutcome>('swas.createKeyPair', { regionId: DEMO_REGION_ID });
    await outcome.followUp;
    assert.equal(prompter.remaining, 0, prompter.shown.map((s) => `${s.kind}: ${s.text}`).join('\n'));
    assert.ok(outcome.alias, `an SSH host entry was written: ${prompter.shown.map((s) => s.text).join('\n')}`);
    return outcome;
  }

  /** What OpenSSH resolves for the alias: web-1's address, and our key first. */
  async function assertResolvesToKey(alias: string, keyFile: string): Promise<void> {
    const resolved = await sshG(world.configPath, alias, world.home);
    assert.deepEqual(resolved.get('hostname'), [WEB1.publicIpAddress]);
    assert.equal(resolved.get('identityfile')?.[0], keyFile);
  }

  const cases: { folder: string; name: string; file: string }[] = [
    { folder: '~/cloud keys', name: 'vscode-e2e', file: 'vscode-e2e.pem' },
    { folder: "~/it's keys", name: '生产服务器密钥', file: '生产服务器密钥.pem' },
    { folder: '~/#1 keys', name: 'team:web-1', file: 'team_web-1.pem' },
    { folder: '~/100% keys', name: `k${'x'.repeat(62)}9`, file: `k${'x'.repeat(62)}9.pem` },
  ];
  for (const { folder, name, file } of cases) {
    test(`key folder ${JSON.stringify(folder)}, key pair ${JSON.stringify(name)}: key saved 0600, entry OpenSSH resolves, plain ssh logs in`, async () => {
      await world.configure({ sshKeyDirectory: folder });
      await sshds.start();
      await sshds.trustHostKey();
      const outcome = await createAndRestart(name);
      const keyFile = path.join(world.home, folder.slice(2), file);
      assert.equal(outcome.privateKeyPath, keyFile);
      assert.equal((await fs.stat(keyFile)).mode & 0o777, 0o600);
      assert.match(outcome.alias!, /^swas-[a-z0-9._-]+$/, 'a plain ASCII host name that ssh and Remote-SSH accept');
      await assertResolvesToKey(outcome.alias!, keyFile);
      assert.equal(await sshds.login(outcome.alias!), LocalSshd.loginUser());
    });
  }

  for (const target of ['Saved As/k.pem', "it's #1/k.pem", '100% sure/k.pem']) {
    test(`key folder not writable, Save As… "~/${target}": the entry points there and plain ssh logs in`, async () => {
      const keys = path.join(world.home, 'read-only keys');
      await fs.mkdir(keys, { recursive: true, mode: 0o700 });
      await mounts.readOnly(keys);
      await world.configure({ sshKeyDirectory: keys });
      const rescue = path.join(world.home, target);
      await fs.mkdir(path.dirname(rescue), { recursive: true });
      await sshds.start();
      await sshds.trustHostKey();
      const outcome = await createAndRestart(`rescued-${target.length}`, { answer: 'Save As…' }, { saveAs: rescue });
      assert.equal(outcome.privateKeyPath, rescue);
      await assertResolvesToKey(outcome.alias!, rescue);
      assert.equal(await sshds.login(outcome.alias!), LocalSshd.loginUser());
    });
  }

  test('swas.defaultUser with a \' is written quoted, and OpenSSH reads the same user', async () => {
    await world.configure({ defaultUser: "o'brien" });
    world.script({ type: ['quoted-user'] }, { pick: 'Skip' }, { answer: undefined });
    const outcome = await vscode.commands.executeCommand<CreateKeyPairOutcome>('swas.createKeyPair', { regionId: DEMO_REGION_ID });
    await outcome.followUp;
    assert.ok(outcome.alias, 'an entry was written');
    const resolved = await sshG(world.configPath, outcome.alias, world.home);
    assert.deepEqual(resolved.get('user'), ["o'brien"]);
  });

});
