import { ChildProcess, execFile, spawn } from 'child_process';
import { existsSync, promises as fs } from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { asOutsideUser, currentPrivilege, outsideUserName } from '../support/privilege';

const run = promisify(execFile);
export const SSHD = '/usr/sbin/sshd';

async function waitForPort(host: string, port: number, deadline: number): Promise<void> {
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, host, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`sshd did not listen on ${host}:${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A port nothing listens on at `host` now. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject).listen(0, host, () => {
      const { port } = (server.address() as net.AddressInfo);
      server.close(() => resolve(port));
    });
  });
}

/**
 * A real sshd playing a server on its "public IP", trusting only `authorizedKeysFile` (what the
 * emulator writes for that server) and presenting `hostKeyFile` (the server root's, which RunCommand
 * scripts read at /etc/ssh; a fresh one when not given); sshd's own default MaxAuthTries (6). Real root runs it on port
 * 22; anyone else on a free high port, and a normal user's run (uid 0 only inside `unshare -r`)
 * starts it in a nested user namespace as that user again: sshd as uid 0 would switch to its `sshd`
 * user, which is not mapped there. An sshd run by a user lets in only that user.
 */
export class LocalSshd {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly dir: string,
    readonly hostKeyFile: string,
    private readonly output: { text: string },
  ) {}

  /** Who can log in: the user sshd runs as. */
  static loginUser(): string {
    return currentPrivilege() === 'userNamespace' ? outsideUserName() : os.userInfo().username;
  }

  static available(): boolean {
    return existsSync(SSHD);
  }

  /** `port`: where a server that comes back listens again (the port its earlier sshd had, which the user's config names). */
  static async start(host: string, authorizedKeysFile: string, port?: number, hostKeyFile?: string): Promise<LocalSshd> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'swas-sshd-'));
    const privilege = currentPrivilege();
    port ??= privilege === 'root' ? 22 : await freePort(host);
    if (hostKeyFile === undefined) {
      hostKeyFile = path.join(dir, 'host_key');
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKeyFile]);
    }
    await fs.writeFile(
      path.join(dir, 'sshd_config'),
      [
        `ListenAddress ${host}:${port}`,
        `HostKey ${hostKeyFile}`,
        `PidFile ${path.join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${authorizedKeysFile}`,
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        'UsePAM no',
        // The authorized_keys file lives under /tmp (mode 1777) and is owned by the test user, which StrictModes would refuse.
        'StrictModes no',
        '',
      ].join('\n'),
    );
    // root's sshd runs its pre-authentication child chrooted there
    if (privilege === 'root') await fs.mkdir('/run/sshd', { recursive: true });
    const output = { text: '' };
    const sshdArgs = ['-D', '-e', '-f', path.join(dir, 'sshd_config')];
    const command = privilege === 'userNamespace' ? asOutsideUser(SSHD, sshdArgs) : { command: SSHD, args: sshdArgs };
    const child = spawn(command.command, command.args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d) => (output.text += d));
    await waitForPort(host, port, Date.now() + 10_000).catch((e) => {
      child.kill('SIGTERM');
      throw new Error(`${e.message}\n${output.text}`);
    });
    return new LocalSshd(child, port, dir, hostKeyFile, output);
  }

  get log(): string {
    return this.output.text;
  }

  /** `SHA256:…` of the host key, as ssh-keygen prints it. */
  async fingerprint(): Promise<string> {
    const { stdout } = await run('ssh-keygen', ['-l', '-f', `${this.hostKeyFile}.pub`]);
    return stdout.split(' ')[1];
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
