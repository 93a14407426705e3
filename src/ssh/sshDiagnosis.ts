/** What a batch-mode `ssh <alias> exit 0` tells about the way to the server. */
export type SshDiagnosis =
  | { kind: 'ok' }
  /** Nothing listens, or a firewall answers with a reset. */
  | { kind: 'refused'; host?: string; port?: number }
  /** No answer in time: a firewall that drops, a server still starting, a wrong address. */
  | { kind: 'timeout'; host?: string; port?: number }
  | { kind: 'unreachable'; detail: string }
  | { kind: 'unresolved'; host?: string }
  /** The server refused every key offered; `methods` as sshd listed them, e.g. ["publickey"]. */
  | { kind: 'permissionDenied'; user?: string; methods: string[] }
  /** known_hosts holds another key for this host; `file`/`line` of the offending entry. */
  | { kind: 'hostKeyChanged'; fingerprint?: string; file?: string; line?: number; knownHostsName?: string }
  /** No known_hosts entry for this host (batch mode cannot ask). */
  | { kind: 'hostKeyUnknown' }
  /** `detail`: ssh's last lines, empty when it printed nothing. */
  | { kind: 'other'; detail: string; exitCode: number | null };

const CONNECT_FAILED = /^ssh: connect to host (\S+) port (\d+): (.+)$/m;

function lastLines(stderr: string, count: number): string {
  return stderr
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('@') && !/^Warning: Permanently added/.test(line))
    .slice(-count)
    .join(' ');
}

/**
 * Reads OpenSSH's own messages (sshconnect.c, sshconnect2.c, readconf.c), which are not
 * translated, into one diagnosis. `exitCode` 0 is success whatever ssh printed.
 */
export function diagnoseSsh(exitCode: number | null, stderr: string): SshDiagnosis {
  if (exitCode === 0) {
    return { kind: 'ok' };
  }
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for \S+ has changed/.test(stderr)) {
    const offending = /^Offending \S+ key in (.+):(\d+)\s*$/m.exec(stderr);
    const name = /Host key for (\S+) has changed/.exec(stderr)?.[1];
    const fingerprint = /^(SHA256:[A-Za-z0-9+/=]+)\.?\s*$/m.exec(stderr)?.[1];
    return { kind: 'hostKeyChanged', fingerprint, file: offending?.[1], line: offending ? Number(offending[2]) : undefined, knownHostsName: name };
  }
  if (/Host key verification failed\.|No \S+ host key is known for/.test(stderr)) {
    return { kind: 'hostKeyUnknown' };
  }
  const denied = /(?:^|\s)(?:(\S+)@\S+: )?Permission denied \(([^)]*)\)/m.exec(stderr);
  if (denied) {
    return { kind: 'permissionDenied', user: denied[1], methods: denied[2].split(',').map((m) => m.trim()).filter(Boolean) };
  }
  const connect = CONNECT_FAILED.exec(stderr);
  if (connect) {
    const [, host, port, reason] = connect;
    if (/Connection refused/i.test(reason)) {
      return { kind: 'refused', host, port: Number(port) };
    }
    if (/timed out/i.test(reason)) {
      return { kind: 'timeout', host, port: Number(port) };
    }
    return { kind: 'unreachable', detail: reason.trim() };
  }
  const timedOut = /^Connection to \S+ port \d+ timed out/m.exec(stderr);
  if (timedOut || /Connection timed out/i.test(stderr)) {
    const named = /^Connection to (\S+) port (\d+) timed out/m.exec(stderr);
    return { kind: 'timeout', host: named?.[1], port: named ? Number(named[2]) : undefined };
  }
  const unresolved = /Could not resolve hostname (\S+?):/.exec(stderr);
  if (unresolved) {
    return { kind: 'unresolved', host: unresolved[1] };
  }
  return { kind: 'other', detail: lastLines(stderr, 3), exitCode };
}
