import assert from 'node:assert/strict';
import { execFile } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import * as vscode from 'vscode';
import type { CreateKeyPairOutcome } from '../../../src/commands/createKeyPair';
import type { LoginCheckOutcome } from '../../../src/commands/testSshConnection';
import { DEMO_REGION_ID, DEMO_SERVERS } from '../../emulator/demo';
import { suiteOn } from '../../support/platform';
import { LocalSshd } from '../sshd';
import { sshdSuite } from '../sshdSuite';
import { serverNode } from '../treeSupport';
import { sshG, updateUserSetting, World } from '../world';
import { currentScenario } from './scenarios';

const run = promisify(execFile);
const WEB1 = DEMO_SERVERS.web1;
const TITLE = 'Remote-SSH provider: Microsoft, with remote.SSH.configFile set';

/**
 * `remote.SSH.configFile`, the setting Microsoft's Remote-SSH registers (its stand-in here does too), in a
 * folder with a space: the entry goes to that file, and Test SSH Connection runs ssh with -F on it, as
 * Remote-SSH does, pinning the host key Cloud Assistant read into the user's own ~/.ssh/known_hosts. HOME is the passwd home
 * (world.ts) and the login is checked with OpenSSH, against a real sshd playing web-1.
 */
if (currentScenario().titles.includes(TITLE)) {
  suiteOn(['linux'], TITLE, function () {
    this.timeout(120_000);
    const sshds = sshdSuite();
    let world: World;
    suiteSetup(() => (world = sshds.world));
    teardown(async () => updateUserSetting('remote.SSH', 'configFile', undefined));

    test('the entry goes there; Test SSH Connection pins the host key Cloud Assistant read and logs in with -F', async () => {
      const configFile = path.join(world.home, 'remote ssh', 'config');
      await updateUserSetting('remote.SSH', 'configFile', '~/remote ssh/config');
      await sshds.start(WEB1, configFile);
      const created = world.script({ type: ['remote-config'] }, { pick: 'web-1' }, { answer: 'Restart' }, { answer: 'Restart' }, { answer: undefined });
      const outcome = await vscode.commands.executeCommand<CreateKeyPairOutcome>('swas.createKeyPair', { regionId: DEMO_REGION_ID });
      await outcome.followUp;
      assert.equal(created.remaining, 0, created.shown.map((s) => s.text).join('\n'));
      const resolved = await sshG(configFile, outcome.alias!, world.home);
      assert.deepEqual(resolved.get('hostname'), [WEB1.publicIpAddress]);
      assert.equal(resolved.get('identityfile')?.[0], path.join(world.sshDir, 'remote-config.pem'));
      assert.ok(!(await fs.readFile(world.configPath, 'utf8').catch(() => '')).includes('remote-config'), '~/.ssh/config is left alone');

      const prompter = world.script({ answer: 'Run Script' }, { answer: undefined });
      const tested = await vscode.commands.executeCommand<LoginCheckOutcome>('swas.testSshConnection', await serverNode(world.api.tree, DEMO_REGION_ID, 'web-1'));
      assert.equal(tested?.kind, 'hostKeyUnknown', prompter.shown.map((s) => s.text).join('\n'));
      assert.match(prompter.lastMessage()?.text ?? '', /SSH login to web-1 works/, prompter.shown.map((s) => s.text).join('\n'));
      const known = path.join(world.sshDir, 'known_hosts');
      const { stdout } = await run('ssh-keygen', ['-F', sshds.knownHostsName(), '-f', known]);
      assert.match(stdout, /ssh-ed25519 \S+ swas-host-key$/m, 'the pinned key is in the known_hosts ssh reads, ~/.ssh/known_hosts');
      assert.deepEqual(await fs.readdir(path.dirname(world.home)), ['First Last'], 'nothing written beside the home (a path cut at its space)');

      assert.equal(await sshds.login(outcome.alias!, configFile), LocalSshd.loginUser());
    });
  });
}
