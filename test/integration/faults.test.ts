import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ConnectServerOutcome } from '../../src/commands/connectServer';
import type { CreateKeyPairOutcome } from '../../src/commands/createKeyPair';
import { findManagedBlock } from '../../src/ssh/sshConfig';
import { changedOutsideBlock } from '../support/untouchedBytes';
import { DEMO_ACCESS_KEY_ID, DEMO_REGION_ID } from '../emulator/demo';
import { generateRsaKeyPair } from '../emulator/keys';
import { Mounts } from './disk';
import type { ScriptedPrompter, ScriptStep } from './scriptedPrompter';
import { keyPairNode, messages, regionChildren, serverNode } from './treeSupport';
import { listFiles, sshG, sshKeygenPublic, World } from './world';
import { suiteOn } from '../support/platform';

/**
 * The promise to users, case by case: whatever fails, the one-time private key is never lost, never
 * readable by others, no byte of the SSH config outside our block changes, and the message names
 * the next step. See docs/fault-cases.md for the table.
 */
const REGION = DEMO_REGION_ID;
let world: World;
const mounts = new Mounts();
let counter = 0;

function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

async function create(args?: object): Promise<CreateKeyPairOutcome | undefined> {
  return vscode.commands.executeCommand<CreateKeyPairOutcome | undefined>('swas.createKeyPair', args);
}

/** Region → name → Skip (no server): the shortest complete flow. */
function plainFlow(name: string, ...after: ScriptStep[]): ScriptStep[] {
  return [{ pick: REGION }, { type: [name] }, { pick: 'Skip' }, ...after];
}

const SAMPLE_CONFIG = '# my settings\nHost work\n    HostName 192.0.2.10\n    User alice\n\nHost *\n    ServerAliveInterval 30\n';

async function writeConfig(text: string): Promise<void> {
  await fs.mkdir(world.sshDir, { recursive: true, mode: 0o700 });
  await fs.writeFile(world.configPath, text, { mode: 0o600 });
}

async function cloudKeyPairs(name: string): Promise<number> {
  return world.emulator.keyPairs(REGION).filter((k) => k.keyPairName === name).length;
}

/** Every private key under `dirs` is owner-only; returns the .pem paths found. */
async function privateKeysAreOwnerOnly(...dirs: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const dir of dirs) {
    for (const file of await listFiles(dir)) {
      const full = path.join(dir, file);
      const stat = await fs.lstat(full);
      if (stat.isFile() && /\.pem$|\.tmp|swas/.test(file) && !file.endsWith('.pub') && file !== 'config' && !file.startsWith('config')) {
        assert.equal(stat.mode & 0o077, 0, `${full} is readable by others (mode ${(stat.mode & 0o777).toString(8)})`);
        found.push(full);
      }
    }
  }
  return found;
}

/** The key on disk is the one the service created: its public key is the one ListKeyPairs holds. */
async function keyMatchesCloud(keyPath: string, name: string): Promise<void> {
  const listed = world.emulator.keyPairs(REGION).find((k) => k.keyPairName === name);
  assert.ok(listed, `${name} exists in the cloud`);
  const local = (await sshKeygenPublic(keyPath)).split(' ')[1];
  assert.equal(local, listed.publicKey.split(' ')[1], 'saved private key belongs to the cloud key pair');
}

async function configOutsideBlockUnchanged(original: string, name: string): Promise<void> {
  const now = await fs.readFile(world.configPath, 'utf8');
  assert.equal(changedOutsideBlock(original, now, REGION, name), undefined, 'bytes outside our block changed');
}

function errorText(prompter: ScriptedPrompter): string {
  const errors = prompter.messages('error');
  assert.ok(errors.length > 0, `an error was shown; saw ${JSON.stringify(prompter.shown.map((s) => s.text))}`);
  return errors.map((e) => e.text).join('\n');
}

suite('Fault suite: API failures during Create Key Pair', function () {
  this.timeout(120_000);
  suiteSetup(async () => (world = await World.start()));
  suiteTeardown(async () => world?.stop());
  setup(async () => {
    await world.reset();
    await writeConfig(SAMPLE_CONFIG);
  });

  for (const [label, fault] of [
    ['timeout before the answer (server slower than the request timeout), then success', { kind: 'delay', ms: 2500 }],
    ['response dropped after the key pair was created', { kind: 'dropAfterAct' }],
    ['connection dropped before the server acts', { kind: 'dropBeforeAct' }],
    ['HTTP 503 then success', { kind: 'status', status: 503, code: 'ServiceUnavailable' }],
    ['HTTP 500 InternalError then success', { kind: 'status', status: 500, code: 'InternalError' }],
    ['throttled with retry-after, then success', { kind: 'throttle', retryAfter: 300 }],
    ['truncated JSON (after acting), then success', { kind: 'malformed' }],
  ] as const) {
    test(`${label}: one key pair, same ClientToken, key saved`, async () => {
      const name = uniqueName('retry');
      world.emulator.injectFault({ action: 'CreateKeyPair', ...fault });
      const prompter = world.script(...plainFlow(name));
      const outcome = await create();
      assert.ok(outcome?.privateKeyPath, JSON.stringify(prompter.shown.map((s) => s.text)));
      const calls = world.emulator.callsOf('CreateKeyPair');
      assert.ok(calls.length >= 2, 'retried');
      assert.equal(new Set(calls.map((c) => c.clientToken)).size, 1, 'every retry used the same ClientToken');
      assert.equal(await cloudKeyPairs(name), 1, 'exactly one key pair');
      await keyMatchesCloud(outcome.privateKeyPath, name);
      await privateKeysAreOwnerOnly(world.sshDir);
      await configOutsideBlockUnchanged(SAMPLE_CONFIG, name);
      assert.equal(prompter.messages('error').length, 0);
    });
  }

  test('every attempt times out: the message offers a safe Retry, which recovers the same key', async () => {
    const name = uniqueName('slow');
    world.emulator.injectFault({ action: 'CreateKeyPair', kind: 'delay', ms: 2500, times: 4 });
    const prompter = world.script(...plainFlow(name), { answer: 'Retry' });
    const outcome = await create();
    const text = errorText(prompter);
    assert.match(text, /did not answer in time/);
    assert.match(text, /Retrying is safe/);
    assert.deepEqual(prompter.messages('error')[0].actions?.[0], 'Retry');
    assert.ok(outcome?.privateKeyPath);
    assert.equal(await cloudKeyPairs(name), 1);
    assert.equal(new Set(world.emulator.callsOf('CreateKeyPair').map((c) => c.clientToken)).size, 1);
    await keyMatchesCloud(outcome.privateKeyPath, name);
  });

  test('garbled answers every time (after acting): Retry later returns the same key', async () => {
    const name = uniqueName('garbled');
    world.emulator.injectFault({ action: 'CreateKeyPair', kind: 'malformed', times: 4 });
    const prompter = world.script(...plainFlow(name), { answer: 'Retry' });
    const outcome = await create();
    assert.match(errorText(prompter), /not an API response/);
    assert.ok(outcome?.privateKeyPath);
    assert.equal(await cloudKeyPairs(name), 1);
    await keyMatchesCloud(outcome.privateKeyPath, name);
  });

  test('an HTML error page from a gateway: plain message, nothing created, nothing written', async () => {
    const name = uniqueName('html');
    world.emulator.injectFault({ action: 'CreateKeyPair', kind: 'html', times: 4 });
    const prompter = world.script(...plainFlow(name), { answer: undefined });
    assert.equal(await create(), undefined);
    assert.match(errorText(prompter), /not an API response \(a proxy or gateway page\?\)/);
    assert.equal(await cloudKeyPairs(name), 0);
    assert.deepEqual(await listFiles(world.sshDir), ['config']);
    assert.equal(await fs.readFile(world.configPath, 'utf8'), SAMPLE_CONFIG);
  });

  test('connection refused: names the endpoint setting, offers Open Settings, falls back to built-in regions', async () => {
    await world.configure({ endpoint: 'http://127.0.0.1:9' });
    const prompter = world.script({ pick: REGION });
    assert.equal(await create(), undefined);
    assert.match(errorText(prompter), /connection to the SWAS endpoint was refused.*swas\.endpoint/);
    assert.ok(prompter.messages('error')[0].actions?.includes('Open Settings'));
    assert.ok((prompter.shown[0].items ?? []).includes('cn-wulanchabu'), 'the built-in region list was offered');
    assert.deepEqual(await listFiles(world.sshDir), ['config']);
  });

  test('DNS failure: says the endpoint could not be found', async () => {
    await world.configure({ endpoint: 'http://swas-emulator.invalid:8080' });
    const prompter = world.script({ pick: REGION });
    assert.equal(await create(), undefined);
    assert.match(errorText(prompter), /could not be found \(DNS\)/);
  });

  test('wrong AccessKey secret: signature rejected, Sign In offered, nothing written', async () => {
    process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = 'not-the-secret-at-all';
    const prompter = world.script({ pick: REGION });
    assert.equal(await create(), undefined);
    assert.match(errorText(prompter), /signature: the AccessKey secret is probably wrong/);
    assert.ok(prompter.messages('error')[0].actions?.includes('Sign In'));
    assert.equal(world.emulator.callsOf('CreateKeyPair').length, 0);
    assert.ok(world.emulator.calls.every((c) => !c.signatureValid));
  });

  test('unknown AccessKey ID', async () => {
    process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = 'LTAI5tNobodyKnowsThis00';
    const prompter = world.script({ pick: REGION });
    assert.equal(await create(), undefined);
    assert.match(errorText(prompter), /AccessKey ID is not known/);
  });

  test('disabled AccessKey', async () => {
    world.emulator.setAccessKeyActive(DEMO_ACCESS_KEY_ID, false);
    try {
      const prompter = world.script({ pick: REGION });
      assert.equal(await create(), undefined);
      assert.match(errorText(prompter), /AccessKey is disabled/);
    } finally {
      world.emulator.setAccessKeyActive(DEMO_ACCESS_KEY_ID, true);
    }
  });

  test('RAM denial names the action and the denial detail', async () => {
    const id = 'LTAI5tRamUserNoCreate0001';
    world.emulator.addAccessKey({ id, secret: 'ram-user-secret-0001' });
    world.emulator.denyAction(id, 'CreateKeyPair');
    process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = id;
    process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = 'ram-user-secret-0001';
    const name = uniqueName('denied');
    const prompter = world.script(...plainFlow(name));
    assert.equal(await create(), undefined);
    const text = errorText(prompter);
    assert.match(text, /not allowed to perform swas-open:CreateKeyPair/);
    assert.match(text, /ImplicitDeny|AccountLevelIdentityBasedPolicy/);
    assert.match(text, /Request ID/);
    assert.equal(await cloudKeyPairs(name), 0);
  });

  test('STS token expires while the user is choosing the server', async () => {
    const id = 'STS.NTestStsKey000000001';
    world.emulator.addAccessKey({ id, secret: 'sts-secret-000000001', securityToken: 'token-abc-123' });
    process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = id;
    process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = 'sts-secret-000000001';
    process.env.ALIBABA_CLOUD_SECURITY_TOKEN = 'token-abc-123';
    const name = uniqueName('sts');
    const prompter = world.script({ pick: REGION }, { type: [name] }, { pick: 'Skip', before: () => world.emulator.expireSecurityToken(id) });
    assert.equal(await create(), undefined);
    assert.match(errorText(prompter), /STS security token has expired/);
    assert.equal(await cloudKeyPairs(name), 0);
    assert.ok(world.emulator.callsOf('ListKeyPairs').some((c) => c.signatureValid && c.status === 200), 'the token worked before it expired');
  });

  test('clock more than 15 minutes off: says to correct the system time', async () => {
    world.emulator.injectFault({ action: 'ListKeyPairs', kind: 'error', status: 400, code: 'InvalidTimeStamp.Expired', message: 'Specified time stamp or date value is expired.' });
    const prompter = world.script({ pick: REGION });
    assert.equal(await create(), undefined);
    assert.match(errorText(prompter), /clock differs from Alibaba Cloud's by more than 15 minutes/);
  });

  test('throttled on every attempt: says to wait, Retry is offered and safe', async () => {
    const name = uniqueName('throttled');
    world.emulator.injectFault({ action: 'CreateKeyPair', kind: 'throttle', retryAfter: 50, times: 4 });
    const prompter = world.script(...plainFlow(name), { answer: undefined });
    assert.equal(await create(), undefined);
    const text = errorText(prompter);
    assert.match(text, /throttling requests from this account\. Wait a minute/);
    assert.deepEqual(prompter.messages('error')[0].actions?.[0], 'Retry');
    assert.equal(await cloudKeyPairs(name), 0);
  });

  test('quota reached between the check and the call', async () => {
    world.emulator.injectFault({ action: 'CreateKeyPair', kind: 'error', status: 403, code: 'QuotaExceed.KeyPair', message: 'The key pair quota is exceeded.' });
    const prompter = world.script(...plainFlow(uniqueName('quota')));
    assert.equal(await create(), undefined);
    assert.match(errorText(prompter), /maximum number of key pairs\. Delete one/);
    assert.deepEqual(await listFiles(world.sshDir), ['config']);
  });

  test('quota already full: the flow stops before CreateKeyPair and says how to free one', async () => {
    const region = 'cn-beijing';
    for (let i = world.emulator.keyPairs(region).length; i < 10; i++) {
      await world.emulator.addKeyPair(region, { keyPairName: `filler-${i}`, publicKey: (await generateRsaKeyPair('pkcs1-pem')).publicKey });
    }
    const prompter = world.script({ pick: region });
    assert.equal(await create(), undefined);
    assert.match(errorText(prompter), /10 of 10 key pairs are used in cn-beijing.*Delete a key pair/);
    assert.equal(world.emulator.callsOf('CreateKeyPair').length, 0);
  });

  test('name taken between the check and the call: the name step reopens with the value and the reason', async () => {
    const first = uniqueName('raced');
    const second = uniqueName('second');
    world.emulator.injectFault({ action: 'CreateKeyPair', kind: 'error', status: 400, code: 'KeyPairNameAlreadyExist', message: 'The keyPair name already exist.' });
    const prompter = world.script(...plainFlow(first), { type: [second] }, { pick: 'Skip' });
    const outcome = await create();
    const boxes = prompter.shown.filter((s) => s.kind === 'inputBox');
    assert.equal(boxes.length, 2);
    assert.equal(boxes[1].value, first);
    assert.match(boxes[1].initialError ?? '', /already exists/);
    assert.equal(outcome?.keyPairName, second);
    assert.equal(await cloudKeyPairs(second), 1);
  });

  test('AttachKeyPair fails: key and config entry kept, the warning says what failed', async () => {
    const name = uniqueName('attach');
    world.emulator.injectFault({ action: 'AttachKeyPair', kind: 'status', status: 500, code: 'InternalError', times: 4 });
    const prompter = world.script({ pick: REGION }, { type: [name] }, { pick: 'web-1' });
    const outcome = await create();
    assert.ok(outcome?.privateKeyPath);
    const final = prompter.lastMessage();
    assert.equal(final?.severity, 'warning');
    assert.match(final?.text ?? '', /Attaching to web-1 failed/);
    await keyMatchesCloud(outcome.privateKeyPath, name);
    const block = findManagedBlock(await fs.readFile(world.configPath, 'utf8'), REGION, name);
    assert.ok(block, 'our entry was written');
    assert.equal(block.hosts[0].hostName, undefined, 'no HostName for a server that does not trust the key');
    await configOutsideBlockUnchanged(SAMPLE_CONFIG, name);
  });
});

// Linux only: real mounts (disk.ts) need Linux, as root or in a normal user's `unshare -r`
suiteOn(['linux'], 'Fault suite: disk failures', function () {
  this.timeout(120_000);
  suiteSetup(async () => (world = await World.start()));
  suiteTeardown(async () => world?.stop());
  setup(async () => world.reset());
  teardown(async () => mounts.release());

  test('~/.ssh missing: created with mode 0700', async () => {
    world.script(...plainFlow(uniqueName('fresh')));
    const outcome = await create();
    assert.ok(outcome?.privateKeyPath);
    assert.equal((await fs.stat(world.sshDir)).mode & 0o777, 0o700);
    assert.equal((await fs.stat(world.configPath)).mode & 0o777, 0o600);
  });

  test('a file already at the key path: saved under a free name, and the user is told', async () => {
    const name = uniqueName('taken');
    await fs.mkdir(world.sshDir, { recursive: true, mode: 0o700 });
    await fs.writeFile(path.join(world.sshDir, `${name}.pem`), 'someone else\'s key\n');
    const prompter = world.script(...plainFlow(name), { answer: 'More…' }, { pick: 'ESC' });
    const outcome = await create();
    await outcome?.followUp;
    assert.equal(outcome?.privateKeyPath, path.join(world.sshDir, `${name}-2.pem`));
    assert.equal(await fs.readFile(path.join(world.sshDir, `${name}.pem`), 'utf8'), 'someone else\'s key\n');
    assert.match(prompter.shown.at(-1)?.details?.join('\n') ?? '', new RegExp(`saved as ${name}-2\\.pem`), 'More… tells which file');
    await keyMatchesCloud(outcome.privateKeyPath, name);
  });

  test('a directory at the key path: saved under a free name', async () => {
    const name = uniqueName('dir');
    await fs.mkdir(path.join(world.sshDir, `${name}.pem`), { recursive: true });
    world.script(...plainFlow(name));
    const outcome = await create();
    assert.equal(outcome?.privateKeyPath, path.join(world.sshDir, `${name}-2.pem`));
  });

  test('key folder not writable: Save As… keeps the key (0600) and the config points at it', async () => {
    const name = uniqueName('readonly');
    const keys = path.join(world.home, 'keys');
    await fs.mkdir(keys, { recursive: true, mode: 0o700 });
    await mounts.readOnly(keys);
    await world.configure({ sshKeyDirectory: keys });
    const rescue = path.join(world.home, 'rescue', `${name}.pem`);
    await fs.mkdir(path.dirname(rescue), { recursive: true });
    const prompter = world.script(...plainFlow(name), { answer: 'Save As…' }, { saveAs: rescue });
    const outcome = await create();
    assert.equal(outcome?.privateKeyPath, rescue);
    assert.match(prompter.shown.find((s) => s.kind === 'confirm')?.text ?? '', /could not be saved.*only once/s);
    assert.equal((await fs.stat(rescue)).mode & 0o777, 0o600);
    await keyMatchesCloud(rescue, name);
    assert.deepEqual(await listFiles(keys), [], 'nothing partial left in the read-only folder');
    const resolved = await sshG(world.configPath, outcome.alias!, world.home);
    assert.deepEqual(resolved.get('identityfile'), [rescue]);
  });

  test('a key saved with Save As… is found by its record after its SSH entry is gone: the tree and Connect use it', async () => {
    const name = uniqueName('saved');
    const keys = path.join(world.home, 'keys');
    await fs.mkdir(keys, { recursive: true, mode: 0o700 });
    await mounts.readOnly(keys);
    await world.configure({ sshKeyDirectory: keys });
    const rescue = path.join(world.home, 'elsewhere', `${name}.pem`);
    await fs.mkdir(path.dirname(rescue), { recursive: true });
    world.script(...plainFlow(name), { answer: 'Save As…' }, { saveAs: rescue });
    assert.equal((await create())?.privateKeyPath, rescue);
    // the entry that pointed at the saved key is gone (the user cleaned up the config)
    await fs.rm(world.configPath);
    world.api.tree.refresh();
    const node = await keyPairNode(world.api.tree, REGION, name);
    assert.equal(node.localKeyPath, rescue, 'the tree shows the saved key as this machine\'s');
    world.script({ picks: ['db-1'] }, { answer: 'Restart Servers…' }, { answer: 'Restart' });
    await vscode.commands.executeCommand('swas.attachKeyPair', node);

    world.script();
    const connected = await vscode.commands.executeCommand<ConnectServerOutcome>('swas.connectServer', await serverNode(world.api.tree, REGION, 'db-1'));
    assert.equal(connected?.kind, 'connecting', `Connect gave ${JSON.stringify(connected)}`);
    assert.deepEqual((await sshG(world.configPath, connected.alias, world.home)).get('identityfile'), [rescue]);
  });

  test('disk full while writing the key: Copy to Clipboard keeps it, no partial file left', async () => {
    const name = uniqueName('full');
    const keys = path.join(world.home, 'tiny');
    await mounts.fullTmpfs(keys);
    await mounts.fill(keys);
    await world.configure({ sshKeyDirectory: keys });
    const prompter = world.script(...plainFlow(name), { answer: 'Copy to Clipboard' });
    const outcome = await create();
    assert.ok(outcome);
    assert.equal(outcome.privateKeyPath, undefined);
    assert.match(prompter.shown.find((s) => s.kind === 'confirm')?.text ?? '', /ENOSPC|no space|full/i);
    assert.equal(prompter.clipboard.length, 1);
    assert.match(prompter.clipboard[0], /^-----BEGIN (RSA )?PRIVATE KEY-----\n/);
    assert.deepEqual(await listFiles(keys), ['.filler']);
    assert.equal(await cloudKeyPairs(name), 1);
  });

  test('disk full and the clipboard refuses: the user is told and offered the rescue again, then Copy works', async () => {
    const name = uniqueName('clip');
    const keys = path.join(world.home, 'tiny');
    await mounts.fullTmpfs(keys);
    await mounts.fill(keys);
    await world.configure({ sshKeyDirectory: keys });
    const prompter = world.script(...plainFlow(name), { answer: 'Copy to Clipboard' }, { answer: 'Copy to Clipboard' });
    prompter.clipboardFailures.push(new Error('Write permission denied.'));
    const outcome = await create();
    assert.ok(outcome);
    const rescues = prompter.shown.filter((s) => s.kind === 'confirm');
    assert.equal(rescues.length, 2, 'the rescue is offered again after the clipboard failed');
    assert.match(rescues[1].text, /could not be copied to the clipboard either \(Write permission denied\.\)/);
    assert.deepEqual(rescues[1].actions, rescues[0].actions);
    assert.equal(prompter.clipboard.length, 1);
    assert.match(prompter.clipboard[0], /^-----BEGIN (RSA )?PRIVATE KEY-----\n/);
    assert.equal(await cloudKeyPairs(name), 1);
  });

  test('disk full, user discards the key after a second confirmation', async () => {
    const keys = path.join(world.home, 'tiny');
    await mounts.fullTmpfs(keys);
    await mounts.fill(keys);
    await world.configure({ sshKeyDirectory: keys });
    const prompter = world.script(...plainFlow(uniqueName('discard')), { answer: 'Discard Key…' }, { answer: undefined }, { answer: 'Discard Key…' }, { answer: 'Discard' });
    const outcome = await create();
    assert.ok(outcome);
    assert.equal(outcome.privateKeyPath, undefined);
    assert.equal(prompter.shown.filter((s) => s.kind === 'confirm').length, 4, 'asked again after the first "no"');
    assert.deepEqual(await listFiles(keys), ['.filler']);
  });

  test('disk full while writing the config: key saved, config unchanged, warning names the config', async () => {
    const name = uniqueName('cfgfull');
    await mounts.fullTmpfs(world.sshDir, 64);
    await writeConfig(SAMPLE_CONFIG);
    await mounts.fill(world.sshDir);
    const keys = path.join(world.home, 'keys');
    await world.configure({ sshKeyDirectory: keys });
    const prompter = world.script(...plainFlow(name));
    const outcome = await create();
    assert.ok(outcome?.privateKeyPath);
    await keyMatchesCloud(outcome.privateKeyPath, name);
    assert.equal(await fs.readFile(world.configPath, 'utf8'), SAMPLE_CONFIG);
    // The backup comes after the new config text is written and checked: none means the config write failed.
    assert.deepEqual((await listFiles(world.sshDir)).filter((f) => f !== '.filler'), ['config'], 'it failed writing the config, before any backup');
    assert.match(prompter.lastMessage()?.text ?? '', /SSH config .* was not changed/);
    assert.equal(prompter.lastMessage()?.severity, 'warning');
  });

  test('config is a symlink: edited through the link, the link stays', async () => {
    const name = uniqueName('link');
    const real = path.join(world.home, 'dotfiles', 'ssh_config');
    await fs.mkdir(path.dirname(real), { recursive: true });
    await fs.writeFile(real, SAMPLE_CONFIG, { mode: 0o600 });
    await fs.mkdir(world.sshDir, { recursive: true, mode: 0o700 });
    await fs.symlink(real, world.configPath);
    world.script(...plainFlow(name));
    const outcome = await create();
    assert.ok(outcome?.alias);
    assert.ok((await fs.lstat(world.configPath)).isSymbolicLink(), 'still a link');
    assert.equal(changedOutsideBlock(SAMPLE_CONFIG, await fs.readFile(real, 'utf8'), REGION, name), undefined);
  });

  for (const [label, prepare] of [
    ['config file read-only', async () => mounts.readOnly(world.configPath)],
    ['config folder read-only (not even the lock can be taken)', async () => mounts.readOnly(world.sshDir)],
    ['config folder refuses renames (append-only: no atomic rename)', async () => mounts.appendOnlyFolder(world.sshDir)],
    ['backup cannot be written (a folder is in its place)', async () => fs.mkdir(`${world.configPath}.swas-backup`)],
  ] as const) {
    test(`${label}: key saved elsewhere, config byte-for-byte unchanged, warning`, async () => {
      const name = uniqueName('cfgro');
      await writeConfig(SAMPLE_CONFIG);
      await world.configure({ sshKeyDirectory: path.join(world.home, 'keys') });
      await prepare();
      const prompter = world.script(...plainFlow(name));
      const outcome = await create();
      assert.ok(outcome?.privateKeyPath);
      await keyMatchesCloud(outcome.privateKeyPath, name);
      assert.equal(await fs.readFile(world.configPath, 'utf8'), SAMPLE_CONFIG);
      if (label.includes('append-only')) {
        // The backup is the last step before the rename: it is there, so the rename is what failed.
        assert.equal(await fs.readFile(`${world.configPath}.swas-backup`, 'utf8'), SAMPLE_CONFIG, 'it got as far as the rename');
      }
      assert.equal(prompter.lastMessage()?.severity, 'warning');
      assert.match(prompter.lastMessage()?.text ?? '', /SSH config .* was not changed/);
    });
  }
});

suite('Fault suite: bad input and unusual SSH configs', function () {
  this.timeout(120_000);
  suiteSetup(async () => (world = await World.start()));
  suiteTeardown(async () => world?.stop());
  setup(async () => world.reset());

  test('name boundaries: 1, 2, 64 and 65 characters, Chinese, emoji, NUL, spaces', async () => {
    const cases: Array<[string, RegExp | undefined]> = [
      ['a', /at least 2 characters/],
      ['ab', undefined],
      ['a'.repeat(64), undefined],
      ['a'.repeat(65), /at most 64 characters/],
      ['密钥对', undefined],
      ['键pair', undefined],
      ['key😀', /"😀" is not allowed/],
      ['key\u0000x', /"U\+0000" is not allowed/],
      [' key', /not "space"|start with a letter/],
      ['https://example', /must not start with http/],
      ['9lives', /start with a letter or a Chinese character/],
    ];
    const prompter = world.script({ pick: REGION }, { type: [...cases.map(([value]) => value), 'ESC-after-check'] }, { pick: 'ESC' });
    await create();
    const box = prompter.shown.find((s) => s.kind === 'inputBox');
    cases.forEach(([value, expected], index) => {
      const message = box?.validation?.[index];
      if (expected) assert.match(message ?? '', expected, `for ${JSON.stringify(value)}`);
      else assert.equal(message, undefined, `for ${JSON.stringify(value)}`);
    });
    assert.equal(world.emulator.callsOf('CreateKeyPair').length, 0);
  });

  test('a region id that is not in the list: the service refuses, the message says so, nothing written', async () => {
    const prompter = world.script();
    assert.equal(await create({ regionId: 'mars-north-1' }), undefined);
    assert.match(errorText(prompter), /refused the request/);
    assert.deepEqual(await listFiles(world.sshDir), []);
  });

  test('a malformed region id is refused before any call', async () => {
    const prompter = world.script();
    assert.equal(await create({ regionId: 'Not A Region' }), undefined);
    assert.match(errorText(prompter), /is not a region id/);
    assert.equal(world.emulator.calls.length, 0);
  });

  test('swas.endpoint that is not a URL: Open Settings, no call made', async () => {
    await world.configure({ endpoint: 'swas.cn-hangzhou.aliyuncs.com' });
    const prompter = world.script();
    assert.equal(await create(), undefined);
    assert.match(errorText(prompter), /"swas\.endpoint" setting .* is not a usable URL/);
    assert.deepEqual(prompter.messages('error')[0].actions, ['Open Settings']);
    assert.equal(world.emulator.calls.length, 0);
  });

  test('swas.endpoint that is not a URL stops every other command too, and the sidebar says so: never the public endpoint instead', async () => {
    await world.configure({ endpoint: 'swas.cn-hangzhou.aliyuncs.com', regions: [REGION] });
    const keyPair = { regionId: REGION, keyPair: { keyPairName: 'any', instanceIds: [] } };
    const server = { regionId: REGION, instance: { instanceId: 'i-any', instanceName: 'any', osType: 'Linux', publicIpAddress: '127.0.0.2', status: 'Running' } };
    for (const [command, args] of [
      ['swas.attachKeyPair', keyPair],
      ['swas.detachKeyPair', keyPair],
      ['swas.deleteKeyPair', keyPair],
      ['swas.importPublicKey', { regionId: REGION }],
      ['swas.connectServer', server],
      ['swas.restartServer', server],
    ] as const) {
      const prompter = world.script();
      await vscode.commands.executeCommand(command, args);
      assert.match(errorText(prompter), /"swas\.endpoint" setting .* is not a usable URL/, command);
      assert.deepEqual(prompter.messages('error')[0].actions, ['Open Settings'], command);
    }
    const nodes = await regionChildren(world.api.tree, REGION);
    assert.match(messages(nodes)[0], /"swas\.endpoint" setting .* is not a usable URL/);
    assert.deepEqual(nodes.flatMap((n) => (n.kind === 'message' && n.command ? [n.command] : [])), [{ command: 'workbench.action.openSettings', arguments: ['swas.endpoint'] }]);
    assert.equal(world.emulator.calls.length, 0, 'no request went anywhere');
  });

  test('plain http:// to a non-loopback host: warned that signed traffic is unencrypted', async () => {
    // A name that never resolves (RFC 6761): the signed calls this test makes reach no real host.
    await world.configure({ endpoint: 'http://swas-emulator.invalid' });
    const prompter = world.script({ pick: REGION });
    await create();
    assert.match(prompter.messages('warning')[0]?.text ?? '', /plain HTTP .* unencrypted/);
  });

  test('a relative swas.sshKeyDirectory is refused before any question', async () => {
    await world.configure({ sshKeyDirectory: 'keys/here' });
    const prompter = world.script();
    assert.equal(await create(), undefined);
    assert.match(errorText(prompter), /must be an absolute path or start with ~/);
    assert.equal(world.emulator.calls.length, 0);
  });

  test('a swas.sshKeyDirectory that does not exist yet is created 0700', async () => {
    const keys = path.join(world.home, 'deep', 'new', 'keys');
    await world.configure({ sshKeyDirectory: keys });
    world.script(...plainFlow(uniqueName('newdir')));
    const outcome = await create();
    assert.equal(path.dirname(outcome?.privateKeyPath ?? ''), keys);
    assert.equal((await fs.stat(keys)).mode & 0o777, 0o700);
  });

  const fixtures = path.resolve(__dirname, '../../../test/fixtures/ssh-config');
  for (const [fixture, expectation] of [
    ['broken-begin-without-end.conf', 'refused'],
    ['broken-duplicated.conf', 'refused'],
    ['crlf.conf', 'edited'],
    ['host-star-first.conf', 'edited'],
    ['match-exec.conf', 'edited'],
    ['include-first.conf', 'edited'],
    ['tabs.conf', 'edited'],
    ['hosts-no-final-newline.conf', 'edited'],
  ] as const) {
    test(`config ${fixture}: ${expectation === 'edited' ? 'our entry wins, the rest is byte-for-byte unchanged' : 'refused with a clear message, unchanged'}`, async () => {
      const original = await fs.readFile(path.join(fixtures, fixture), 'utf8');
      await writeConfig(original);
      await fs.cp(path.join(fixtures, 'ssh-dir'), world.sshDir, { recursive: true }).catch(() => undefined);
      const name = uniqueName('cfg');
      const prompter = world.script({ pick: REGION }, { type: [name] }, { pick: 'web-1' });
      const outcome = await create();
      assert.ok(outcome?.privateKeyPath, 'the key is saved whatever the config holds');
      await keyMatchesCloud(outcome.privateKeyPath, name);
      if (expectation === 'refused') {
        assert.equal(await fs.readFile(world.configPath, 'utf8'), original);
        assert.match(prompter.lastMessage()?.text ?? '', /SSH config .* was not changed: .*marker|SSH config .* was not changed: .*(BEGIN|END|twice|duplicat)/i);
      } else {
        await configOutsideBlockUnchanged(original, name);
        const resolved = await sshG(world.configPath, outcome.alias!, world.home);
        assert.deepEqual(resolved.get('hostname'), ['127.0.0.2']);
        // IdentityFile adds up in OpenSSH: ours must be first (and IdentitiesOnly keeps agent keys out).
        assert.equal(resolved.get('identityfile')?.[0], outcome.privateKeyPath);
        assert.deepEqual(resolved.get('user'), ['root']);
        assert.deepEqual(resolved.get('identitiesonly'), ['yes']);
      }
    });
  }

  test('an Include loop: OpenSSH cannot evaluate the result, so the config is restored and the user told', async () => {
    await fs.mkdir(world.sshDir, { recursive: true, mode: 0o700 });
    const loop = 'Include ~/.ssh/loop.conf\n\nHost work\n    HostName 192.0.2.10\n';
    await fs.writeFile(path.join(world.sshDir, 'loop.conf'), 'Include ~/.ssh/loop.conf\n');
    await writeConfig(loop);
    const name = uniqueName('loop');
    const prompter = world.script(...plainFlow(name));
    const outcome = await create();
    assert.ok(outcome?.privateKeyPath);
    assert.equal(await fs.readFile(world.configPath, 'utf8'), loop, 'restored byte for byte');
    assert.match(prompter.lastMessage()?.text ?? '', /SSH config .* was not changed: .*(ssh -G|OpenSSH)/);
  });

  test('a 50,000-host config: the entry is added and nothing else changes', async () => {
    const hosts = Array.from({ length: 50_000 }, (_, i) => `Host h${i}\n    HostName 192.0.2.${i % 250}\n`).join('');
    await writeConfig(hosts);
    const name = uniqueName('big');
    world.script(...plainFlow(name));
    const outcome = await create();
    assert.ok(outcome?.alias);
    await configOutsideBlockUnchanged(hosts, name);
  });
});
