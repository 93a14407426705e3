import assert from 'node:assert/strict';
import { execFile } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import * as vscode from 'vscode';
import type { RotateOutcome } from '../../src/commands/rotateKeyPair';
import { DEMO_ACCESS_KEY_ID, DEMO_REGION_ID, DEMO_SERVERS } from '../emulator/demo';
import type { ScriptStep } from './scriptedPrompter';
import { suiteOn } from '../support/platform';
import { LocalSshd } from './sshd';
import { sshdSuite } from './sshdSuite';
import { keyPairNode } from './treeSupport';
import { sshG, TEST_CLOCK_FACTOR, World } from './world';

const run = promisify(execFile);
const WEB1 = DEMO_SERVERS.web1;
const DB1 = DEMO_SERVERS.db1;
type DemoServer = { instanceId: string; instanceName: string; publicIpAddress: string };
const OLD = 'team-key';
const NEW = 'team-key-new';

/**
 * Rotate Key Pair end to end: "team-key" is on web-1 and db-1, each played by a real sshd that
 * trusts what the emulator wrote for it at its last restart. Logins are checked with the real ssh
 * and the user's config only; the cloud side with the emulator's own records.
 */
suiteOn(['linux'], 'Rotate Key Pair against two local sshds', function () {
  this.timeout(180_000);
  const sshds = sshdSuite();
  let world: World;
  suiteSetup(() => (world = sshds.world));
  // The restart path, as before Cloud Assistant; the tests of the path without a restart switch to "ask" themselves.
  setup(() => world.configure({ applyKeyWith: 'restart' }));
  teardown(() => world.configure({ applyKeyWith: undefined }));

  const instance = (id: string) => world.emulator.instances(DEMO_REGION_ID).find((i) => i.instanceId === id)!;
  const keyPair = (name: string) => world.emulator.keyPairs(DEMO_REGION_ID).find((k) => k.keyPairName === name);
  const publicKeyOf = (name: string) => keyPair(name)!.publicKey.split(' ')[1];

  /** An sshd for each server, its host key already in known_hosts (as after an earlier connection). */
  async function trustedSshds(...servers: DemoServer[]): Promise<void> {
    for (const server of servers) {
      await sshds.start(server);
      await sshds.trustHostKey(server);
    }
  }

  /** The Host of `server` inside the key pair's marked block, read from the file as text. */
  async function aliasFor(server: DemoServer, keyPairName: string): Promise<string | undefined> {
    const text = await readConfig();
    const begin = text.indexOf(`# --- BEGIN SWAS KEY PAIR ${DEMO_REGION_ID}/${keyPairName} `);
    const end = text.indexOf(`# --- END SWAS KEY PAIR ${DEMO_REGION_ID}/${keyPairName} `);
    if (begin < 0 || end < begin) return undefined;
    const section = text.slice(begin, end).split(/^Host /m).find((part) => part.includes(`# SWAS instance ID: ${server.instanceId}`));
    return section?.split(/\s/)[0];
  }
  const readConfig = () => fs.readFile(world.configPath, 'utf8');

  /** "team-key" created here, attached to web-1 and db-1, both restarted: the old key logs in to both. */
  async function oldKeyOnBothServers(): Promise<{ privateKey: string; aliases: Record<string, string> }> {
    const created = world.script({ type: [OLD] }, { pick: 'web-1' }, { answer: 'Restart' }, { answer: 'Restart' }, { answer: undefined });
    const outcome = await vscode.commands.executeCommand<{ privateKeyPath: string; followUp: Promise<void> }>('swas.createKeyPair', { regionId: DEMO_REGION_ID });
    await outcome.followUp;
    assert.equal(created.remaining, 0, created.shown.map((s) => s.text).join('\n'));
    const attached = world.script({ picks: ['db-1'] }, { answer: 'Restart Servers…' }, { answer: 'Restart' }, { answer: undefined });
    await vscode.commands.executeCommand('swas.attachKeyPair', await keyPairNode(world.api.tree, DEMO_REGION_ID, OLD));
    assert.equal(attached.remaining, 0, attached.shown.map((s) => s.text).join('\n'));
    const aliases: Record<string, string> = {};
    for (const server of [WEB1, DB1]) {
      assert.equal(instance(server.instanceId).effectiveKeyPairName, OLD);
      aliases[server.instanceName] = (await aliasFor(server, OLD))!;
      assert.ok(aliases[server.instanceName], `an SSH host for ${server.instanceName}:\n${await readConfig()}`);
    }
    return { privateKey: outcome.privateKeyPath, aliases };
  }

  /** Rotate Key Pair from `from` to `to`, `steps` answering what follows the name; every step is used. */
  async function rotateScripted(from: string, to: string, ...steps: ScriptStep[]) {
    const prompter = world.script({ type: [to] }, ...steps);
    const outcome = await vscode.commands.executeCommand<RotateOutcome>('swas.rotateKeyPair', await keyPairNode(world.api.tree, DEMO_REGION_ID, from));
    const texts = prompter.shown.map((s) => `${s.kind}: ${s.text}`).join('\n');
    assert.equal(prompter.remaining, 0, texts);
    return { prompter, outcome, texts };
  }

  /** OLD to NEW, with the restart. */
  const rotate = (...steps: ScriptStep[]) => rotateScripted(OLD, NEW, { answer: 'Rotate and Restart' }, ...steps);

  test('both servers log in with the new key before anything old goes; then the old pair and its files are deleted on request', async () => {
    await sshds.start(WEB1);
    await sshds.start(DB1);
    await sshds.trustHostKey(WEB1);
    const old = await oldKeyOnBothServers();
    assert.equal(await sshds.login(old.aliases['web-1']), LocalSshd.loginUser(), 'the old key works before the rotation');

    // db-1's host key is not known yet: the rotation asks, as a first connection does.
    const { prompter, outcome, texts } = await rotate({ answer: 'Trust and Continue' }, { answer: `Delete "${OLD}"…` }, { answer: 'Delete' }, { answer: 'Remove These' });
    assert.ok(outcome.completed, texts);
    assert.deepEqual(outcome.servers.map((s) => [s.instance.instanceName, s.stage]), [['web-1', 'verified'], ['db-1', 'verified']]);
    const name = prompter.shown.find((s) => s.kind === 'inputBox')!;
    assert.match(name.value ?? '', new RegExp(`^${OLD}-\\d{8}$`), 'a dated name is suggested');
    assert.ok(prompter.shown.some((s) => s.kind === 'confirm' && s.text.startsWith('First connection to db-1')), texts);

    for (const server of [WEB1, DB1]) {
      assert.equal(instance(server.instanceId).keyPairName, NEW);
      assert.equal(instance(server.instanceId).rebootCount, 2, 'one restart for the old key, one for the new');
      assert.equal((await fs.readFile(sshds.authorizedKeys(server), 'utf8')).trim().split(' ')[1], publicKeyOf(NEW));
      const alias = outcome.servers.find((s) => s.instance.instanceId === server.instanceId)!.alias!;
      assert.equal(await sshds.login(alias), LocalSshd.loginUser(), `${alias} logs in with the new key`);
      assert.equal((await sshG(world.configPath, old.aliases[server.instanceName], world.home)).get('hostname')?.[0], old.aliases[server.instanceName], 'the old Host entry is gone');
    }
    const done = prompter.messages('info').find((m) => m.text.startsWith(`Rotated "${OLD}" to "${NEW}".`));
    assert.ok(done, texts);
    assert.match(done.text, /web-1: logs in with "team-key-new" \(swas-team-key-new\)/);
    assert.equal(keyPair(OLD), undefined, 'the old pair was deleted after the user said so');
    await assert.rejects(fs.stat(old.privateKey), /ENOENT/);
    assert.ok(!(await readConfig()).includes(`keypair=${OLD}`), await readConfig());
    assert.ok((await fs.stat(outcome.privateKeyPath!)).isFile());
  });

  test('a restart whose answers are lost offers a safe Retry mid-rotation; taking it finishes the rotation with one restart', async () => {
    await trustedSshds(WEB1, DB1);
    await oldKeyOnBothServers();
    world.emulator.clearCalls();
    // The client tries 4 times in all; every one of them loses its answer after the service acted.
    world.emulator.injectFault({ action: 'RebootInstances', kind: 'dropAfterAct', times: 4 });
    const { prompter, outcome, texts } = await rotate({ answer: 'Retry' }, { answer: undefined });
    const error = prompter.messages('error')[0];
    assert.match(error?.text ?? '', /Retrying is safe/, texts);
    assert.ok(outcome.completed, texts);
    assert.deepEqual(outcome.servers.map((s) => [s.instance.instanceName, s.stage]), [['web-1', 'verified'], ['db-1', 'verified']]);
    assert.equal(instance(WEB1.instanceId).rebootCount, 2, 'one restart for the old key, one for the new');
    const web1Reboots = world.emulator.callsOf('RebootInstances').filter((c) => c.query.InstanceIds?.includes(WEB1.instanceId));
    assert.ok(web1Reboots.length > 4, 'retried after the message');
    assert.equal(new Set(web1Reboots.map((c) => c.clientToken)).size, 1, 'one ClientToken for every attempt');
  });

  test('a refused restart stops the rotation; the old pair, its key and its entries stay, and attaching it again works with no restart', async () => {
    await trustedSshds(WEB1, DB1);
    const old = await oldKeyOnBothServers();
    // Refused together, then web-1 on its own.
    world.emulator.injectFault({ action: 'RebootInstances', kind: 'error', status: 403, code: 'IncorrectInstanceStatus', message: 'The instance is being changed.' });
    world.emulator.injectFault({ action: 'RebootInstance', kind: 'error', status: 403, code: 'IncorrectInstanceStatus', message: 'The instance is being changed.' });
    const { prompter, outcome, texts } = await rotate({ answer: `Attach "${OLD}" Again` });
    assert.ok(!outcome.completed);
    assert.deepEqual(outcome.servers.map((s) => [s.instance.instanceName, s.stage]), [['web-1', 'restartRefused'], ['db-1', 'verified']]);
    const summary = prompter.messages('warning').find((m) => m.text.startsWith(`Rotation of "${OLD}" stopped`))!;
    assert.ok(summary, texts);
    assert.match(summary.text, /web-1: attached, but the restart was refused \(.*The instance is being changed/);
    assert.match(summary.text, /db-1: logs in with "team-key-new"/);
    assert.deepEqual(summary.actions, [`Attach "${OLD}" Again`]);

    assert.deepEqual(outcome.reattached, [WEB1.instanceId]);
    assert.equal(instance(WEB1.instanceId).keyPairName, OLD, 'attached again');
    assert.equal(instance(WEB1.instanceId).rebootCount, 1, 'no second restart');
    assert.ok(keyPair(OLD), 'the old pair is kept');
    assert.ok((await fs.stat(old.privateKey)).isFile(), 'the old private key is kept');
    assert.equal(await sshds.login(old.aliases['web-1']), LocalSshd.loginUser(), 'the old entry still logs in to web-1');
    assert.match(prompter.lastMessage()!.text, new RegExp(`"${OLD}" is attached again to web-1\\.$`));
    const db1Alias = outcome.servers.find((s) => s.instance.instanceId === DB1.instanceId)!.alias!;
    assert.equal(await sshds.login(db1Alias), LocalSshd.loginUser(), 'db-1 logs in with the new key');
    assert.equal(await aliasFor(DB1, OLD), undefined, 'db-1 has left the old block');
    assert.equal(await aliasFor(WEB1, NEW), undefined, 'web-1 has left the new block');
    // Connect (server) would remind of a restart only where one is still needed: nowhere here.
    assert.equal(world.api.services.pendingRestarts.get(DEMO_REGION_ID, WEB1.instanceId), undefined);
  });

  test('a login that fails after the restart: attaching the old pair again and restarting lets the old key in again', async () => {
    await trustedSshds(WEB1, DB1);
    const old = await oldKeyOnBothServers();
    // db-1's sshd goes away for the rotation's login check (port closed), and comes back afterwards.
    await sshds.stop(DB1);
    const { prompter, outcome, texts } = await rotate({ answer: `Attach "${OLD}" Again` }, { answer: 'Restart Servers…' }, { answer: 'Restart' }, { answer: undefined });
    assert.deepEqual(outcome.servers.map((s) => [s.instance.instanceName, s.stage]), [['web-1', 'verified'], ['db-1', 'loginFailed']]);
    assert.match(prompter.messages('warning')[0].text, /db-1: restarted, but the login with the new key failed: SSH did not answer on port \d+/);
    assert.match(texts, /db-1 restarted with "team-key-new": restart again for "team-key" to take effect/);
    assert.equal(instance(DB1.instanceId).keyPairName, OLD);
    assert.equal(instance(DB1.instanceId).rebootCount, 3, 'old, new, and old again');
    assert.equal((await fs.readFile(sshds.authorizedKeys(DB1), 'utf8')).trim().split(' ')[1], publicKeyOf(OLD));
    // the server keeps its host key (its server root's etc-ssh), which known_hosts already trusts
    await sshds.start(DB1);
    assert.equal(await sshds.login(old.aliases['db-1']), LocalSshd.loginUser(), 'the old key logs in to db-1 again');
    assert.ok(keyPair(NEW), 'the new pair stays on web-1');
    assert.equal(instance(WEB1.instanceId).keyPairName, NEW);
  });

  for (const keyTakesEffect of [false, true]) {
    test(`a restart that never comes back (the failed boot ${keyTakesEffect ? 'applied' : 'did not apply'} the new key): named as not running, nothing deleted, the old pair attached again`, async () => {
      await trustedSshds(WEB1, DB1);
      const old = await oldKeyOnBothServers();
      // 4 s of the wall clock: web-1's real boot fits, db-1's never comes
      await world.configure({ restartTimeout: 4 * TEST_CLOCK_FACTOR });
      world.emulator.failNextBoot(DB1.instanceId, { keyTakesEffect });
      const { prompter, outcome } = await rotate({ answer: `Attach "${OLD}" Again` });
      assert.deepEqual(outcome.servers.map((s) => [s.instance.instanceName, s.stage]), [['web-1', 'verified'], ['db-1', 'notRunning']]);
      assert.match(prompter.messages('warning')[0].text, /db-1: restarted, not running again yet \(Stopped\)/);
      assert.match(prompter.lastMessage()!.text, /db-1 is not running again yet: "team-key" takes effect when it next starts/);
      assert.deepEqual(prompter.lastMessage()!.actions, [], 'no Restart for a server that is not running');
      assert.equal(instance(DB1.instanceId).keyPairName, OLD);
      assert.ok(keyPair(OLD) && keyPair(NEW));
      assert.ok((await fs.stat(old.privateKey)).isFile());
      assert.equal(await aliasFor(DB1, OLD), old.aliases['db-1'], 'db-1 keeps its old entry');
      assert.equal(await aliasFor(DB1, NEW), undefined);
    });
  }

  test('nothing to rotate, or a server that is not running: refused before any question or call', async () => {
    const created = world.script({ type: ['lonely-key'] }, { pick: 'Skip' });
    const lonely = await vscode.commands.executeCommand<{ followUp: Promise<void> }>('swas.createKeyPair', { regionId: DEMO_REGION_ID });
    await lonely?.followUp;
    assert.equal(created.remaining, 0, created.shown.map((s) => s.text).join('\n'));
    const parked = world.emulator.addInstance(DEMO_REGION_ID, { instanceName: 'parked-1', publicIpAddress: '127.0.0.9', osType: 'Linux', status: 'Stopped' });
    const colleague = path.join(world.home, 'parked');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', colleague]);
    await world.emulator.addKeyPair(DEMO_REGION_ID, { keyPairName: 'parked-key', publicKey: (await fs.readFile(`${colleague}.pub`, 'utf8')).trim(), instanceIds: [parked.instanceId] });
    world.api.tree.refresh();

    const prompter = world.script();
    assert.equal(await vscode.commands.executeCommand('swas.rotateKeyPair', await keyPairNode(world.api.tree, DEMO_REGION_ID, 'lonely-key')), undefined);
    assert.match(prompter.lastMessage()!.text, /"lonely-key" is not attached to any server, so there is nothing to rotate/);
    assert.equal(await vscode.commands.executeCommand('swas.rotateKeyPair', await keyPairNode(world.api.tree, DEMO_REGION_ID, 'parked-key')), undefined);
    assert.match(prompter.lastMessage()!.text, /parked-1 is not running \(Stopped\)\. The new key takes effect at a restart/);
    assert.deepEqual(prompter.shown.filter((s) => s.kind !== 'progress').map((s) => s.kind), ['message', 'message'], 'no question was asked');
    assert.equal(world.emulator.callsOf('CreateKeyPair').length, 1, 'only the setup created a key pair');
    assert.equal(world.emulator.callsOf('AttachKeyPair').length, 0);
  });
  /** Every action the emulator was asked since the last clearCalls, none of which may change anything. */
  const onlyLookups = () => world.emulator.calls.filter((c) => !/^(List|Describe)/.test(c.action)).map((c) => c.action);

  test('a server without a public IP: refused before any question or change', async () => {
    const hidden = world.emulator.addInstance(DEMO_REGION_ID, { instanceName: 'inner-1', publicIpAddress: '', osType: 'Linux' });
    const colleague = path.join(world.home, 'inner');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', colleague]);
    await world.emulator.addKeyPair(DEMO_REGION_ID, { keyPairName: 'inner-key', publicKey: (await fs.readFile(`${colleague}.pub`, 'utf8')).trim(), instanceIds: [hidden.instanceId] });
    world.api.tree.refresh();
    const node = await keyPairNode(world.api.tree, DEMO_REGION_ID, 'inner-key');
    world.emulator.clearCalls();
    const prompter = world.script();
    assert.equal(await vscode.commands.executeCommand('swas.rotateKeyPair', node), undefined);
    assert.match(prompter.lastMessage()!.text, /^inner-1 has no public IP address, so a login with the new key could not be checked there\./);
    assert.deepEqual(prompter.shown.filter((s) => s.kind !== 'progress').map((s) => s.kind), ['message'], 'no question was asked');
    assert.deepEqual(onlyLookups(), [], 'no call that changes anything');
    assert.equal(instance(hidden.instanceId).keyPairName, 'inner-key');
  });

  test('a region that already holds 10 key pairs: stopped before CreateKeyPair, and told how to free one', async () => {
    const existing = keyPair('existing-key')!;
    assert.deepEqual(existing.instanceIds, [WEB1.instanceId], 'a key pair on a running server with a public IP: only the quota stands in the way');
    for (let i = world.emulator.keyPairs(DEMO_REGION_ID).length; i < 10; i++) {
      await world.emulator.addKeyPair(DEMO_REGION_ID, { keyPairName: `filler-${i}`, publicKey: existing.publicKey });
    }
    assert.equal(world.emulator.keyPairs(DEMO_REGION_ID).length, 10);
    world.api.tree.refresh();
    const node = await keyPairNode(world.api.tree, DEMO_REGION_ID, 'existing-key');
    world.emulator.clearCalls();
    const prompter = world.script();
    assert.equal(await vscode.commands.executeCommand('swas.rotateKeyPair', node), undefined);
    assert.match(prompter.lastMessage()!.text, /^cn-hangzhou already has 10 key pairs, the most a region can hold, so the new one cannot be created\. Delete a key pair you no longer use, then rotate again\.$/);
    assert.deepEqual(prompter.shown.filter((s) => s.kind !== 'progress').map((s) => s.kind), ['message'], 'no question was asked');
    assert.equal(world.emulator.callsOf('CreateKeyPair').length, 0);
    assert.deepEqual(onlyLookups(), [], 'no call that changes anything');
    assert.equal(world.emulator.keyPairs(DEMO_REGION_ID).length, 10);
  });
  /** Cloud Assistant from here on ("ask", the default): the emulator's agents run unless a test stops one. */
  const withCloudAssistant = () => world.configure({ applyKeyWith: 'ask' });
  /** The pair's key as `<type> <base64>`. */
  const bareKey = (name: string) => keyPair(name)!.publicKey.split(' ').slice(0, 2).join(' ');
  const reboots = () => world.emulator.callsOf('RebootInstance').length + world.emulator.callsOf('RebootInstances').length;

  /** `ssh` to `server` with nothing but `privateKey` (the old pair's, whose Host entries the rotation removed). */
  async function loginWithKey(server: DemoServer, privateKey: string): Promise<string> {
    const config = path.join(world.home, 'only-this-key');
    await fs.writeFile(config, `Host only-this-key\n  HostName ${server.publicIpAddress}\n  Port ${sshds.sshdOf(server).port}\n  User ${LocalSshd.loginUser()}\n  IdentityFile "${privateKey}"\n  IdentitiesOnly yes\n`);
    return sshds.login('only-this-key', config);
  }

  test('with Cloud Assistant: the new key goes on, logs in, then the old key comes off; no restart at all, db-1\'s host key pinned without a question, the other lines kept', async () => {
    await sshds.start(WEB1);
    await sshds.start(DB1);
    await sshds.trustHostKey(WEB1);
    const old = await oldKeyOnBothServers();
    const ownLine = `from="192.0.2.1" ${bareKey(OLD)} restricted\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB6fY0Ck6u6pU2c3l3v4H0lQ0m2xk7z8Wq1Kd3JrC9Zs deploy@ci\n`;
    await fs.appendFile(sshds.authorizedKeys(DB1), ownLine);
    assert.equal(await loginWithKey(WEB1, old.privateKey), LocalSshd.loginUser(), 'the old key logs in before');
    await withCloudAssistant();
    world.emulator.clearCalls();

    const { prompter, outcome, texts } = await rotateScripted(OLD, NEW, { answer: 'Rotate' }, { answer: 'Run Script' }, { answer: undefined });
    assert.match(texts, /puts its key on them with Cloud Assistant, with no restart; then logs in to each with the new key and only then takes the key of "team-key" off them/);
    assert.ok(outcome.completed, texts);
    assert.deepEqual(outcome.servers.map((s) => [s.instance.instanceName, s.stage, s.appliedNow, s.oldKey?.removed]), [['web-1', 'verified', true, true], ['db-1', 'verified', true, true]]);
    assert.equal(reboots(), 0, 'no restart');
    assert.doesNotMatch(texts, /First connection to/, 'db-1\'s host key came from the server itself');
    assert.match(prompter.lastMessage()!.text, /db-1: logs in with "team-key-new" \(swas-team-key-new-db-1\), with no restart; the old key no longer does\./);
    for (const server of [WEB1, DB1]) {
      const alias = outcome.servers.find((s) => s.instance.instanceId === server.instanceId)!.alias!;
      assert.equal(await sshds.login(alias), LocalSshd.loginUser(), `${alias} logs in with the new key`);
      await assert.rejects(loginWithKey(server, old.privateKey), /Permission denied/, `the old key is refused on ${server.instanceName}`);
      const lines = (await fs.readFile(sshds.authorizedKeys(server), 'utf8')).split('\n');
      assert.ok(!lines.some((line) => line.startsWith(bareKey(OLD))), `no line of the old key without options on ${server.instanceName}`);
    }
    const db1Keys = await fs.readFile(sshds.authorizedKeys(DB1), 'utf8');
    assert.ok(db1Keys.startsWith(ownLine), `the user's own lines, the old key's restricted one too, stay byte for byte:\n${db1Keys}`);
    assert.equal(db1Keys.slice(ownLine.length), `${bareKey(NEW)} swas-keypair:${NEW}\n`);
  });

  test('with Cloud Assistant on web-1 only: web-1 without a restart, db-1 restarted; RunCommand refused by RAM: a restart instead, when the user says so', async () => {
    await trustedSshds(WEB1, DB1);
    const old = await oldKeyOnBothServers();
    await withCloudAssistant();
    world.emulator.setAgentRunning(DB1.instanceId, false);
    world.emulator.clearCalls();
    const { outcome, texts } = await rotateScripted(OLD, NEW, { answer: 'Rotate and Restart' }, { answer: 'Run Script' }, { answer: undefined });
    assert.match(texts, /It puts its key on web-1 with Cloud Assistant \(no restart\) and restarts db-1/);
    assert.deepEqual(outcome.servers.map((s) => [s.instance.instanceName, s.stage, s.restarted]), [['web-1', 'verified', false], ['db-1', 'verified', true]]);
    assert.equal(instance(WEB1.instanceId).rebootCount, 1, 'web-1: only the restart that put the old key on');
    assert.equal(instance(DB1.instanceId).rebootCount, 2);
    await assert.rejects(loginWithKey(WEB1, old.privateKey), /Permission denied/);

    // the next rotation, of the new pair, with RunCommand refused
    world.emulator.setAgentRunning(DB1.instanceId, true);
    world.emulator.denyAction(DEMO_ACCESS_KEY_ID, 'RunCommand');
    const { prompter: refused, outcome: again, texts: refusedTexts } = await rotateScripted(NEW, 'third-key', { answer: 'Rotate' }, { answer: 'Restart Instead' }, { answer: undefined });
    const question = refused.shown.find((s) => s.kind === 'confirm' && s.text.startsWith('Cloud Assistant could not put "third-key" on web-1, db-1. Restart instead?'));
    assert.ok(question, refusedTexts);
    assert.match(question.text, /your RAM user may not use Cloud Assistant/);
    assert.ok(again.completed, refusedTexts);
    assert.deepEqual(again.servers.map((s) => [s.instance.instanceName, s.stage, s.restarted]), [['web-1', 'verified', true], ['db-1', 'verified', true]]);
  });

  test('with Cloud Assistant, the script declined and no restart wanted: nothing restarts, the old key still logs in, and attaching it again needs no restart', async () => {
    await trustedSshds(WEB1, DB1);
    const old = await oldKeyOnBothServers();
    await withCloudAssistant();
    const keysBefore = await Promise.all([WEB1, DB1].map((server) => fs.readFile(sshds.authorizedKeys(server), 'utf8')));
    world.emulator.clearCalls();
    const { prompter, outcome, texts } = await rotateScripted(OLD, NEW, { answer: 'Rotate' }, { answer: undefined }, { answer: undefined }, { answer: `Attach "${OLD}" Again` });
    assert.ok(prompter.shown.some((s) => s.kind === 'confirm' && s.text.startsWith(`Cloud Assistant could not put "${NEW}" on web-1, db-1. Restart instead?`)), texts);
    assert.ok(!outcome.completed, texts);
    assert.deepEqual(outcome.servers.map((s) => [s.instance.instanceName, s.stage, s.detail]), [['web-1', 'configFailed', 'the script was declined'], ['db-1', 'configFailed', 'the script was declined']]);
    assert.equal(reboots(), 0, 'no restart without the user saying so');
    assert.equal(world.emulator.callsOf('RunCommand').length, 0, 'no script ran');
    assert.deepEqual(outcome.reattached, [WEB1.instanceId, DB1.instanceId]);
    assert.deepEqual(prompter.lastMessage()!.actions, [], 'no restart needed to go back');
    for (const [index, server] of [WEB1, DB1].entries()) {
      assert.equal(instance(server.instanceId).keyPairName, OLD, `${server.instanceName}: the old pair attached again`);
      assert.equal(await fs.readFile(sshds.authorizedKeys(server), 'utf8'), keysBefore[index], `${server.instanceName}: authorized_keys untouched`);
      assert.equal(await loginWithKey(server, old.privateKey), LocalSshd.loginUser(), `the old key still logs in to ${server.instanceName}`);
    }
  });

  test('with Cloud Assistant, db-1 answers with another host key than it prints itself: stopped there as a possible man in the middle, its answering key not trusted, its old key not removed', async () => {
    await sshds.start(WEB1);
    await sshds.start(DB1);
    await sshds.trustHostKey(WEB1);
    await oldKeyOnBothServers();
    // the key db-1 has itself, as Cloud Assistant reads it, is another one than its sshd answers with
    const { stdout: answering } = await run('ssh-keyscan', ['-T', '5', '-p', String(sshds.sshdOf(DB1).port), DB1.publicIpAddress]);
    const serversOwn = path.join(world.home, 'db1_own_host_key');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', serversOwn]);
    await fs.copyFile(`${serversOwn}.pub`, `${sshds.hostKeyFile(DB1)}.pub`);
    await withCloudAssistant();
    world.emulator.clearCalls();
    const { prompter, outcome, texts } = await rotateScripted(OLD, NEW, { answer: 'Rotate' }, { answer: 'Run Script' }, { answer: undefined });
    assert.ok(!outcome.completed, texts);
    assert.deepEqual(outcome.servers.map((s) => [s.instance.instanceName, s.stage, s.oldKey?.removed]), [['web-1', 'verified', true], ['db-1', 'loginFailed', undefined]]);
    assert.match(outcome.servers[1].detail ?? '', /answering at .* is not the one the server itself has\. Someone may be in between/);
    assert.doesNotMatch(texts, /trust its host key\?/, 'no question that would let the answering key in');
    assert.match(prompter.lastMessage()!.text, /Rotation of "team-key" stopped/);
    assert.equal(reboots(), 0);
    const known = await fs.readFile(path.join(world.sshDir, 'known_hosts'), 'utf8');
    for (const line of answering.split('\n').filter((l) => l && !l.startsWith('#'))) {
      assert.ok(!known.includes(line.split(' ').slice(1).join(' ')), `db-1's answering key is not trusted:\n${known}`);
    }
    const db1Keys = (await fs.readFile(sshds.authorizedKeys(DB1), 'utf8')).split('\n');
    assert.ok(db1Keys.some((line) => line.startsWith(bareKey(OLD))), `the old key stays on db-1:\n${db1Keys.join('\n')}`);
  });

  test('with Cloud Assistant, the new key fails to log in on db-1: its old key stays and still logs in, no restart is offered; attaching the old pair again needs none', async () => {
    await trustedSshds(WEB1, DB1);
    const old = await oldKeyOnBothServers();
    await withCloudAssistant();
    await sshds.stop(DB1);
    world.emulator.clearCalls();
    const { prompter, outcome, texts } = await rotateScripted(OLD, NEW, { answer: 'Rotate' }, { answer: 'Run Script' }, { answer: `Attach "${OLD}" Again` });
    assert.deepEqual(outcome.servers.map((s) => [s.instance.instanceName, s.stage, s.oldKey?.removed]), [['web-1', 'verified', true], ['db-1', 'loginFailed', undefined]]);
    assert.match(texts, /db-1: the new key was put on it with Cloud Assistant, but the login with it failed: SSH did not answer on port \d+; the old key still works there\./);
    assert.deepEqual(prompter.lastMessage()!.actions, [], 'no restart needed to go back');
    assert.deepEqual(outcome.reattached, [DB1.instanceId]);
    assert.equal(reboots(), 0);
    await sshds.start(DB1);
    assert.equal(await sshds.login(old.aliases['db-1']), LocalSshd.loginUser(), 'the old key still logs in to db-1');
  });
});
