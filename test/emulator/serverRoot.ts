import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { currentPrivilege, outsideUserName } from '../support/privilege';

const run = promisify(execFile);

/**
 * A demo Linux server's own files, in one folder (`serverRoot`):
 * - `home/`: root's home on the server (SWAS key pairs log in as root, docs/swas-api.md "Cloud Assistant");
 *   the attached key goes to `home/.ssh/authorized_keys`;
 * - `etc-ssh/`: the server's /etc/ssh, with its sshd host key `ssh_host_ed25519_key` (and `.pub`).
 * - `etc-passwd`: the server's /etc/passwd (see serverPasswd).
 * The test sshd playing the server uses both, and a RunCommand script sees them at /root and /etc/ssh.
 */
export function serverHome(serverRoot: string): string {
  return join(serverRoot, 'home');
}

export function serverEtcSsh(serverRoot: string): string {
  return join(serverRoot, 'etc-ssh');
}

export function serverAuthorizedKeysFile(serverRoot: string): string {
  return join(serverHome(serverRoot), '.ssh', 'authorized_keys');
}

export function serverHostKeyFile(serverRoot: string): string {
  return join(serverEtcSsh(serverRoot), 'ssh_host_ed25519_key');
}

/** The server's /etc/passwd: whom `getent passwd` (the product's scripts find a login user's home so) names. */
export function serverPasswdFile(serverRoot: string): string {
  return join(serverRoot, 'etc-passwd');
}

/**
 * root, home /root, as on a SWAS server; and when the tests run as a normal user, that user too, as uid 0 with
 * home /root: its sshd lets only that user in, and uid 0 of the script's user namespace is that user outside.
 * (The host's own passwd is no guide: the test host gives its user the test's HOME there, test/host/private-passwd.sh.)
 */
function serverPasswd(): string {
  // inside the test runner's `unshare -r` the process is uid 0 ("root"): the user sshd lets in is the one outside
  const user = currentPrivilege() === 'userNamespace' ? outsideUserName() : userInfo().username;
  return ['root:x:0:0:root:/root:/bin/sh', ...(user === 'root' ? [] : [`${user}:x:0:0::/root:/bin/sh`])].join('\n') + '\n';
}

/** Makes `serverRoot` with an empty home (`.ssh` 0700), its passwd and a fresh ed25519 host key, as a new server has. */
export async function createServerRoot(serverRoot: string): Promise<void> {
  await mkdir(join(serverHome(serverRoot), '.ssh'), { recursive: true, mode: 0o700 });
  await mkdir(serverEtcSsh(serverRoot), { recursive: true, mode: 0o755 });
  await writeFile(serverPasswdFile(serverRoot), serverPasswd(), { mode: 0o644 });
  if (!existsSync(serverHostKeyFile(serverRoot))) {
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'root@swas-emulator', '-f', serverHostKeyFile(serverRoot)]);
  }
}

/** Exit codes of the namespace setup itself (never the script's): told apart by the marker in the output. */
export const SETUP_FAILED = 125;
export const NO_WORKING_DIR = 124;
export const SETUP_MARKER = 'swas-emulator setup:';

/**
 * Bind-mounts the server's home on /root, its etc-ssh on /etc/ssh and its passwd on /etc/passwd, then runs the script with `sh -c` (dash
 * on Debian) as root with a clean environment. Runs inside a private mount namespace, so the binds exist for
 * this process tree only and the real /root and /etc/ssh are never the script's.
 */
const SETUP = [
  `mount --bind "$1/home" /root || { echo "${SETUP_MARKER} cannot bind the server home on /root" >&2; exit ${SETUP_FAILED}; }`,
  `mount --bind "$1/etc-ssh" /etc/ssh || { echo "${SETUP_MARKER} cannot bind the server etc-ssh on /etc/ssh" >&2; exit ${SETUP_FAILED}; }`,
  `mount --bind "$1/etc-passwd" /etc/passwd || { echo "${SETUP_MARKER} cannot bind the server passwd on /etc/passwd" >&2; exit ${SETUP_FAILED}; }`,
  `cd "$2" 2>/dev/null || { echo "${SETUP_MARKER} no directory $2" >&2; exit ${NO_WORKING_DIR}; }`,
  'exec env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/sh PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin sh -c "$3"',
].join('\n');

/**
 * `unshare -m` where this process may already mount (real root, or uid 0 of a user namespace such as the test
 * runner's `unshare -r -m`); `unshare -r -m` for a normal user, who gets a user namespace of its own. Either
 * way util-linux makes the new namespace's mounts private, so nothing leaks back.
 */
function unshareArgs(): string[] {
  return currentPrivilege() === 'user' ? ['--map-root-user', '--mount'] : ['--mount'];
}

export interface ScriptRun {
  /** The exit code; undefined when killed (timeout or emulator stop). */
  readonly exitCode: number | undefined;
  /** stdout and stderr as they came, cut at `outputLimit` bytes. */
  readonly output: Buffer;
  readonly timedOut: boolean;
}

export interface ScriptOptions {
  readonly serverRoot: string;
  readonly content: string;
  readonly workingDir: string;
  readonly timeoutMs: number;
  readonly outputLimit: number;
  readonly signal: AbortSignal;
}

/** Runs `content` as the server's root in a mount namespace of its own (see SETUP). */
export function runInServerRoot(options: ScriptOptions): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', [...unshareArgs(), 'sh', '-c', SETUP, 'swas-setup', options.serverRoot, options.workingDir, options.content], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // its own process group, so a timeout kills whatever the script started too
      detached: true,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    const collect = (chunk: Buffer): void => {
      const room = options.outputLimit - size;
      if (room > 0) {
        chunks.push(chunk.subarray(0, room));
        size += Math.min(room, chunk.length);
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let timedOut = false;
    const kill = (): void => {
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    options.signal.addEventListener('abort', kill, { once: true });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', kill);
      resolve({ exitCode: code ?? undefined, output: Buffer.concat(chunks), timedOut });
    });
  });
}
