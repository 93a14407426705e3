import assert from 'node:assert/strict';
import { execFile } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import * as vscode from 'vscode';
import type { CreateKeyPairOutcome } from '../../src/commands/createKeyPair';
import { DEMO_REGION_ID, DEMO_SERVERS } from '../emulator/demo';
import { suiteOn } from '../support/platform';
import type { ScriptStep } from './scriptedPrompter';
import { listFiles, sshG, sshKeygenPublic, World } from './world';

const run = promisify(execFile);
/** A valid public key that no key pair of the emulator holds. */
const UNRELATED_PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

async function create(args?: object): Promise<CreateKeyPairOutcome | undefined> {
  return vscode.commands.executeCommand<CreateKeyPairOutcome | undefined>('swas.createKeyPair', args);
}

suite('Create Key Pair: the whole flow', function () {
  this.timeout(120_000);
  let world: World;
  suiteSetup(async () => (world = await World.start()));
  suiteTeardown(async () => world?.stop());
  setup(async () => world.reset());

  test('region → name → server: one signed CreateKeyPair, key 0600, config entry OpenSSH resolves', async () => {
    const prompter = world.script({ pick: DEMO_REGION_ID }, { type: ['laptop-key'] }, { pick: 'web-1' }, { answer: 'More…' }, { pick: 'ESC' });
    const outcome = await create();
    await outcome?.followUp;
    assert.ok(outcome, 'the flow finished');

    const creates = world.emulator.callsOf('CreateKeyPair');
    assert.equal(creates.length, 1, 'exactly one CreateKeyPair');
    assert.ok(creates[0].signatureValid, 'signed correctly');
    assert.ok(creates[0].clientToken && creates[0].clientToken.length <= 64, 'with a ClientToken');
    assert.equal(creates[0].query.KeyPairName, 'laptop-key');

    const keyPath = path.join(world.sshDir, 'laptop-key.pem');
    assert.equal(outcome.privateKeyPath, keyPath);
    const stat = await fs.stat(keyPath);
    assert.equal(stat.mode & 0o777, 0o600, 'private key readable by its owner only');
    const listed = world.emulator.keyPairs(DEMO_REGION_ID).find((k) => k.keyPairName === 'laptop-key');
    assert.ok(listed);
    assert.equal((await sshKeygenPublic(keyPath)).split(' ').slice(0, 2).join(' '), listed.publicKey.split(' ').slice(0, 2).join(' '));

    const attaches = world.emulator.callsOf('AttachKeyPair');
    assert.equal(attaches.length, 1);
    assert.equal(outcome.attachResults?.[0].success, true);
    const authorized = await fs.readFile(world.authorizedKeysFile('web-1'), 'utf8');
    assert.ok(!authorized.includes(listed.publicKey.split(' ')[1]), 'attached, but the server trusts the new key only after a restart');

    assert.equal(outcome.alias, 'swas-laptop-key');
    const resolved = await sshG(world.configPath, 'swas-laptop-key', world.home);
    assert.deepEqual(resolved.get('hostname'), [DEMO_SERVERS.web1.publicIpAddress]);
    assert.deepEqual(resolved.get('user'), ['root']);
    // HOME is the passwd home, as on a user's machine: the entry names the key with ~, which ssh expands to it.
    assert.match(await fs.readFile(world.configPath, 'utf8'), /^ {2}IdentityFile ~\/\.ssh\/laptop-key\.pem$/m);
    assert.deepEqual(resolved.get('identityfile'), [keyPath]);
    assert.deepEqual(resolved.get('identitiesonly'), ['yes']);

    const final = prompter.lastMessage();
    assert.ok(final);
    assert.equal(final.severity, 'info');
    // web-1's Cloud Assistant agent runs (the emulator's default, as on SWAS servers): the key can work at once
    assert.equal(final.text, 'Key pair "laptop-key" is ready. Apply it on web-1 now with Cloud Assistant (no restart), or restart web-1; then connect.', 'one thing: ready, and what next');
    assert.deepEqual(final.actions, ['Apply Now', 'Restart', 'More…']);
    const more = prompter.shown.at(-1);
    assert.deepEqual(more?.items, ['Open SSH Config', 'Reveal Key File']);
    assert.equal(more?.details?.[0], `SSH host swas-laptop-key in ${world.configPath}.`);
    // the machine that holds the file, where the extension host is remote (code-server's is)
    const machine = vscode.env.remoteName ? ` (${vscode.env.remoteName})` : '';
    assert.match(more?.details?.[1] ?? '', new RegExp(`^${`${keyPath}${machine}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} · SHA256:[A-Za-z0-9+/]{43}$`));
    assert.equal(prompter.remaining, 0);
  });

  test('the name is validated as the user types, by the API rules and the names in use', async () => {
    const inUse = world.emulator.keyPairs(DEMO_REGION_ID).length;
    const prompter = world.script({ pick: DEMO_REGION_ID }, { type: ['1abc', 'a', 'http://x', 'has space', 'existing-key', 'fine-name'] }, { pick: 'Skip' });
    const outcome = await create();
    assert.ok(outcome);
    const box = prompter.shown.find((s) => s.kind === 'inputBox');
    assert.ok(box?.validation);
    const [leadingDigit, tooShort, url, space, taken, ok] = box.validation;
    assert.match(leadingDigit!, /must start with a letter or a Chinese character, not "1"/);
    assert.match(tooShort!, /at least 2 characters/);
    assert.match(url!, /http:\/\//);
    assert.match(space!, /"space" is not allowed/);
    assert.match(taken!, /"existing-key" already exists in cn-hangzhou/);
    assert.equal(ok, undefined);
    assert.match(box.text, new RegExp(`${inUse} of 10 key pairs used in cn-hangzhou`));
    assert.equal(world.emulator.callsOf('CreateKeyPair').length, 1);
  });

  test('no server chosen: entry without HostName, with a note to attach it', async () => {
    world.script({ pick: DEMO_REGION_ID }, { type: ['no-server'] }, { pick: 'Skip' });
    const outcome = await create();
    assert.ok(outcome);
    assert.equal(world.emulator.callsOf('AttachKeyPair').length, 0);
    const config = await fs.readFile(world.configPath, 'utf8');
    assert.match(config, /Host swas-no-server/);
    assert.doesNotMatch(config, /^\s*HostName\s/m);
    assert.match(config, /attach this key pair to a server/i);
    const resolved = await sshG(world.configPath, 'swas-no-server', world.home);
    assert.deepEqual(resolved.get('identityfile'), [path.join(world.sshDir, 'no-server.pem')]);
    assert.deepEqual(resolved.get('hostname'), ['swas-no-server']);
  });

  test('the public key Alibaba Cloud lists differs from the saved key: the final message says so', async () => {
    // Fault injection (test/emulator/ASSUMPTIONS.md): every ListKeyPairs answer lists another public key for it.
    world.emulator.injectFault({
      action: 'ListKeyPairs',
      kind: 'rewrite',
      times: 100,
      rewrite: (body) =>
        Array.isArray(body.KeyPairs)
          ? { ...body, KeyPairs: body.KeyPairs.map((k: { KeyPairName?: string }) => (k.KeyPairName === 'mismatched' ? { ...k, PublicKey: UNRELATED_PUBLIC_KEY } : k)) }
          : body,
    });
    const prompter = world.script({ pick: DEMO_REGION_ID }, { type: ['mismatched'] }, { pick: 'Skip' });
    const outcome = await create();
    await outcome?.followUp;
    assert.ok(outcome?.privateKeyPath, 'the key is still saved');
    const created = world.emulator.keyPairs(DEMO_REGION_ID).find((k) => k.keyPairName === 'mismatched')!;
    assert.equal((await sshKeygenPublic(outcome.privateKeyPath)).split(' ').slice(0, 2).join(' '), created.publicKey, 'the saved key is the created one; only the listing differs');
    assert.ok(world.emulator.callsOf('ListKeyPairs').some((c) => c.query.KeyPairName === 'mismatched'), 'the key pair was listed after the create');
    const final = prompter.lastMessage();
    assert.equal(final?.severity, 'warning');
    assert.match(final.text, /the public key Alibaba Cloud lists for "mismatched" does not match the saved private key\. Do not rely on this key/);
  });

  test('Back returns to the previous step and keeps the flow consistent', async () => {
    const prompter = world.script({ pick: DEMO_REGION_ID }, { type: ['first-name'] }, { pick: 'BACK' }, { type: 'BACK' }, { pick: 'cn-shanghai' }, { type: ['second-name'] }, { pick: 'Skip' });
    const outcome = await create();
    assert.equal(outcome?.regionId, 'cn-shanghai', JSON.stringify(prompter.shown));
    assert.equal(outcome?.keyPairName, 'second-name');
    const creates = world.emulator.callsOf('CreateKeyPair');
    assert.deepEqual(creates.map((c) => [c.regionId, c.query.KeyPairName]), [['cn-shanghai', 'second-name']]);
  });

  test('a region node preselects the region (two steps only)', async () => {
    const prompter = world.script({ type: ['from-tree'] }, { pick: 'Skip' });
    const outcome = await create({ regionId: 'cn-hangzhou' });
    assert.equal(outcome?.regionId, 'cn-hangzhou');
    assert.ok(!prompter.shown.some((s) => s.kind === 'quickPick' && s.items?.includes('cn-shanghai')));
  });

  test('the last used region is offered first, and a second create makes no ListRegions call', async () => {
    world.script({ pick: 'cn-shanghai' }, { type: ['warm-1'] }, { pick: 'Skip' });
    await create();
    world.emulator.clearCalls();
    const prompter = world.script({ pick: 'cn-shanghai' }, { type: ['warm-2'] }, { pick: 'Skip' });
    await create();
    assert.equal(prompter.shown[0].items?.[0], 'cn-shanghai');
    assert.equal(world.emulator.callsOf('ListRegions').length, 0);
    const actions = world.emulator.calls.map((c) => c.action);
    // The name step lists key pairs and servers at once: their order on the wire is not fixed.
    assert.deepEqual(actions.slice(0, 2).sort(), ['ListInstances', 'ListKeyPairs']);
    assert.deepEqual(actions.slice(2), ['CreateKeyPair', 'ListKeyPairs']);
  });

  for (const [label, step] of [
    ['region', 0],
    ['name', 1],
    ['server', 2],
  ] as const) {
    test(`Esc at the ${label} step changes nothing`, async () => {
      const steps: ScriptStep[] = [{ pick: DEMO_REGION_ID }, { type: ['esc-test'] }, { pick: 'Skip' }];
      world.script(...steps.slice(0, step), 'pick' in steps[step] ? { pick: 'ESC' } : { type: 'ESC' });
      assert.equal(await create(), undefined);
      assert.equal(world.emulator.callsOf('CreateKeyPair').length, 0);
      assert.deepEqual(await listFiles(world.sshDir), []);
    });
  }
});

// File modes: on Windows the key is guarded by its ACL (windows-acl), and the folder check is POSIX only.
suiteOn(['linux', 'darwin'], 'Create Key Pair: file modes', function () {
  this.timeout(120_000);
  let world: World;
  suiteSetup(async () => (world = await World.start()));
  suiteTeardown(async () => world?.stop());
  setup(async () => world.reset());

  test('<name>.pub beside the key: mode 0644, OpenSSH format, comment swas:<region>/<name>, the key ssh-keygen -y derives', async () => {
    world.script({ pick: DEMO_REGION_ID }, { type: ['pub-check'] }, { pick: 'Skip' });
    const outcome = await create();
    await outcome?.followUp;
    const pem = path.join(world.sshDir, 'pub-check.pem');
    const pub = path.join(world.sshDir, 'pub-check.pub');
    assert.equal(outcome?.privateKeyPath, pem);
    assert.equal((await fs.stat(pub)).mode & 0o777, 0o644);
    const text = await fs.readFile(pub, 'utf8');
    assert.match(text, /^ssh-rsa [A-Za-z0-9+/]+=* swas:cn-hangzhou\/pub-check\n$/, 'one OpenSSH line with the comment');
    // OpenSSH reads the file as a public key and reports the comment as written.
    assert.match((await run('ssh-keygen', ['-l', '-f', pub])).stdout, /^\d+ SHA256:\S+ swas:cn-hangzhou\/pub-check \(RSA\)\n$/);
    assert.equal(text.split(' ').slice(0, 2).join(' '), await sshKeygenPublic(pem), 'the public half of the saved private key');
  });

  test('a key folder others can write to: the key is saved, and the final message warns', async () => {
    const folder = path.join(world.home, 'shared keys');
    await fs.mkdir(folder);
    await fs.chmod(folder, 0o777);
    await world.configure({ sshKeyDirectory: '~/shared keys' });
    const prompter = world.script({ pick: DEMO_REGION_ID }, { type: ['open-folder'] }, { pick: 'Skip' });
    const outcome = await create();
    await outcome?.followUp;
    assert.equal(outcome?.privateKeyPath, path.join(folder, 'open-folder.pem'));
    assert.equal((await fs.stat(folder)).mode & 0o777, 0o777, 'an existing folder is left alone');
    const final = prompter.lastMessage();
    assert.equal(final?.severity, 'warning');
    assert.ok(final.text.includes(`Warning: ${folder} can be written by other users (mode 777); OpenSSH may refuse keys there.`), final.text);
  });
});
