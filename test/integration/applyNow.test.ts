import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { CreateKeyPairOutcome } from '../../src/commands/createKeyPair';
import type { DetachOutcome } from '../../src/commands/detachKeyPair';
import type { DeleteOutcome } from '../../src/operations/delete';
import { keyPairNode } from './treeSupport';
import { DEMO_ACCESS_KEY_ID, DEMO_REGION_ID, DEMO_SERVERS } from '../emulator/demo';
import { createServerRoot, serverAuthorizedKeysFile } from '../emulator/serverRoot';
import { suiteOn } from '../support/platform';
import { LocalSshd } from './sshd';
import { sshdSuite } from './sshdSuite';

const WEB1 = DEMO_SERVERS.web1;
/** Lines a user already had on the server: another key with options, a comment, no final newline. */
const OTHER_LINES = '# deploy keys\ncommand="/usr/bin/uptime",no-pty ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB6fY0Ck6u6pU2c3l3v4H0lQ0m2xk7z8Wq1Kd3JrC9Zs deploy@ci';

/**
 * Apply Now: the key goes into authorized_keys through Cloud Assistant (the emulator really runs the script as
 * web-1's root, so the real sshd playing web-1 sees it), the host keys the script read are pinned, and plain
 * `ssh <alias>` logs in with StrictHostKeyChecking=yes and no earlier known_hosts, with no restart at all.
 */
suiteOn(['linux'], 'Apply Now: the key works at once through Cloud Assistant, the host key pinned', function () {
  this.timeout(120_000);
  const sshds = sshdSuite();

  const knownHostsPath = () => path.join(sshds.world.sshDir, 'known_hosts');

  async function createOnWeb1(name: string, ...afterCreate: Parameters<typeof sshds.world.script>): Promise<{ outcome: CreateKeyPairOutcome; shown: string; last?: { actions?: string[] } }> {
    const prompter = sshds.world.script({ type: [name] }, { pick: 'web-1' }, ...afterCreate);
    const outcome = await vscode.commands.executeCommand<CreateKeyPairOutcome>('swas.createKeyPair', { regionId: DEMO_REGION_ID });
    await outcome.followUp;
    const shown = prompter.shown.map((s) => `${s.kind}: ${s.text}`).join('\n');
    assert.equal(prompter.remaining, 0, shown);
    return { outcome, shown, last: prompter.lastMessage() };
  }

  /** `ssh` to web-1 with nothing but `privateKey`: whether that key still gets in, whatever the SSH config holds now. */
  async function keyLogin(privateKey: string): Promise<string> {
    const config = path.join(sshds.world.home, 'only-this-key');
    await fs.writeFile(config, `Host only-this-key\n  HostName ${WEB1.publicIpAddress}\n  Port ${sshds.sshdOf(WEB1).port}\n  User ${LocalSshd.loginUser()}\n  IdentityFile "${privateKey}"\n  IdentitiesOnly yes\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n`);
    return sshds.login('only-this-key', config);
  }

  /** The login `ssh` makes for `alias`, refusing any host key known_hosts does not hold. */
  async function strictLogin(alias: string): Promise<string> {
    await fs.appendFile(sshds.world.configPath, `\nHost ${alias}\n  StrictHostKeyChecking yes\n`);
    return sshds.login(alias);
  }

  test('Create with a server → Apply Now: ssh logs in with StrictHostKeyChecking=yes and no earlier known_hosts, no RebootInstance; the other lines stay byte for byte; the script run twice adds one line', async () => {
    const { world } = sshds;
    await fs.writeFile(sshds.authorizedKeys(), OTHER_LINES);
    await sshds.start(WEB1);
    await assert.rejects(fs.stat(knownHostsPath()), 'no known_hosts before');
    // RunCommand has no ClientToken: its answer lost after it acted, the client's retry runs the script again
    world.emulator.injectFault({ action: 'RunCommand', kind: 'dropAfterAct' });

    const { outcome, shown } = await createOnWeb1('apply-now-key', { answer: 'Apply Now' }, { answer: 'Run Script' }, { answer: undefined });
    assert.match(shown, /Apply it on web-1 now with Cloud Assistant \(no restart\)/);
    assert.match(shown, /Run this script as root on web-1 through Cloud Assistant\?/);
    assert.match(shown, /"apply-now-key" works on web-1 now, with no restart\./);
    assert.doesNotMatch(shown, /PRIVATE KEY/, 'the script shown holds no private key');
    assert.equal(world.emulator.invocations().length, 2, 'the script ran twice');

    const listed = world.emulator.keyPairs(DEMO_REGION_ID).find((k) => k.keyPairName === 'apply-now-key')!;
    const after = await fs.readFile(sshds.authorizedKeys(), 'utf8');
    assert.ok(after.startsWith(OTHER_LINES), 'the earlier lines are kept byte for byte');
    assert.equal(after.slice(OTHER_LINES.length), `\n${listed.publicKey.split(' ').slice(0, 2).join(' ')} swas-keypair:apply-now-key`, 'our line once');
    assert.match(await fs.readFile(knownHostsPath(), 'utf8'), / swas-host-key$/m, 'the host key is pinned, marked as ours');
    assert.equal(await strictLogin(outcome.alias!), LocalSshd.loginUser());
    assert.deepEqual(world.emulator.callsOf('RebootInstance'), [], 'no restart');
  });

  test('a server without a public IP: Apply Now puts the key there and pins nothing (its entry has no HostName yet)', async () => {
    const { world } = sshds;
    const serverRoot = path.join(world.serverRootsDir, 'private-1');
    await createServerRoot(serverRoot);
    world.emulator.addInstance(DEMO_REGION_ID, { instanceName: 'private-1', publicIpAddress: '', osType: 'Linux', serverRoot });
    const prompter = world.script({ type: ['no-ip-apply'] }, { pick: 'private-1' }, { answer: 'Apply Now' }, { answer: 'Run Script' }, { answer: undefined });
    const outcome = await vscode.commands.executeCommand<CreateKeyPairOutcome>('swas.createKeyPair', { regionId: DEMO_REGION_ID });
    await outcome.followUp;
    const shown = prompter.shown.map((s) => `${s.kind}: ${s.text}`).join('\n');
    assert.match(shown, /"no-ip-apply" works on private-1 now, with no restart\./);
    assert.match(await fs.readFile(serverAuthorizedKeysFile(serverRoot), 'utf8'), / swas-keypair:no-ip-apply$/m);
    await assert.rejects(fs.stat(knownHostsPath()), 'no known_hosts line for a host without an address');
  });

  for (const answer of ['rewrite', 'keep'] as const) {
    test(`restart rewrites authorized_keys: both answers (${answer}): after Apply Now, a later restart still lets the key in`, async () => {
      const { world } = sshds;
      world.emulator.setRestartAuthorizedKeys(answer);
      await sshds.start(WEB1);
      const { outcome } = await createOnWeb1(`apply-${answer}`, { answer: 'Apply Now' }, { answer: 'Run Script' }, { answer: undefined });
      assert.equal(await strictLogin(outcome.alias!), LocalSshd.loginUser());
      world.script({ answer: 'Restart' }, { answer: undefined });
      await vscode.commands.executeCommand('swas.restartServer', { regionId: DEMO_REGION_ID, instance: world.emulator.instances(DEMO_REGION_ID).find((i) => i.instanceId === WEB1.instanceId)! });
      assert.equal(world.emulator.instances(DEMO_REGION_ID).find((i) => i.instanceId === WEB1.instanceId)!.rebootCount, 1);
      assert.equal(await sshds.login(outcome.alias!), LocalSshd.loginUser(), 'the key the restart applies is the same one');
    });
  }

  test('fallbacks: no agent → no Apply Now, Restart as before; RunCommand refused by RAM → why, and Restart offered; swas.applyKeyWith restart → Cloud Assistant never asked', async () => {
    const { world } = sshds;
    world.emulator.setAgentRunning(WEB1.instanceId, false);
    const noAgent = await createOnWeb1('no-agent', { answer: undefined });
    assert.match(noAgent.shown, /Key pair "no-agent" is ready\. Restart web-1 for the key to take effect, then connect\./);
    assert.doesNotMatch(noAgent.shown, /Apply Now/);
    assert.equal(world.emulator.callsOf('RunCommand').length, 0);

    world.emulator.setAgentRunning(WEB1.instanceId, true);
    world.emulator.denyAction(DEMO_ACCESS_KEY_ID, 'RunCommand');
    const refused = await createOnWeb1('ram-refused', { answer: 'Apply Now' }, { answer: 'Run Script' }, { answer: undefined });
    assert.match(refused.shown, /Not applied: your RAM user may not use Cloud Assistant .*Restart for the key to take effect there\./);
    assert.deepEqual(refused.last?.actions, ['Restart']);
    assert.equal(world.emulator.invocations().length, 0);

    await world.configure({ applyKeyWith: 'restart' });
    try {
      const described = world.emulator.callsOf('DescribeCloudAssistantAttributes').length;
      const never = await createOnWeb1('restart-only', { answer: undefined });
      assert.match(never.shown, /Restart web-1 for the key to take effect, then connect\./);
      assert.equal(world.emulator.callsOf('DescribeCloudAssistantAttributes').length, described, 'not asked');
    } finally {
      await world.configure({ applyKeyWith: undefined });
    }
    assert.deepEqual(world.emulator.callsOf('RebootInstance'), []);
  });
  test('Detach → Remove Now: the key stops logging in at once, no RebootInstance, the other lines byte for byte; Delete takes it off the same way', async () => {
    const { world } = sshds;
    await fs.writeFile(sshds.authorizedKeys(), OTHER_LINES);
    await sshds.start(WEB1);
    const { outcome } = await createOnWeb1('detach-now', { answer: 'Apply Now' }, { answer: 'Run Script' }, { answer: undefined });
    assert.equal(await strictLogin(outcome.alias!), LocalSshd.loginUser());
    // after a restart the cloud's own line for the pair is there too (no marker): Remove Now takes both
    const listed = world.emulator.keyPairs(DEMO_REGION_ID).find((k) => k.keyPairName === 'detach-now')!;
    await fs.appendFile(sshds.authorizedKeys(), `\n${listed.publicKey}`);

    const detach = world.script({ picks: ['web-1'] }, { answer: 'Detach' }, { answer: 'Remove Now' });
    const detached = await vscode.commands.executeCommand<DetachOutcome>('swas.detachKeyPair', await keyPairNode(world.api.tree, DEMO_REGION_ID, 'detach-now'));
    const shown = detach.shown.map((s) => `${s.kind}: ${s.text}`).join('\n');
    assert.equal(detach.remaining, 0, shown);
    assert.match(shown, /Remove Now takes its key off web-1 with Cloud Assistant, with no restart\./);
    assert.match(shown, /"detach-now" no longer logs in to web-1, with no restart\./);
    assert.deepEqual(detached.removed?.map((r) => r.removed && r.count), [2]);
    assert.equal(await fs.readFile(sshds.authorizedKeys(), 'utf8'), OTHER_LINES, 'only the lines of the pair went');
    await assert.rejects(keyLogin(outcome.privateKeyPath!), /Permission denied/, 'the detached key is refused at once');
    assert.deepEqual(world.emulator.callsOf('RebootInstance'), [], 'no restart');

    // Delete of another pair on web-1: Detach and Continue takes its key off too, with no question beyond Detach's
    const second = await createOnWeb1('delete-now', { answer: 'Apply Now' }, { answer: undefined });
    assert.equal(await keyLogin(second.outcome.privateKeyPath!), LocalSshd.loginUser());
    const remove = world.script({ answer: 'Detach and Continue…' }, { answer: 'Detach' }, { answer: 'Delete' }, { answer: 'Remove These' });
    const deleted = await vscode.commands.executeCommand<DeleteOutcome>('swas.deleteKeyPair', await keyPairNode(world.api.tree, DEMO_REGION_ID, 'delete-now'));
    const removeShown = remove.shown.map((s) => `${s.kind}: ${s.text}`).join('\n');
    assert.equal(remove.remaining, 0, removeShown);
    assert.ok(deleted.deleted, removeShown);
    assert.match(removeShown, /"delete-now" no longer logs in to web-1, with no restart\./);
    assert.equal(await fs.readFile(sshds.authorizedKeys(), 'utf8'), OTHER_LINES);
    assert.deepEqual(world.emulator.callsOf('RebootInstance'), []);
  });

  test('Detach where Cloud Assistant does not run: Restart offered as before; Delete says the key logs in until a restart', async () => {
    const { world } = sshds;
    await sshds.start(WEB1);
    const { outcome } = await createOnWeb1('detach-later', { answer: 'Apply Now' }, { answer: 'Run Script' }, { answer: undefined });
    world.emulator.setAgentRunning(WEB1.instanceId, false);
    const detach = world.script({ picks: ['web-1'] }, { answer: 'Detach' }, { answer: undefined });
    await vscode.commands.executeCommand('swas.detachKeyPair', await keyPairNode(world.api.tree, DEMO_REGION_ID, 'detach-later'));
    assert.deepEqual(detach.lastMessage()?.actions, ['Restart Servers…']);
    assert.doesNotMatch(detach.lastMessage()!.text, /Remove Now/);
    assert.equal(await keyLogin(outcome.privateKeyPath!), LocalSshd.loginUser(), 'until the restart, the key still logs in');

    const second = await createOnWeb1('delete-later', { answer: 'Restart' }, { answer: 'Restart' }, { answer: undefined });
    assert.equal(await keyLogin(second.outcome.privateKeyPath!), LocalSshd.loginUser());
    const remove = world.script({ answer: 'Detach and Continue…' }, { answer: 'Detach' }, { answer: 'Delete' }, { answer: 'Remove These' });
    await vscode.commands.executeCommand('swas.deleteKeyPair', await keyPairNode(world.api.tree, DEMO_REGION_ID, 'delete-later'));
    assert.ok(remove.messages('warning').some((m) => /Not removed: Cloud Assistant is not running on web-1\. "delete-later" logs in there until a restart\./.test(m.text)), remove.shown.map((s) => s.text).join('\n'));
  });
  test('Attach and Replace → Apply Now: the new key works at once and the key pair it replaced no longer logs in, with no restart', async () => {
    const { world } = sshds;
    await fs.writeFile(sshds.authorizedKeys(), OTHER_LINES);
    await sshds.start(WEB1);
    const first = await createOnWeb1('first-key', { answer: 'Apply Now' }, { answer: 'Run Script' }, { answer: undefined });
    assert.equal(await keyLogin(first.outcome.privateKeyPath!), LocalSshd.loginUser());
    const created = world.script({ type: ['second-key'] }, { pick: 'Skip' });
    const second = await vscode.commands.executeCommand<CreateKeyPairOutcome>('swas.createKeyPair', { regionId: DEMO_REGION_ID });
    await second.followUp;
    assert.equal(created.remaining, 0, created.shown.map((s) => s.text).join('\n'));

    const attach = world.script({ picks: ['web-1'] }, { answer: 'Attach and Replace' }, { answer: 'Apply Now' }, { answer: undefined });
    await vscode.commands.executeCommand('swas.attachKeyPair', await keyPairNode(world.api.tree, DEMO_REGION_ID, 'second-key'));
    const shown = attach.shown.map((s) => `${s.kind}: ${s.text}`).join('\n');
    assert.equal(attach.remaining, 0, shown);
    assert.match(shown, /"first-key", which it replaced, no longer logs in to web-1\./);
    assert.equal(await keyLogin(second.privateKeyPath!), LocalSshd.loginUser(), 'the new key works at once');
    await assert.rejects(keyLogin(first.outcome.privateKeyPath!), /Permission denied/, 'the replaced key is refused at once');
    const after = await fs.readFile(sshds.authorizedKeys(), 'utf8');
    assert.ok(after.startsWith(OTHER_LINES), 'the earlier lines are kept byte for byte');
    assert.deepEqual(world.emulator.callsOf('RebootInstance'), []);
  });
});
