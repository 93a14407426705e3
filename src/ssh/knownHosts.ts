import { createHmac, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import SSHConfig, { LineType, type Line } from 'ssh-config';
import { errnoCode } from './errno';
import { publicKeyParts } from './keyFormat';
import { knownHostsName } from './loginCheck';
import { runProcess, type ProcessResult } from './process';
import { renameWithRetry } from './renameRetry';
import { tempPathFor, writeFileDurably } from './sshConfigFile';

export interface KnownHostsRemoval {
  /** Hosts whose lines were removed. */
  removed: string[];
  /** Hosts that had no line in the file. */
  absent: string[];
}

function runSshKeygen(args: string[]): Promise<ProcessResult> {
  return runProcess('ssh-keygen', args, { timeoutMs: 10_000 });
}

/** Whether `ssh-keygen` is on PATH. */
export async function sshKeygenAvailable(): Promise<boolean> {
  try {
    await runSshKeygen(['-?']);
    return true;
  } catch {
    return false;
  }
}

/** The hosts among `hosts` that have a line in `knownHostsPath` (hashed lines included: ssh-keygen -F matches those). */
export async function hostsInKnownHosts(hosts: string[], knownHostsPath: string): Promise<string[]> {
  const found: string[] = [];
  for (const host of hosts) {
    const { code, stdout } = await runSshKeygen(['-F', host, '-f', knownHostsPath]);
    if (code === 0 && stdout.trim() !== '') {
      found.push(host);
    }
  }
  return found;
}

/**
 * Removes every `known_hosts` line for each host with `ssh-keygen -R`, which understands hashed
 * entries and keeps the previous file as `<file>.old`.
 */
export async function removeFromKnownHosts(hosts: string[], knownHostsPath: string): Promise<KnownHostsRemoval> {
  const result: KnownHostsRemoval = { removed: [], absent: [] };
  for (const host of hosts) {
    const present = await hostsInKnownHosts([host], knownHostsPath);
    if (present.length === 0) {
      result.absent.push(host);
      continue;
    }
    const { code, stderr } = await runSshKeygen(['-R', host, '-f', knownHostsPath]);
    if (code !== 0) {
      throw new Error(`ssh-keygen -R ${host} failed: ${stderr.trim() || `exit ${code}`}`);
    }
    result.removed.push(host);
  }
  return result;
}

/**
 * The hosts among `candidates` that the SSH config names nowhere but in `ownHostNames` (the HostName
 * lines of the block about to go): a `Host` or `HostName` elsewhere still connects to them, and
 * ssh trusts that connection through the same known_hosts line. An unparsable config keeps them all.
 */
export function hostsNamedNowhereElse(configText: string, candidates: string[], ownHostNames: string[]): string[] {
  const named = new Map<string, number>();
  const count = (name: string) => named.set(name.toLowerCase(), (named.get(name.toLowerCase()) ?? 0) + 1);
  const visit = (lines: Line[]) => {
    for (const line of lines) {
      if (line.type !== LineType.DIRECTIVE) {
        continue;
      }
      const keyword = line.param.toLowerCase();
      if (keyword === 'host' || keyword === 'hostname') {
        (Array.isArray(line.value) ? line.value.map((part) => part.val) : [line.value]).forEach(count);
      }
      if ('config' in line) {
        visit(line.config);
      }
    }
  };
  try {
    visit(SSHConfig.parse(configText));
  } catch {
    return [];
  }
  const own = (host: string) => ownHostNames.filter((name) => name.toLowerCase() === host.toLowerCase()).length;
  return candidates.filter((host) => (named.get(host.toLowerCase()) ?? 0) <= own(host));
}

/**
 * The comment that ends a known_hosts line this extension pinned from the host keys Cloud Assistant read on
 * the server itself (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT": a comment may follow the key).
 */
export const PINNED_HOST_KEY_MARKER = 'swas-host-key';

export interface PinResult {
  /** `<type> <base64>` of the keys written now. */
  added: string[];
  /** Keys that already had our line for this host. */
  alreadyPinned: string[];
  /** Our earlier lines for this host with a key the server no longer has, removed. */
  replaced: number;
}

/** `|1|salt|hash` of `name`, as OpenSSH hashes known_hosts names (HashKnownHosts). */
function hashedName(name: string, salt: Buffer): string {
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

/** Whether a known_hosts host field is exactly `name`, in clear or hashed (a list or pattern is never ours). */
function isHostField(field: string, name: string): boolean {
  const hashed = /^\|1\|([^|]+)\|([^|]+)$/.exec(field);
  return hashed ? hashedName(name, Buffer.from(hashed[1], 'base64')) === field : field === name;
}

/** The `<type> <base64>` of one of our pinned lines for `name`; undefined for any other line. */
function ourPinnedKey(line: string, name: string): string | undefined {
  const fields = line.replace(/\r$/, '').trim().split(/\s+/);
  if (fields.length !== 4 || fields[3] !== PINNED_HOST_KEY_MARKER || !isHostField(fields[0], name)) {
    return undefined;
  }
  const key = publicKeyParts(fields.slice(1, 3).join(' '));
  return key && `${key.type} ${key.base64}`;
}

/**
 * Writes verified host keys for `hostName` (`[hostName]:port` off port 22, as OpenSSH names it) into
 * `knownHostsFile`, each line ending with our marker; hashed when `hashed` (the user's HashKnownHosts). Our
 * earlier lines for the host with other keys go; every other line stays byte for byte. The new text replaces
 * the file at once (temp file in its folder, its mode and owner, then rename); nothing is written when every
 * key is pinned already.
 */
export async function pinHostKeys(knownHostsFile: string, hostName: string, port: number, hostKeys: string[], options: { hashed: boolean }): Promise<PinResult> {
  const name = knownHostsName(hostName, port);
  const wanted = [...new Set(hostKeys.map((line) => publicKeyParts(line)).filter((k) => k !== undefined).map((k) => `${k.type} ${k.base64}`))];
  if (wanted.length === 0) {
    throw new Error(`No valid host key to pin for ${name}.`);
  }
  let text = '';
  let stat: { mode: number; uid?: number; gid?: number } = { mode: 0o600 };
  try {
    text = await fs.readFile(knownHostsFile, 'utf8');
    const found = await fs.stat(knownHostsFile);
    stat = { mode: found.mode & 0o7777, uid: found.uid, gid: found.gid };
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
  }
  const result: PinResult = { added: [], alreadyPinned: [], replaced: 0 };
  const kept: string[] = [];
  for (const line of text.split(/(?<=\n)/)) {
    const ours = ourPinnedKey(line, name);
    if (ours !== undefined && !wanted.includes(ours)) {
      result.replaced++;
      continue;
    }
    if (ours !== undefined && !result.alreadyPinned.includes(ours)) {
      result.alreadyPinned.push(ours);
    }
    kept.push(line);
  }
  result.added = wanted.filter((key) => !result.alreadyPinned.includes(key));
  if (result.added.length === 0 && result.replaced === 0) {
    return result;
  }
  const hostField = () => (options.hashed ? hashedName(name, randomBytes(20)) : name);
  const keptText = kept.join('');
  const separator = keptText === '' || keptText.endsWith('\n') ? '' : '\n';
  const newLines = result.added.map((key) => `${hostField()} ${key} ${PINNED_HOST_KEY_MARKER}\n`).join('');
  await fs.mkdir(path.dirname(knownHostsFile), { recursive: true, mode: 0o700 });
  const temp = tempPathFor(knownHostsFile);
  try {
    await writeFileDurably(temp, `${keptText}${newLines === '' ? '' : separator}${newLines}`, stat.mode, stat);
    await renameWithRetry(temp, knownHostsFile);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  return result;
}

export type HostKeyComparison =
  | { kind: 'match' }
  /** The server answered with another key of a type we pinned: possibly a man in the middle. */
  | { kind: 'mismatch'; keyType: string }
  /** No key type in common, so nothing could be compared. */
  | { kind: 'noCommonType' };

/**
 * Compares the host keys Cloud Assistant read on the server (`pinned`, `<type> <base64>`) with what the
 * network answers (`scanned`, ssh-keyscan's known_hosts lines): a key of a common type that differs is a
 * mismatch, even when another type matches.
 */
export function compareHostKeys(pinned: string[], scanned: string[]): HostKeyComparison {
  const byType = (lines: string[]) => {
    const keys = new Map<string, Set<string>>();
    for (const key of lines.map((line) => publicKeyParts(line)).filter((k) => k !== undefined)) {
      keys.set(key.type, (keys.get(key.type) ?? new Set()).add(key.base64));
    }
    return keys;
  };
  const known = byType(pinned);
  let common = false;
  for (const [type, keys] of byType(scanned)) {
    const expected = known.get(type);
    if (!expected) continue;
    common = true;
    if ([...keys].some((key) => !expected.has(key))) {
      return { kind: 'mismatch', keyType: type };
    }
  }
  return common ? { kind: 'match' } : { kind: 'noCommonType' };
}
