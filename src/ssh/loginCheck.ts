import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runProcess } from './process';
import { diagnoseSsh, SshDiagnosis } from './sshDiagnosis';
import { splitPathList } from './sshGValues';
import { sshG } from './sshVerify';

export interface LoginCheckOptions {
  /**
   * `remote.SSH.configFile`, which Remote-SSH passes to ssh with -F. Unset, ssh reads the user's
   * `~/.ssh/config` and then the system's `ssh_config`, as the plain `ssh <alias>` Remote-SSH runs does.
   */
  configFile: string | undefined;
  connectTimeoutSeconds: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * `ssh [-F <remote.SSH.configFile>] -o BatchMode=yes -o ConnectTimeout=<n> <alias> exit 0`, the ssh
 * Remote-SSH would run: no prompt can hang it, and the remote command proves a shell opens. Returns
 * the diagnosis and ssh's stderr.
 */
export async function checkLogin(alias: string, options: LoginCheckOptions): Promise<{ diagnosis: SshDiagnosis; stderr: string }> {
  const args = [...(options.configFile ? ['-F', options.configFile] : []), '-o', 'BatchMode=yes', '-o', `ConnectTimeout=${options.connectTimeoutSeconds}`, '--', alias, 'exit', '0'];
  // Past ConnectTimeout ssh may still wait in the key exchange; the process limit bounds the whole check.
  try {
    const result = await runProcess('ssh', args, { env: options.env, timeoutMs: (options.connectTimeoutSeconds + 20) * 1000 });
    return { diagnosis: diagnoseSsh(result.code, result.stderr), stderr: result.stderr };
  } catch (error) {
    if ((error as { killed?: boolean }).killed) {
      return { diagnosis: { kind: 'timeout' }, stderr: '' };
    }
    throw error;
  }
}

export interface SshTarget {
  hostName: string;
  port: number;
  user: string;
  /** The user's known_hosts files OpenSSH reads, in order. */
  knownHostsFiles: string[];
  /** The first of them: the one OpenSSH adds new host keys to. */
  knownHostsFile: string;
  hashKnownHosts: boolean;
}

/** Where OpenSSH looks for `alias`: its address, port, known_hosts files and whether it hashes names. */
export async function sshTarget(alias: string, configFile: string | undefined, env?: NodeJS.ProcessEnv): Promise<SshTarget> {
  const resolved = await sshG(alias, configFile, { env });
  const first = (key: string) => resolved.get(key)?.[0] ?? '';
  const knownHostsFiles = splitPathList(first('userknownhostsfile'));
  return {
    hostName: first('hostname'),
    port: Number(first('port') || '22'),
    user: first('user'),
    knownHostsFiles,
    knownHostsFile: knownHostsFiles[0] ?? '',
    hashKnownHosts: first('hashknownhosts') === 'yes',
  };
}

/** The name known_hosts uses for a host: `host`, or `[host]:port` off port 22. */
export function knownHostsName(hostName: string, port: number): string {
  return port === 22 ? hostName : `[${hostName}]:${port}`;
}

export interface ScannedHostKeys {
  /** known_hosts lines, as ssh-keyscan printed them. */
  lines: string[];
  /** `SHA256:… (ED25519)` for each key, as ssh-keygen -l prints it. */
  fingerprints: string[];
}

/** The server's host keys (`ssh-keyscan`) and their fingerprints (`ssh-keygen -lf -`). */
export async function scanHostKeys(hostName: string, port: number, hashed: boolean, timeoutSeconds: number): Promise<ScannedHostKeys> {
  const scanned = await runProcess('ssh-keyscan', ['-T', String(timeoutSeconds), '-p', String(port), ...(hashed ? ['-H'] : []), hostName], { timeoutMs: (timeoutSeconds + 10) * 1000 });
  const lines = scanned.stdout.split(/\r?\n/).filter((line) => line.trim() && !line.startsWith('#'));
  if (lines.length === 0) {
    return { lines, fingerprints: [] };
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'swas-hostkeys-'));
  let listed;
  try {
    const file = path.join(dir, 'scanned');
    await fs.writeFile(file, `${lines.join('\n')}\n`);
    listed = await runProcess('ssh-keygen', ['-l', '-f', file], { timeoutMs: 10_000 });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
  const fingerprints = listed.stdout
    .split(/\r?\n/)
    .map((line) => /^\d+\s+(SHA256:\S+)\s+.*\((\S+)\)\s*$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]} (${m[2]})`);
  return { lines, fingerprints: [...new Set(fingerprints)] };
}

/** Appends accepted host key lines to `file` (created 0600 with its folder 0700 when missing). */
export async function addKnownHosts(file: string, lines: string[]): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  let existing = '';
  try {
    existing = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const separator = existing === '' || existing.endsWith('\n') ? '' : '\n';
  await fs.appendFile(file, `${separator}${lines.join('\n')}\n`, { mode: 0o600 });
}
