import SSHConfig, { LineType, type Line } from 'ssh-config';
import { runProcess, type ProcessResult } from './process';

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
