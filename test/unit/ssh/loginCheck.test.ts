import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { addKnownHosts, checkLogin, knownHostsName, scanHostKeys, sshTarget } from '../../../src/ssh/loginCheck';
import { LocalSshd, SSHD } from '../../integration/sshd';
import { ensureOpenSsh } from '../../support/openssh';
import { onlyOn } from '../../support/platform';
import { ownLoopbackAddress, silentServer } from '../../support/silentServer';
import { ensureTool } from '../../support/systemTools';

const run = promisify(execFile);
// an address of its own, so the sshd here meets no other test's server (nor this file's in another process)
const HOST = ownLoopbackAddress(61);
// the servers bind 127.x addresses other than 127.0.0.1, which only Linux routes without setup
const LINUX_LOOPBACK = onlyOn(['linux']);

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'swas-login-'));
}

describe('login check against a real sshd', LINUX_LOOPBACK, () => {
  let dir: string;
  let sshd: LocalSshd;
  let config: string;

  before(async () => {
    await ensureOpenSsh();
    ensureTool('sshd', 'openssh-server');
    assert.ok(LocalSshd.available(), `${SSHD} is missing`);
    dir = await tempDir();
    const key = path.join(dir, 'id_ed25519');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    await fs.copyFile(`${key}.pub`, path.join(dir, 'authorized_keys'));
    const stranger = path.join(dir, 'stranger');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    sshd = await LocalSshd.start(HOST, path.join(dir, 'authorized_keys'));
    const { stdout } = await run('ssh-keyscan', ['-T', '5', '-p', String(sshd.port), HOST]);
    await fs.writeFile(path.join(dir, 'known_hosts'), stdout);
    const common = [`  HostName ${HOST}`, `  Port ${sshd.port}`, `  User ${LocalSshd.loginUser()}`, '  IdentitiesOnly yes'];
    config = path.join(dir, 'config');
    await fs.writeFile(config, [
      'Host web',
      ...common, `  IdentityFile ${key}`, `  UserKnownHostsFile ${path.join(dir, 'known_hosts')}`,
      'Host stranger',
      ...common, `  IdentityFile ${stranger}`, `  UserKnownHostsFile ${path.join(dir, 'known_hosts')}`,
      'Host unknown',
      ...common, `  IdentityFile ${key}`, `  UserKnownHostsFile ${path.join(dir, 'empty_known_hosts')}`,
      '',
    ].join('\n'));
  });
  after(async () => {
    await sshd?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  test('an alias only the given config defines logs in and runs the remote command', async () => {
    const result = await checkLogin('web', { configFile: config, connectTimeoutSeconds: 5 });
    assert.deepEqual(result.diagnosis, { kind: 'ok' }, result.stderr);
  });

  test('a key the server does not trust is Permission denied, with the user sshd saw', async () => {
    const result = await checkLogin('stranger', { configFile: config, connectTimeoutSeconds: 5 });
    assert.deepEqual(result.diagnosis, { kind: 'permissionDenied', user: LocalSshd.loginUser(), methods: ['publickey'] });
    assert.match(result.stderr, /Permission denied \(publickey\)\./);
  });

  test('an unknown host key fails at once in batch mode instead of asking', async () => {
    const result = await checkLogin('unknown', { configFile: config, connectTimeoutSeconds: 5 });
    assert.deepEqual(result.diagnosis, { kind: 'hostKeyUnknown' });
    assert.match(result.stderr, /Host key verification failed\./);
  });

  test('batch mode: ssh never runs a prompt program, even one that would say yes', async () => {
    const askpass = path.join(dir, 'askpass');
    const asked = path.join(dir, 'asked');
    await fs.writeFile(askpass, `#!/bin/sh\necho "$1" > '${asked}'\necho yes\n`, { mode: 0o700 });
    const env = { ...process.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' };
    const result = await checkLogin('unknown', { configFile: config, connectTimeoutSeconds: 5, env });
    assert.deepEqual(result.diagnosis, { kind: 'hostKeyUnknown' });
    await assert.rejects(fs.access(asked), { code: 'ENOENT' });
  });

  test('sshTarget: where ssh -G sends the alias, with its known_hosts files, the first one first', async () => {
    const file = path.join(dir, 'target_config');
    await fs.writeFile(file, [
      'Host far',
      '  HostName 192.0.2.7',
      '  Port 2222',
      '  User alice',
      '  UserKnownHostsFile /x/known_hosts /x/known_hosts2',
      '  HashKnownHosts yes',
      'Host plain',
      '  User bob',
      '  UserKnownHostsFile /y/kh',
      'Host spaced',
      '  UserKnownHostsFile "/home/First Last/.ssh/known_hosts" "/home/First Last/.ssh/known_hosts2"',
      '',
    ].join('\n'));
    assert.deepEqual(await sshTarget('far', file), {
      hostName: '192.0.2.7',
      port: 2222,
      user: 'alice',
      knownHostsFiles: ['/x/known_hosts', '/x/known_hosts2'],
      knownHostsFile: '/x/known_hosts',
      hashKnownHosts: true,
    });
    assert.deepEqual(await sshTarget('plain', file), { hostName: 'plain', port: 22, user: 'bob', knownHostsFiles: ['/y/kh'], knownHostsFile: '/y/kh', hashKnownHosts: false });
    const spaced = await sshTarget('spaced', file);
    assert.deepEqual(spaced.knownHostsFiles, ['/home/First Last/.ssh/known_hosts', '/home/First Last/.ssh/known_hosts2']);
    assert.equal(spaced.knownHostsFile, '/home/First Last/.ssh/known_hosts', 'not /home/First');
  });

  test('scanHostKeys: the server\'s key lines under its known_hosts name, and the fingerprint ssh-keygen prints', async () => {
    const scanned = await scanHostKeys(HOST, sshd.port, false, 5);
    const name = sshd.port === 22 ? HOST : `[${HOST}]:${sshd.port}`;
    assert.equal(scanned.lines.length, 1, scanned.lines.join('\n'));
    assert.ok(scanned.lines[0].startsWith(`${name} ssh-ed25519 `), scanned.lines[0]);
    assert.match(scanned.lines[0], /^\S+ ssh-ed25519 [A-Za-z0-9+/=]+$/);
    assert.deepEqual(scanned.fingerprints, [`${await sshd.fingerprint()} (ED25519)`]);
  });

  test('scanHostKeys removes the temporary file it hands to ssh-keygen', async () => {
    const tmp = path.join(dir, 'tmp');
    await fs.mkdir(tmp);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      assert.equal((await scanHostKeys(HOST, sshd.port, false, 5)).fingerprints.length, 1);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    assert.deepEqual(await fs.readdir(tmp), []);
  });

  test('scanHostKeys with hashing: the name is hashed (|1|…), the fingerprint is the same', async () => {
    const scanned = await scanHostKeys(HOST, sshd.port, true, 5);
    assert.equal(scanned.lines.length, 1);
    assert.match(scanned.lines[0], /^\|1\|\S+ ssh-ed25519 /);
    assert.deepEqual(scanned.fingerprints, [`${await sshd.fingerprint()} (ED25519)`]);
  });
});

describe('login check: time limits and a missing ssh', LINUX_LOOPBACK, () => {
  let dir: string;
  before(async () => {
    await ensureOpenSsh();
    dir = await tempDir();
  });
  after(async () => fs.rm(dir, { recursive: true, force: true }));

  test('ConnectTimeout reaches ssh: a server that never answers is a timeout within seconds', async () => {
    const server = await silentServer(HOST);
    try {
      const config = path.join(dir, 'silent');
      await fs.writeFile(config, `Host silent\n  HostName ${HOST}\n  Port ${server.port}\n`);
      const started = Date.now();
      const result = await checkLogin('silent', { configFile: config, connectTimeoutSeconds: 1 });
      assert.deepEqual(result.diagnosis, { kind: 'timeout', host: HOST, port: server.port });
      assert.match(result.stderr, /Connection timed out during banner exchange/);
      assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    } finally {
      await server.close();
    }
  });

  test('an ssh that cannot be started is an error, not a diagnosis', async () => {
    const config = path.join(dir, 'none');
    await fs.writeFile(config, '');
    await assert.rejects(checkLogin('x', { configFile: config, connectTimeoutSeconds: 1, env: { PATH: path.join(dir, 'no-such-dir') } }), { code: 'ENOENT' });
  });

  test('sshTarget runs ssh with the caller\'s environment: no ssh on its PATH is an error', async () => {
    const config = path.join(dir, 'none');
    await fs.writeFile(config, '');
    await assert.rejects(sshTarget('x', config, { PATH: path.join(dir, 'no-such-dir') }), (error: Error) => (error.cause as { code?: string })?.code === 'ENOENT');
  });

  test('scanHostKeys: nothing listening gives no lines and no fingerprints', async () => {
    const free = await silentServer(HOST);
    const port = free.port;
    await free.close();
    assert.deepEqual(await scanHostKeys(HOST, port, false, 2), { lines: [], fingerprints: [] });
  });
});

describe('known_hosts names and appends', () => {
  test('knownHostsName: the bare host on port 22, [host]:port elsewhere', () => {
    assert.equal(knownHostsName('47.98.1.2', 22), '47.98.1.2');
    assert.equal(knownHostsName('47.98.1.2', 2222), '[47.98.1.2]:2222');
  });

  test('addKnownHosts creates the folder 0700 and the file 0600 with one line per key', async () => {
    const dir = await tempDir();
    try {
      const file = path.join(dir, 'ssh', 'known_hosts');
      await addKnownHosts(file, ['h1 ssh-ed25519 AAAA1', 'h1 ssh-rsa AAAA2']);
      assert.equal(await fs.readFile(file, 'utf8'), 'h1 ssh-ed25519 AAAA1\nh1 ssh-rsa AAAA2\n');
      assert.equal((await fs.stat(path.dirname(file))).mode & 0o777, 0o700);
      assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  test('addKnownHosts keeps existing entries and starts a new line only when the last one is unfinished', async () => {
    const dir = await tempDir();
    try {
      const unfinished = path.join(dir, 'a');
      await fs.writeFile(unfinished, 'old ssh-ed25519 AAAA0');
      await addKnownHosts(unfinished, ['new ssh-ed25519 AAAA1']);
      assert.equal(await fs.readFile(unfinished, 'utf8'), 'old ssh-ed25519 AAAA0\nnew ssh-ed25519 AAAA1\n');
      const finished = path.join(dir, 'b');
      await fs.writeFile(finished, 'old ssh-ed25519 AAAA0\n');
      await addKnownHosts(finished, ['new ssh-ed25519 AAAA1']);
      assert.equal(await fs.readFile(finished, 'utf8'), 'old ssh-ed25519 AAAA0\nnew ssh-ed25519 AAAA1\n');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  test('addKnownHosts refuses a known_hosts path it cannot read rather than writing past it', async () => {
    const dir = await tempDir();
    try {
      // a folder where the file should be: reading fails with EISDIR, not ENOENT
      await assert.rejects(addKnownHosts(dir, ['h ssh-ed25519 AAAA']), { code: 'EISDIR' });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
