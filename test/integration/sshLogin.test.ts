import * as assert from 'assert';
import { ChildProcess, execFile, spawn } from 'child_process';
import { promises as fs, existsSync } from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import * as vscode from 'vscode';
import type { CreateKeyPairOutcome } from '../../src/commands/createKeyPair';
import { DEMO_REGION_ID, DEMO_SERVERS } from '../emulator/demo';
import { World } from './world';

const run = promisify(execFile);
const SSHD = '/usr/sbin/sshd';

async function waitForPort(host: string, port: number, deadline: number): Promise<void> {
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, host, () => resolve(true));
      socket.on('error', () => resolve(false));
    }).catch(() => false);
    if (open) return;
    if (Date.now() > deadline) throw new Error(`sshd did not listen on ${host}:${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The end of the story, with real OpenSSH on both sides: a real sshd plays web-1 (on its
 * "public IP" 127.0.0.2), trusting exactly what the emulator's AttachKeyPair wrote, and the
 * client logs in using only the SSH config entry and key file the extension wrote.
 */
suite('Real login: create, attach, then ssh into a local sshd', function () {
  this.timeout(120_000);
  let world: World;
  let sshd: ChildProcess | undefined;

  suiteSetup(async () => {
    assert.ok(existsSync(SSHD), `${SSHD} is missing: install openssh-server (test/host/install.sh does)`);
    world = await World.start();
  });
  suiteTeardown(async () => world?.stop());
  teardown(() => {
    sshd?.kill('SIGTERM');
    sshd = undefined;
  });

  test('ssh -F <config> swas-<name> true logs in with the new key', async () => {
    await world.reset();
    const user = os.userInfo().username;
    await world.configure({ defaultUser: user });
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'swas-sshd-'));
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
    const authorizedKeys = path.join(world.authorizedKeysDir, 'web-1', 'authorized_keys');
    const host = DEMO_SERVERS.web1.publicIpAddress;
    await fs.writeFile(
      path.join(dir, 'sshd_config'),
      [
        `ListenAddress ${host}:22`,
        `HostKey ${path.join(dir, 'host_key')}`,
        `PidFile ${path.join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${authorizedKeys}`,
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        'UsePAM no',
        // The authorized_keys file lives under /tmp (mode 1777), which StrictModes would refuse.
        'StrictModes no',
        '',
      ].join('\n'),
    );
    await fs.mkdir('/run/sshd', { recursive: true });
    let sshdLog = '';
    sshd = spawn(SSHD, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    sshd.stderr?.on('data', (d) => (sshdLog += d));
    await waitForPort(host, 22, Date.now() + 10_000).catch((e) => {
      throw new Error(`${e.message}\n${sshdLog}`);
    });

    const name = `login-${Date.now().toString(36)}`;
    world.script({ pick: DEMO_REGION_ID }, { type: [name] }, { pick: 'web-1' });
    const outcome = await vscode.commands.executeCommand<CreateKeyPairOutcome>('swas.createKeyPair');
    assert.ok(outcome?.alias, 'an SSH host entry was written');
    assert.ok((await fs.readFile(authorizedKeys, 'utf8')).startsWith('ssh-rsa '), 'AttachKeyPair put the public key on the server');

    const { stdout } = await run(
      'ssh',
      ['-F', world.configPath, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', `UserKnownHostsFile=${path.join(dir, 'known_hosts')}`, outcome.alias, 'echo', 'logged-in-as', '$(id -un)'],
      { env: { ...process.env, HOME: world.home }, timeout: 20_000 },
    ).catch((e) => {
      throw new Error(`ssh failed: ${e.stderr ?? e.message}\nsshd: ${sshdLog}`);
    });
    assert.strictEqual(stdout.trim(), `logged-in-as ${user}`);
  });
});
