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
import { suiteOn } from '../support/platform';
import { asOutsideUser, currentPrivilege, outsideUserName } from '../support/privilege';
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

/** A port nothing listens on at `host` now. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject).listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The end of the story, with real OpenSSH on both sides: a real sshd plays web-1 (on its
 * "public IP" 127.0.0.2), trusting exactly what the emulator's AttachKeyPair wrote, and the
 * client logs in using only the SSH config entry and key file the extension wrote.
 * Real root runs sshd on port 22; anyone else on a free high port (given to ssh with -o Port, which wins over the
 * config), and a normal user's run, uid 0 only inside `unshare -r`, starts sshd in a nested user namespace as that
 * user again: sshd as uid 0 would switch to its `sshd` user, which is not mapped there. sshd run by a user lets in
 * only that user.
 */
suiteOn(['linux'], 'Real login: create, attach, then ssh into a local sshd', function () {
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

  const privilege = currentPrivilege();
  /** Who logs in: the user sshd runs as. */
  const loginUser = () => (privilege === 'userNamespace' ? outsideUserName() : os.userInfo().username);
  let port = 22;

  /** A real sshd playing web-1 on its public IP, trusting only what AttachKeyPair wrote; sshd's own default MaxAuthTries (6). */
  async function startSshd(): Promise<{ dir: string; log: () => string }> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'swas-sshd-'));
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
    const host = DEMO_SERVERS.web1.publicIpAddress;
    port = privilege === 'root' ? 22 : await freePort(host);
    await fs.writeFile(
      path.join(dir, 'sshd_config'),
      [
        `ListenAddress ${host}:${port}`,
        `HostKey ${path.join(dir, 'host_key')}`,
        `PidFile ${path.join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${authorizedKeys()}`,
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        'UsePAM no',
        // The authorized_keys file lives under /tmp (mode 1777), which StrictModes would refuse.
        'StrictModes no',
        '',
      ].join('\n'),
    );
    // root's sshd runs its pre-authentication child chrooted there
    if (privilege === 'root') await fs.mkdir('/run/sshd', { recursive: true });
    let sshdLog = '';
    const sshdArgs = ['-D', '-e', '-f', path.join(dir, 'sshd_config')];
    const command = privilege === 'userNamespace' ? asOutsideUser(SSHD, sshdArgs) : { command: SSHD, args: sshdArgs };
    sshd = spawn(command.command, command.args, { stdio: ['ignore', 'ignore', 'pipe'] });
    sshd.stderr?.on('data', (d) => (sshdLog += d));
    await waitForPort(host, port, Date.now() + 10_000).catch((e) => {
      throw new Error(`${e.message}\n${sshdLog}`);
    });
    return { dir, log: () => sshdLog };
  }

  const authorizedKeys = () => path.join(world.authorizedKeysDir, 'web-1', 'authorized_keys');

  /** `ssh <alias> echo logged-in-as $(id -un)` with the user's config only, no agent. */
  function login(alias: string, dir: string) {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: world.home };
    delete env.SSH_AUTH_SOCK;
    return run(
      'ssh',
      ['-F', world.configPath, '-o', `Port=${port}`, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', `UserKnownHostsFile=${path.join(dir, 'known_hosts')}`, alias, 'echo', 'logged-in-as', '$(id -un)'],
      { env, timeout: 20_000 },
    );
  }

  async function createAndAttach(): Promise<CreateKeyPairOutcome> {
    const name = `login-${Date.now().toString(36)}`;
    world.script({ pick: DEMO_REGION_ID }, { type: [name] }, { pick: 'web-1' });
    const outcome = await vscode.commands.executeCommand<CreateKeyPairOutcome>('swas.createKeyPair');
    assert.ok(outcome?.alias, 'an SSH host entry was written');
    assert.ok((await fs.readFile(authorizedKeys(), 'utf8')).startsWith('ssh-rsa '), 'AttachKeyPair put the public key on the server');
    return outcome;
  }

  test('ssh -F <config> swas-<name> true logs in with the new key', async () => {
    await world.reset();
    const user = loginUser();
    await world.configure({ defaultUser: user });
    const { dir, log } = await startSshd();
    const outcome = await createAndAttach();
    const { stdout } = await login(outcome.alias!, dir).catch((e) => {
      throw new Error(`ssh failed: ${e.stderr ?? e.message}\nsshd: ${log()}`);
    });
    assert.strictEqual(stdout.trim(), `logged-in-as ${user}`);
  });

  test('six unrelated keys offered to every host in the user\'s config: ours is still offered first and the login works', async () => {
    await world.reset();
    const user = loginUser();
    await world.configure({ defaultUser: user });
    const { dir, log } = await startSshd();
    // Six real keys the server does not know, each offered to every host by a top-level line
    // (as dotfiles often do): one more failure than sshd's default MaxAuthTries allows before ours.
    await fs.mkdir(world.sshDir, { recursive: true, mode: 0o700 });
    const unrelated: string[] = [];
    for (let index = 1; index <= 6; index++) {
      const file = path.join(world.sshDir, `id_unrelated_${index}`);
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `unrelated-${index}`, '-f', file]);
      unrelated.push(file);
    }
    const userConfig = `${unrelated.map((file) => `IdentityFile ${file}`).join('\n')}\n\nHost web-1-direct\n  HostName ${DEMO_SERVERS.web1.publicIpAddress}\n  User ${user}\n`;
    await fs.writeFile(world.configPath, userConfig, { mode: 0o600 });
    await assert.rejects(login('web-1-direct', dir), (e: { stderr?: string }) => /Too many authentication failures|Permission denied/.test(e.stderr ?? ''),
      'the six keys are real keys this sshd rejects');

    const outcome = await createAndAttach();
    const { stdout } = await login(outcome.alias!, dir).catch((e) => {
      throw new Error(`ssh failed: ${e.stderr ?? e.message}\nsshd: ${log()}`);
    });
    assert.strictEqual(stdout.trim(), `logged-in-as ${user}`);
    assert.ok((await fs.readFile(world.configPath, 'utf8')).endsWith(userConfig), 'the user\'s lines are kept as they were');
  });
});
