import assert from 'node:assert/strict';
import { execFile } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import * as vscode from 'vscode';
import type { CreateKeyPairOutcome } from '../../src/commands/createKeyPair';
import type { ConnectServerOutcome } from '../../src/commands/connectServer';
import type { LoginCheckOutcome } from '../../src/commands/testSshConnection';
import type { ServerArgs } from '../../src/commandArgs';
import { DEMO_ACCESS_KEY_ID, DEMO_REGION_ID, DEMO_SERVERS } from '../emulator/demo';
import { suiteOn } from '../support/platform';
import { LocalSshd } from './sshd';
import { sshdSuite } from './sshdSuite';
import { serverNode } from './treeSupport';

const run = promisify(execFile);
const WEB1 = DEMO_SERVERS.web1;

/**
 * A first connection from Test SSH Connection and Connect: where web-1's Cloud Assistant runs, the read-only
 * script (which the emulator really runs in web-1's server root) prints the host keys, which are pinned; ssh-keyscan
 * then asks the real sshd playing web-1. Where Cloud Assistant cannot help, the fingerprint question says the key is
 * not verified and why.
 */
suiteOn(['linux'], 'First connection: the host key verified through Cloud Assistant', function () {
  this.timeout(120_000);
  const sshds = sshdSuite();

  const knownHostsPath = () => path.join(sshds.world.sshDir, 'known_hosts');
  const knownHosts = () => fs.readFile(knownHostsPath(), 'utf8').catch(() => '');
  const testConnection = async () => vscode.commands.executeCommand<LoginCheckOutcome>('swas.testSshConnection', await serverNode(sshds.world.api.tree, DEMO_REGION_ID, 'web-1'));
  /** known_hosts lines for web-1's sshd (hashed or not, as ssh -G says), found as ssh finds them. */
  async function linesForWeb1(): Promise<string[]> {
    const found = await run('ssh-keygen', ['-F', sshds.knownHostsName(), '-f', knownHostsPath()]).catch(() => ({ stdout: '' }));
    return found.stdout.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
  }
  const readHostKeyRuns = () => sshds.world.emulator.invocations().filter((i) => i.name === 'swas-read-host-keys');
  const shownText = (prompter: { shown: { kind: string; text: string }[] }) => prompter.shown.map((s) => `${s.kind}: ${s.text}`).join('\n');

  /** Create with web-1 and restart it from the final message: the key works, known_hosts is still empty. */
  async function createAndRestart(name: string): Promise<string> {
    const prompter = sshds.world.script({ type: [name] }, { pick: 'web-1' }, { answer: 'Restart' }, { answer: 'Restart' }, { answer: undefined });
    const outcome = await vscode.commands.executeCommand<CreateKeyPairOutcome>('swas.createKeyPair', { regionId: DEMO_REGION_ID });
    await outcome.followUp;
    assert.equal(prompter.remaining, 0, shownText(prompter));
    await assert.rejects(fs.stat(knownHostsPath()), 'no known_hosts yet');
    return outcome.alias!;
  }

  /** `ssh <alias>` in batch mode, refusing any host key known_hosts does not hold. */
  async function strictLogin(alias: string): Promise<string> {
    await fs.appendFile(sshds.world.configPath, `\nHost ${alias}\n  StrictHostKeyChecking yes\n`);
    return sshds.login(alias);
  }

  /** The sshd's real host key, `<type> <base64>`. */
  async function answeringKey(): Promise<string> {
    return (await fs.readFile(`${sshds.hostKeyFile()}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
  }

  test('agent running, empty known_hosts: Test SSH Connection asks no fingerprint question, pins the keys web-1 printed, strict ssh logs in; Connect later pins again before the hand-off', async () => {
    const { world } = sshds;
    await sshds.start();
    const alias = await createAndRestart('verified-key');
    const realKey = await answeringKey();

    const prompter = world.script({ answer: 'Run Script' });
    const outcome = await testConnection();
    const shown = shownText(prompter);
    assert.equal(outcome.kind, 'hostKeyUnknown', shown);
    assert.equal(outcome.kind === 'hostKeyUnknown' && outcome.after?.kind, 'ok', shown);
    assert.match(shown, /Run this script as root on web-1 through Cloud Assistant\? It prints the SSH host keys of web-1 and changes nothing/);
    assert.ok(shown.includes(readHostKeyRuns()[0]?.content ?? '(no run)'), 'the script shown is the one that ran');
    assert.doesNotMatch(shown, /trust its host key\?/, 'no fingerprint question');
    assert.equal(readHostKeyRuns().length, 1);
    assert.deepEqual(
      (await linesForWeb1()).map((line) => line.split(' ').slice(1).join(' ')),
      [`${realKey} swas-host-key`],
      'the key web-1 printed, pinned and marked as ours, nothing scanned',
    );
    assert.equal(await strictLogin(alias), LocalSshd.loginUser());

    // consent on record: Connect pins before Remote-SSH's first connection, asking nothing
    await fs.rm(knownHostsPath());
    const connecting = world.script();
    const connected = await vscode.commands.executeCommand<ConnectServerOutcome>('swas.connectServer', await serverNode(world.api.tree, DEMO_REGION_ID, 'web-1'));
    assert.deepEqual(connected, { kind: 'connecting', alias, keyPairName: 'verified-key' }, shownText(connecting));
    assert.equal(readHostKeyRuns().length, 2);
    assert.match(await knownHosts(), / swas-host-key$/m);
    assert.equal(await sshds.login(alias), LocalSshd.loginUser());
  });

  test('Cloud Assistant cannot verify (agent not running, swas.applyKeyWith restart, script declined, delivery timeout, RAM refusal, server stopped): the question says NOT verified and why', async () => {
    const { world } = sshds;
    await sshds.start();
    const alias = await createAndRestart('unverified-key');
    const fingerprint = await sshds.sshdOf().fingerprint();

    /** Test SSH Connection once, declining or trusting the key at the question; its text. */
    async function question(answers: { answer: string | undefined }[], server?: ServerArgs): Promise<string> {
      const prompter = world.script(...answers);
      const outcome = server ? await vscode.commands.executeCommand<LoginCheckOutcome>('swas.testSshConnection', server) : await testConnection();
      assert.equal(prompter.remaining, 0, shownText(prompter));
      assert.equal(outcome.kind, 'hostKeyUnknown');
      const asked = prompter.shown.find((s) => s.kind === 'confirm' && s.text.includes(`First connection to web-1 (${sshds.knownHostsName()}): trust its host key?`));
      assert.ok(asked, shownText(prompter));
      assert.ok(asked.text.includes(`Fingerprint: ${fingerprint}`), asked.text);
      return asked.text;
    }

    world.emulator.setAgentRunning(WEB1.instanceId, false);
    assert.match(await question([{ answer: undefined }]), /It is NOT verified: Cloud Assistant is not running on web-1\./);
    world.emulator.setAgentRunning(WEB1.instanceId, true);

    await world.configure({ applyKeyWith: 'restart' });
    try {
      assert.match(await question([{ answer: undefined }]), /It is NOT verified: swas\.applyKeyWith is set to "restart", so Cloud Assistant is not used\./);
    } finally {
      await world.configure({ applyKeyWith: undefined });
    }
    assert.match(await question([{ answer: undefined }, { answer: undefined }]), /It is NOT verified: you did not allow the Cloud Assistant script\./);

    world.emulator.failNextInvocation(WEB1.instanceId, { invocationStatus: 'Aborted', errorCode: 'DeliveryTimeout' });
    assert.match(await question([{ answer: 'Run Script' }, { answer: undefined }]), /It is NOT verified: the command did not reach web-1 in time\./);

    world.emulator.denyAction(DEMO_ACCESS_KEY_ID, 'RunCommand');
    assert.match(await question([{ answer: undefined }]), /It is NOT verified: your RAM user may not use Cloud Assistant \(.+\)\./);
    assert.equal(await knownHosts(), '', 'nothing trusted while the user declined');
    assert.equal(readHostKeyRuns().filter((i) => i.status === 'Success').length, 0);

    // stopped in the console (its sshd here still answers): Cloud Assistant is not asked to run anything
    world.emulator.stopInConsole(DEMO_REGION_ID, WEB1.instanceId);
    const stopped: ServerArgs = { regionId: DEMO_REGION_ID, instance: world.emulator.instances(DEMO_REGION_ID).find((i) => i.instanceId === WEB1.instanceId)! };
    const runsBefore = world.emulator.callsOf('RunCommand').length;
    assert.match(await question([{ answer: undefined }], stopped), /It is NOT verified: web-1 is not running \(Stopped\)\./);
    assert.equal(world.emulator.callsOf('RunCommand').length, runsBefore);

    // the question still works: Trust and Continue adds the scanned key, and the check passes
    world.script({ answer: 'Trust and Continue' });
    const trusted = await vscode.commands.executeCommand<LoginCheckOutcome>('swas.testSshConnection', stopped);
    assert.equal(trusted.kind === 'hostKeyUnknown' && trusted.after?.kind, 'ok');
    assert.doesNotMatch(await knownHosts(), /swas-host-key/, 'a key the user trusted is not marked as verified');
    assert.equal(await strictLogin(alias), LocalSshd.loginUser());
  });

  test('man in the middle: the server has another host key than the one answering at its address: refused and said, the answering key not trusted, strict ssh still fails; Connect does not hand off', async () => {
    const { world } = sshds;
    await sshds.start();
    const alias = await createAndRestart('mitm-key');
    const answering = await answeringKey();
    // the server's own key, as Cloud Assistant reads it, is another one than the sshd at its address answers with
    const serversOwn = path.join(world.home, 'servers_own_host_key');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', serversOwn]);
    await fs.copyFile(`${serversOwn}.pub`, `${sshds.hostKeyFile()}.pub`);
    const ownKey = (await fs.readFile(`${serversOwn}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');

    const prompter = world.script({ answer: 'Run Script' });
    const outcome = await testConnection();
    const shown = shownText(prompter);
    assert.deepEqual(outcome, { kind: 'hostKeyUnknown', alias, after: undefined }, shown);
    const error = prompter.messages('error')[0];
    assert.ok(error?.text.includes(`The host key answering at ${sshds.knownHostsName()} is not the one web-1 has itself (read through Cloud Assistant): possible man in the middle.`), shown);
    assert.doesNotMatch(shown, /trust its host key\?/, 'no question that would let the answering key in');
    const known = await knownHosts();
    assert.ok(!known.includes(answering.split(' ')[1]), `the answering key is not in known_hosts: ${known}`);
    assert.deepEqual(
      (await linesForWeb1()).map((line) => line.split(' ').slice(1).join(' ')),
      [`${ownKey} swas-host-key`],
      "the server's own key stays pinned",
    );
    await assert.rejects(strictLogin(alias), /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);

    await fs.rm(knownHostsPath());
    const connecting = world.script();
    const connected = await vscode.commands.executeCommand<ConnectServerOutcome>('swas.connectServer', await serverNode(world.api.tree, DEMO_REGION_ID, 'web-1'));
    assert.deepEqual(connected, { kind: 'hostKeyMismatch' });
    assert.match(connecting.messages('error')[0]?.text ?? '', /possible man in the middle/);
  });
});
