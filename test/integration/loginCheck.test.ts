import assert from 'node:assert/strict';
import { execFile } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import * as vscode from 'vscode';
import type { CreateKeyPairOutcome } from '../../src/commands/createKeyPair';
import type { RestartOutcome } from '../../src/operations/restart';
import type { LoginCheckOutcome } from '../../src/commands/testSshConnection';
import { DEMO_REGION_ID, DEMO_SERVERS } from '../emulator/demo';
import type { ScriptStep } from './scriptedPrompter';
import { suiteOn } from '../support/platform';
import { sshdSuite } from './sshdSuite';
import { serverNode } from './treeSupport';
import { World } from './world';

const run = promisify(execFile);
const WEB1 = DEMO_SERVERS.web1;

/**
 * Restart and wait, then the login check, against a real sshd playing web-1 on 127.0.0.2:22 and
 * trusting exactly what the emulator wrote for it at its last restart. Each test looks at the
 * messages the user sees. HOME is the passwd home and has a space in its path, as a Windows account
 * "First Last" has: ssh's own ~/.ssh/known_hosts is the test's.
 */
suiteOn(['linux'], 'Restart and wait, then Test SSH Connection against a local sshd', function () {
  this.timeout(120_000);
  const sshds = sshdSuite();
  let world: World;
  suiteSetup(() => (world = sshds.world));

  const knownHosts = () => path.join(world.home, '.ssh', 'known_hosts');
  const web1Node = () => serverNode(world.api.tree, DEMO_REGION_ID, 'web-1');
  const testConnection = async () => vscode.commands.executeCommand<LoginCheckOutcome>('swas.testSshConnection', await web1Node());
  const publicKeyOf = (name: string) => world.emulator.keyPairs(DEMO_REGION_ID).find((k) => k.keyPairName === name)!.publicKey.split(' ')[1];

  /** Create with web-1; `after` answers the final message and what follows it. */
  async function create(name: string, ...after: ScriptStep[]): Promise<CreateKeyPairOutcome> {
    const prompter = world.script({ type: [name] }, { pick: 'web-1' }, ...after);
    const outcome = await vscode.commands.executeCommand<CreateKeyPairOutcome>('swas.createKeyPair', { regionId: DEMO_REGION_ID });
    await outcome.followUp;
    assert.equal(prompter.remaining, 0, JSON.stringify(prompter.shown.map((s) => s.text)));
    return outcome;
  }

  /** Create with web-1, then Restart Server from the final message (the "running again" message dismissed). */
  const createAndRestart = (name: string) => create(name, { answer: 'Restart' }, { answer: 'Restart' }, { answer: undefined });

  test('Create → attach → Restart Server → wait → Test SSH Connection without Cloud Assistant: trust the shown host key, marked as not verified, then the login works', async () => {
    world.emulator.setAgentRunning(WEB1.instanceId, false);
    await sshds.start();
    const prompter = world.script(
      { type: ['flow-key'] },
      { pick: 'web-1' },
      { answer: 'Restart' },
      { answer: 'Restart' },
      { answer: 'Test SSH Connection' },
      { answer: 'Trust and Continue' },
    );
    const outcome = await vscode.commands.executeCommand<CreateKeyPairOutcome>('swas.createKeyPair', { regionId: DEMO_REGION_ID });
    assert.ok(!(await fs.readFile(sshds.authorizedKeys(), 'utf8')).includes(publicKeyOf('flow-key')), 'attached, not yet effective');
    await outcome.followUp;
    const texts = prompter.shown.map((s) => `${s.kind}: ${s.text}`);
    assert.equal(prompter.remaining, 0, texts.join('\n'));

    const waiting = prompter.shown.find((s) => s.kind === 'progress' && /Waiting for web-1 to be running again/.test(s.text));
    assert.ok(waiting, texts.join('\n'));
    assert.equal(waiting.reports?.at(-1), 'web-1: Running');
    assert.equal(world.emulator.instances(DEMO_REGION_ID).find((i) => i.instanceId === WEB1.instanceId)?.rebootCount, 1);
    assert.ok((await fs.readFile(sshds.authorizedKeys(), 'utf8')).includes(publicKeyOf('flow-key')), 'the restart made the key effective');

    const back = prompter.messages('info').find((m) => /web-1 running again/.test(m.text));
    assert.deepEqual(back?.actions, ['Test SSH Connection', 'Connect with Remote-SSH']);
    const trust = prompter.shown.find((s) => s.kind === 'confirm' && s.text.includes(`First connection to web-1 (${sshds.knownHostsName()}): trust its host key?`));
    assert.ok(trust, texts.join('\n'));
    assert.ok(trust.text.includes(await sshds.sshdOf().fingerprint()), `the real host key's fingerprint is shown: ${trust.text}`);
    assert.ok(trust.text.includes('It is NOT verified: Cloud Assistant is not running on web-1.'), trust.text);
    assert.match(prompter.lastMessage()!.text, /SSH login to web-1 works \(swas-flow-key, user /);
    const { stdout } = await run('ssh-keygen', ['-F', sshds.knownHostsName(), '-f', knownHosts()]);
    assert.ok(stdout.includes('ssh-ed25519'), 'the accepted key is in the known_hosts ssh uses');
  });

  test('restart pending: Permission denied (publickey) says the attach has not taken effect, and Restart Server fixes it', async () => {
    await sshds.start();
    await create('pending-key', { answer: undefined });
    await sshds.trustHostKey();
    const prompter = world.script({ answer: 'Restart Server' }, { answer: 'Restart' }, { answer: 'Test SSH Connection' });
    const outcome = await testConnection();
    assert.deepEqual({ kind: outcome.kind, cause: 'cause' in outcome ? outcome.cause : undefined }, { kind: 'permissionDenied', cause: 'restartPending' });
    const denied = prompter.messages('warning')[0];
    assert.match(denied.text, /web-1 refused the key: key pair "pending-key" was attached to it on .+ and the server has not restarted since/);
    assert.deepEqual(denied.actions, ['Restart Server']);
    assert.equal(prompter.remaining, 0);
    assert.match(prompter.lastMessage()!.text, /SSH login to web-1 works/);
  });

  test('another key pair on the server, attached and restarted elsewhere: no login through the stale entry, which is removed', async () => {
    await sshds.start();
    await createAndRestart('mine');
    await sshds.trustHostKey();
    const colleague = path.join(world.home, 'colleague');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', colleague, '-C', 'colleague']);
    // Someone attached another key pair and restarted outside this extension: the server trusts only that one now.
    const publicKey = (await fs.readFile(`${colleague}.pub`, 'utf8')).trim();
    await world.emulator.addKeyPair(DEMO_REGION_ID, { keyPairName: 'colleagues-key', publicKey, instanceIds: [WEB1.instanceId] });
    const prompter = world.script();
    const outcome = await testConnection();
    assert.deepEqual(outcome, { kind: 'staleEntry', alias: 'swas-mine', keyPairName: 'colleagues-key' });
    assert.match(prompter.lastMessage()!.text, /web-1 now uses key pair "colleagues-key", not "mine": swas-mine, which logs in with the key of "mine", was removed/);
    assert.doesNotMatch(await fs.readFile(world.configPath, 'utf8'), new RegExp(WEB1.instanceId));
  });

  test('UserKnownHostsFile with a space in its path: Trust and Continue writes the host key there, and the login works', async () => {
    const spaced = path.join(world.home, 'known hosts dir', 'known_hosts');
    await fs.writeFile(world.configPath, `UserKnownHostsFile "${spaced}"\n`, { mode: 0o600 });
    // the fingerprint question: the path where Cloud Assistant cannot read the host key
    world.emulator.setAgentRunning(WEB1.instanceId, false);
    await sshds.start();
    await createAndRestart('spaced');
    const prompter = world.script({ answer: 'Trust and Continue' });
    const outcome = await testConnection();
    assert.equal(outcome.kind, 'hostKeyUnknown', JSON.stringify(prompter.shown.map((s) => s.text)));
    assert.ok(prompter.shown.find((s) => s.kind === 'confirm')?.text.includes(`Trusting adds it to ${spaced}.`));
    assert.equal(outcome.kind === 'hostKeyUnknown' && outcome.after?.kind, 'ok');
    const { stdout } = await run('ssh-keygen', ['-F', sshds.knownHostsName(), '-f', spaced]);
    assert.ok(stdout.includes('ssh-ed25519'), 'the accepted key is in the file ssh reads');
    await assert.rejects(fs.access(path.join(world.home, 'known')), 'nothing written to the path cut at the space');
  });

  test('sshd stopped, firewall allows TCP 22: the message says the server may be starting or sshd is not running', async () => {
    await createAndRestart('no-sshd');
    const prompter = world.script();
    const outcome = await testConnection();
    assert.equal(outcome.kind, 'refused');
    assert.equal(world.emulator.callsOf('ListFirewallRules').length, 1);
    const warning = prompter.messages('warning')[0];
    assert.match(warning.text, /web-1 did not accept SSH on port 22 \(the connection was refused\)\. Its SWAS firewall has a rule for TCP 22, so the server may still be starting, sshd may not be running on it, or that rule may be disabled/);
    assert.match(warning.text, /check that the rule is enabled under Firewall in the Simple Application Server console/, 'ListFirewallRules cannot show a disabled rule');
    assert.deepEqual(warning.actions, ['Test Again']);
    assert.equal(world.emulator.callsOf('CreateFirewallRule').length, 0);
  });

  test('firewall rule for TCP 22 missing: the user is asked, then CreateFirewallRule opens TCP 22 for that server', async () => {
    await createAndRestart('closed-port');
    world.emulator.removeFirewallRules(DEMO_REGION_ID, WEB1.instanceId, '22');
    const prompter = world.script({ answer: 'Add Firewall Rule' }, { answer: undefined });
    const outcome = await testConnection();
    assert.equal(outcome.kind, 'refused');
    const warning = prompter.messages('warning')[0];
    assert.match(warning.text, /web-1 did not accept SSH on port 22 \(the connection was refused\), and its SWAS firewall does not allow TCP 22\. Add a rule/);
    assert.deepEqual(warning.actions, ['Add Firewall Rule']);
    const [call] = world.emulator.callsOf('CreateFirewallRule');
    assert.deepEqual([call.query.InstanceId, call.query.RuleProtocol, call.query.Port, call.signatureValid], [WEB1.instanceId, 'TCP', '22', true]);
    assert.ok(world.emulator.firewallRules(DEMO_REGION_ID, WEB1.instanceId).some((r) => r.ruleProtocol === 'TCP' && r.port === '22'));
    assert.match(prompter.lastMessage()!.text, /The firewall of web-1 now allows TCP 22\./);
  });

  test('declining the firewall rule changes nothing', async () => {
    await createAndRestart('keep-closed');
    world.emulator.removeFirewallRules(DEMO_REGION_ID, WEB1.instanceId, '22');
    world.script({ answer: undefined });
    await testConnection();
    assert.equal(world.emulator.callsOf('CreateFirewallRule').length, 0);
    assert.ok(!world.emulator.firewallRules(DEMO_REGION_ID, WEB1.instanceId).some((r) => r.port === '22'));
  });

  test('known_hosts holds another key for the IP: explained (IP reused, re-imaged), old line removed on request, new key trusted, login works', async () => {
    await sshds.start();
    await createAndRestart('reused-ip');
    const other = path.join(world.home, 'old_host_key');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const oldLine = `${sshds.knownHostsName()} ${(await fs.readFile(`${other}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ')}\n`;
    await fs.writeFile(knownHosts(), oldLine, { mode: 0o600 });
    world.emulator.setAgentRunning(WEB1.instanceId, false);
    const prompter = world.script({ answer: 'Remove Old Key' }, { answer: 'Trust and Continue' });
    const outcome = await testConnection();
    assert.equal(outcome.kind, 'hostKeyChanged');
    const warning = prompter.messages('warning')[0];
    assert.ok(warning.text.includes(`The host key of web-1 (${sshds.knownHostsName()}) is not the one saved in ${knownHosts()} (line 1)`), warning.text);
    assert.match(warning.text, /belonged to another server before, or the server was re-imaged/);
    assert.deepEqual(warning.actions, ['Remove Old Key']);
    assert.equal(outcome.kind === 'hostKeyChanged' && outcome.after?.kind, 'hostKeyUnknown');
    assert.match(prompter.lastMessage()!.text, /SSH login to web-1 works/);
    assert.equal(await fs.readFile(`${knownHosts()}.old`, 'utf8'), oldLine, 'ssh-keygen -R kept the old file');
    assert.ok(!(await fs.readFile(knownHosts(), 'utf8')).includes(oldLine.trim()));
  });

  test('restart that takes too long: after swas.restartTimeout the user is told what to do next', async () => {
    world.emulator.setRebootDelays({ stoppingMs: 60_000, startingMs: 60_000 });
    await world.configure({ restartTimeout: 3 });
    const prompter = world.script({ answer: 'Restart' });
    const outcome = await vscode.commands.executeCommand<RestartOutcome>('swas.restartServer', await web1Node());
    assert.deepEqual(outcome.wait, { kind: 'timeout', lastStatus: 'Stopping' });
    assert.match(prompter.messages('warning')[0].text, /web-1 \(Stopping\) not running again after 3 seconds\. .*check the server in the Simple Application Server console, and once it shows Running, use Test SSH Connection/);
  });

  test('Cancel stops waiting, not the restart', async () => {
    world.emulator.setRebootDelays({ stoppingMs: 60_000, startingMs: 60_000 });
    const prompter = world.script({ answer: 'Restart' }, { cancelProgress: true });
    const outcome = await vscode.commands.executeCommand<RestartOutcome>('swas.restartServer', await web1Node());
    assert.deepEqual(outcome.wait, { kind: 'cancelled' });
    assert.match(prompter.lastMessage()!.text, /Stopped waiting for web-1; the restart goes on/);
    assert.equal(world.emulator.instances(DEMO_REGION_ID).find((i) => i.instanceId === WEB1.instanceId)?.status, 'Stopping');
  });
});
