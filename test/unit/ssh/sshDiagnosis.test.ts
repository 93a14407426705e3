import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { diagnoseSsh } from '../../../src/ssh/sshDiagnosis';

// stderr as OpenSSH 9.2p1 printed it for `ssh -o BatchMode=yes … exit 0` (captured from real runs;
// the "port 22: Connection timed out" line is sshconnect.c's format with strerror(ETIMEDOUT)).
const CHANGED = `@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @
@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!
Someone could be eavesdropping on you right now (man-in-the-middle attack)!
It is also possible that a host key has just been changed.
The fingerprint for the ED25519 key sent by the remote host is
SHA256:dSK8OcGOIxmN1i2WF/GOnCJMAbHs4EBggsxyUob+6g0.
Please contact your system administrator.
Add correct host key in /home/dev/.ssh/known_hosts2 to get rid of this message.
Offending ED25519 key in /home/dev/.ssh/known_hosts2:1
  remove with:
  ssh-keygen -f "/home/dev/.ssh/known_hosts2" -R "[127.0.0.9]:2222"
Host key for [127.0.0.9]:2222 has changed and you have requested strict checking.
Host key verification failed.
`;

// The same as real ssh wrote it to stderr (log.c ends each message with \r\n; the fingerprint line
// alone with \n), captured from OpenSSH 9.2p1 against a local sshd with the stale key on line 12.
const CHANGED_CRLF = [
  '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\n',
  '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\r\n',
  '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\n',
  'IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\r\n',
  'Someone could be eavesdropping on you right now (man-in-the-middle attack)!\r\n',
  'It is also possible that a host key has just been changed.\r\n',
  'The fingerprint for the ED25519 key sent by the remote host is\n',
  'SHA256:3hAhImY+n32SbA+AOpmAch/g4cmZG3GJtYLoLYMvGjk.\r\n',
  'Please contact your system administrator.\r\n',
  'Add correct host key in /home/dev/.ssh/known_hosts to get rid of this message.\r\n',
  'Offending ED25519 key in /home/dev/.ssh/known_hosts:12\r\n',
  '  remove with:\r\n',
  '  ssh-keygen -f "/home/dev/.ssh/known_hosts" -R "[127.0.0.62]:2299"\r\n',
  'Host key for [127.0.0.62]:2299 has changed and you have requested strict checking.\r\n',
  'Host key verification failed.\r\n',
].join('');

describe('ssh stderr → diagnosis', () => {
  test('exit 0 is success whatever ssh printed', () => {
    assert.deepEqual(diagnoseSsh(0, "Warning: Permanently added '127.0.0.2' (ED25519) to the list of known hosts.\n"), { kind: 'ok' });
  });

  test('connection refused and timed out name the host and port', () => {
    assert.deepEqual(diagnoseSsh(255, 'ssh: connect to host 127.0.0.9 port 2223: Connection refused\n'), { kind: 'refused', host: '127.0.0.9', port: 2223 });
    assert.deepEqual(diagnoseSsh(255, 'ssh: connect to host 47.98.1.2 port 22: Connection timed out\n'), { kind: 'timeout', host: '47.98.1.2', port: 22 });
    assert.deepEqual(diagnoseSsh(255, 'Connection timed out during banner exchange\nConnection to 10.255.255.1 port 2222 timed out\n'), { kind: 'timeout', host: '10.255.255.1', port: 2222 });
    assert.deepEqual(diagnoseSsh(255, 'ssh: connect to host 10.0.0.1 port 22: No route to host\n'), { kind: 'unreachable', detail: 'No route to host' });
  });

  test('Permission denied (publickey) with the user sshd saw', () => {
    assert.deepEqual(diagnoseSsh(255, 'root@127.0.0.9: Permission denied (publickey).\n'), { kind: 'permissionDenied', user: 'root', methods: ['publickey'] });
    assert.deepEqual(diagnoseSsh(255, 'Permission denied (publickey,password).\n'), { kind: 'permissionDenied', user: undefined, methods: ['publickey', 'password'] });
  });

  test('a changed host key: the offending known_hosts file and line, the new fingerprint and the name', () => {
    assert.deepEqual(diagnoseSsh(255, CHANGED), {
      kind: 'hostKeyChanged',
      fingerprint: 'SHA256:dSK8OcGOIxmN1i2WF/GOnCJMAbHs4EBggsxyUob+6g0',
      file: '/home/dev/.ssh/known_hosts2',
      line: 1,
      knownHostsName: '[127.0.0.9]:2222',
    });
  });

  test('an unknown host key in batch mode (and with strict checking)', () => {
    assert.deepEqual(diagnoseSsh(255, 'Host key verification failed.\n'), { kind: 'hostKeyUnknown' });
    assert.deepEqual(diagnoseSsh(255, 'No ED25519 host key is known for 127.0.0.2 and you have requested strict checking.\nHost key verification failed.\n'), { kind: 'hostKeyUnknown' });
  });

  test('an unresolvable name, and anything else with ssh\'s last lines', () => {
    assert.deepEqual(diagnoseSsh(255, 'ssh: Could not resolve hostname nohost.invalid: Name or service not known\n'), { kind: 'unresolved', host: 'nohost.invalid' });
    assert.deepEqual(diagnoseSsh(255, '/home/dev/.ssh/config: line 3: Bad configuration option: foo\n/home/dev/.ssh/config: terminating, 1 bad configuration options\n'), {
      kind: 'other',
      detail: '/home/dev/.ssh/config: line 3: Bad configuration option: foo /home/dev/.ssh/config: terminating, 1 bad configuration options',
      exitCode: 255,
    });
    assert.deepEqual(diagnoseSsh(255, ''), { kind: 'other', detail: '', exitCode: 255 });
  });

  test('real stderr ends lines with \\r\\n: a changed key still yields file, line 12, fingerprint and name', () => {
    assert.deepEqual(diagnoseSsh(255, CHANGED_CRLF), {
      kind: 'hostKeyChanged',
      fingerprint: 'SHA256:3hAhImY+n32SbA+AOpmAch/g4cmZG3GJtYLoLYMvGjk',
      file: '/home/dev/.ssh/known_hosts',
      line: 12,
      knownHostsName: '[127.0.0.62]:2299',
    });
  });

  test('anything else keeps only ssh\'s last three lines', () => {
    // ssh -F bad.conf x with three unknown options
    const stderr = [
      'bad.conf: line 2: Bad configuration option: foo\r\n',
      'bad.conf: line 3: Bad configuration option: bar\r\n',
      'bad.conf: line 4: Bad configuration option: baz\r\n',
      'bad.conf: terminating, 3 bad configuration options\r\n',
    ].join('');
    assert.deepEqual(diagnoseSsh(255, stderr), {
      kind: 'other',
      detail: 'bad.conf: line 3: Bad configuration option: bar bad.conf: line 4: Bad configuration option: baz bad.conf: terminating, 3 bad configuration options',
      exitCode: 255,
    });
  });

  test('each of the two timeout lines of the banner exchange is a timeout on its own, the second with host and port', () => {
    assert.deepEqual(diagnoseSsh(255, 'Connection to 10.255.255.1 port 2222 timed out\r\n'), { kind: 'timeout', host: '10.255.255.1', port: 2222 });
    assert.deepEqual(diagnoseSsh(255, 'Connection timed out during banner exchange\r\n'), { kind: 'timeout', host: undefined, port: undefined });
  });

  test('a changed-key report cut short (only the banner) is still a changed key, with nothing more claimed', () => {
    const stderr = CHANGED.split('\n').slice(0, 3).join('\n');
    assert.deepEqual(diagnoseSsh(255, stderr), {
      kind: 'hostKeyChanged', fingerprint: undefined, file: undefined, line: undefined, knownHostsName: undefined,
    });
  });

  test('indented lines (a ProxyCommand\'s own stderr) are joined with single spaces', () => {
    assert.deepEqual(diagnoseSsh(255, '  proxy: upstream refused\r\n\tretry later\r\n'), {
      kind: 'other', detail: 'proxy: upstream refused retry later', exitCode: 255,
    });
  });

  test('a connection the server closed is not a timeout', () => {
    // ssh … 'kill -9 $PPID' against a local sshd: the session process dies under the client
    const stderr = "Warning: Permanently added '[127.0.0.63]:2298' (ED25519) to the list of known hosts.\r\nConnection to 127.0.0.63 closed by remote host.\r\n";
    assert.deepEqual(diagnoseSsh(255, stderr), { kind: 'other', detail: 'Connection to 127.0.0.63 closed by remote host.', exitCode: 255 });
  });
});
