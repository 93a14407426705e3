import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  addKeyScript,
  HOST_KEYS_BEGIN,
  HOST_KEYS_END,
  parseScriptOutput,
  readHostKeysScript,
  removeKeyScript,
  ScriptInputError,
  shellQuote,
} from '../../../src/ssh/authorizedKeysScript';
import { fitsCommandLimit } from '../../../src/cloud/cloudAssistant';
import { onlyOn } from '../../support/platform';
import { currentPrivilege } from '../../support/privilege';

/*
 * The scripts run with the real /bin/sh (dash on Debian) as root, in a mount namespace of their own where
 * /etc/passwd and /etc/ssh are bound over by a test's files: the server user's home is a temp folder, the
 * host keys are keys made here. The script under test is byte for byte the one RunCommand would send.
 */

const tempRoots: string[] = [];
after(() => tempRoots.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authorized-keys-test-'));
  tempRoots.push(dir);
  return dir;
}

function newKey(type: 'ed25519' | 'ecdsa', file: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'root@server', '-f', file]);
  return fs.readFileSync(`${file}.pub`, 'utf8').trim();
}

/** A uid the login user "alice" has: a real other user as root; uid 0 is the only one a user namespace maps. */
const ALICE_ID = currentPrivilege() === 'root' ? 4242 : 0;

interface FakeServer {
  root: string;
  /** root's home, and alice's. */
  homes: { root: string; alice: string };
  hostKeys: string[];
  passwd: string;
  etcSsh: string;
}

function fakeServer(): FakeServer {
  const root = tempDir();
  const homes = { root: path.join(root, 'root home'), alice: path.join(root, 'alice') };
  Object.values(homes).forEach((home) => fs.mkdirSync(home));
  fs.chownSync(homes.alice, ALICE_ID, ALICE_ID);
  const etcSsh = path.join(root, 'etc-ssh');
  fs.mkdirSync(etcSsh);
  const hostKeys = [newKey('ed25519', path.join(etcSsh, 'ssh_host_ed25519_key')), newKey('ecdsa', path.join(etcSsh, 'ssh_host_ecdsa_key'))];
  const passwd = path.join(root, 'passwd');
  fs.writeFileSync(passwd, `root:x:0:0:root:${homes.root}:/bin/sh\nalice:x:${ALICE_ID}:${ALICE_ID}::${homes.alice}:/bin/sh\n`);
  return { root, homes, hostKeys, passwd, etcSsh };
}

function runOnServer(server: FakeServer, script: string): { code: number | null; stdout: string; stderr: string } {
  const file = path.join(server.root, `script-${Math.random().toString(36).slice(2)}.sh`);
  fs.writeFileSync(file, script);
  const result = spawnSync('unshare', ['-m', 'sh', '-c', 'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/ssh && exec sh "$3"', 'sh', server.passwd, server.etcSsh, file], {
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** runOnServer, started at once: several may run side by side. */
function runOnServerAsync(server: FakeServer, script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = path.join(server.root, `script-${Math.random().toString(36).slice(2)}.sh`);
  fs.writeFileSync(file, script);
  return new Promise((resolve) => {
    execFile('unshare', ['-m', 'sh', '-c', 'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/ssh && exec sh "$3"', 'sh', server.passwd, server.etcSsh, file], (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const userKey = (() => {
  const dir = tempDir();
  return newKey('ed25519', path.join(dir, 'user'));
})();
const otherKey = (() => {
  const dir = tempDir();
  return newKey('ed25519', path.join(dir, 'other'));
})();
const bareUserKey = userKey.split(' ').slice(0, 2).join(' ');
const bareOtherKey = otherKey.split(' ').slice(0, 2).join(' ');

/** An authorized_keys file as people have them: comments, options, CRLF, our marker's look-alikes, no final newline. */
const ODD_LINES = [
  '# keys of the ops team\n',
  `command="echo 'hi'; exit",no-pty ${bareOtherKey} ops@laptop\n`,
  '\n',
  `${bareOtherKey} windows-user\r\n`,
  `${bareOtherKey} swas-keypair:prod-old\n`,
  `${bareOtherKey} swas-keypair:pro\n`,
  `${bareOtherKey} note swas-keypair:prod\n`,
  `${bareOtherKey} last-line-without-newline`,
].join('');

function writeKeys(home: string, text: string, mode = 0o600): string {
  fs.mkdirSync(path.join(home, '.ssh'), { mode: 0o700, recursive: true });
  const file = path.join(home, '.ssh', 'authorized_keys');
  fs.writeFileSync(file, text, { mode });
  fs.chmodSync(file, mode);
  return file;
}

describe('authorized_keys scripts, run by the real sh', onlyOn(['linux']), () => {
  test('add appends our line once after the untouched bytes and prints the host keys; a second run adds nothing', () => {
    const server = fakeServer();
    const file = writeKeys(server.homes.root, ODD_LINES);
    const script = addKeyScript(userKey, 'prod');

    const first = runOnServer(server, script);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(fs.readFileSync(file, 'utf8'), `${ODD_LINES}\n${bareUserKey} swas-keypair:prod`);
    const parsed = parseScriptOutput(first.stdout);
    assert.deepEqual(parsed.status, { kind: 'added' });
    assert.deepEqual(parsed.hostKeys.sort(), server.hostKeys.map((k) => k.split(' ').slice(0, 2).join(' ')).sort());
    assert.equal(parsed.hostKeysComplete, true);

    const second = runOnServer(server, script);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(parseScriptOutput(second.stdout).status, { kind: 'alreadyPresent' });
    assert.equal(fs.readFileSync(file, 'utf8'), `${ODD_LINES}\n${bareUserKey} swas-keypair:prod`);
  });

  test('eight runs at once (a RunCommand retried while the first still runs) add one line, and leave no lock behind', async () => {
    const server = fakeServer();
    const file = writeKeys(server.homes.root, ODD_LINES);
    const script = addKeyScript(userKey, 'prod');
    const runs = await Promise.all(Array.from({ length: 8 }, () => runOnServerAsync(server, script)));
    assert.deepEqual(runs.map((r) => r.code), Array(8).fill(0), runs.map((r) => r.stderr).join('\n'));
    assert.deepEqual(runs.map((r) => parseScriptOutput(r.stdout).status?.kind).sort(), ['added', ...Array(7).fill('alreadyPresent')]);
    assert.equal(fs.readFileSync(file, 'utf8'), `${ODD_LINES}\n${bareUserKey} swas-keypair:prod`);
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['authorized_keys']);
  });

  test('a run waits while another holds the lock, then adds; a lock left over a minute ago by a killed run is taken over', async () => {
    const server = fakeServer();
    const file = writeKeys(server.homes.root, ODD_LINES);
    const lock = path.join(path.dirname(file), '.swas-authorized-keys.lock');
    fs.mkdirSync(lock);
    const waiting = runOnServerAsync(server, addKeyScript(userKey, 'prod'));
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(fs.readFileSync(file, 'utf8'), ODD_LINES, 'nothing written while the lock is held');
    fs.rmdirSync(lock);
    assert.deepEqual(parseScriptOutput((await waiting).stdout).status, { kind: 'added' });

    fs.mkdirSync(lock);
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    fs.utimesSync(lock, twoMinutesAgo, twoMinutesAgo);
    const started = Date.now();
    const removed = await runOnServerAsync(server, removeKeyScript('prod'));
    assert.deepEqual(parseScriptOutput(removed.stdout).status, { kind: 'removed', count: 1 }, removed.stderr);
    assert.ok(Date.now() - started < 10_000, 'the stale lock did not hold it up for the whole wait');
    assert.equal(fs.readFileSync(file, 'utf8'), ODD_LINES);
    assert.equal(fs.existsSync(lock), false);
  });

  test('OpenSSH reads every key of the file after add, ours included', () => {
    const server = fakeServer();
    const file = writeKeys(server.homes.root, `${bareOtherKey} a\n`);
    assert.equal(runOnServer(server, addKeyScript(userKey, 'prod')).code, 0);
    const listed = execFileSync('ssh-keygen', ['-l', '-f', file], { encoding: 'utf8' }).trim().split('\n');
    assert.equal(listed.length, 2);
    assert.match(listed[1], / swas-keypair:prod \(ED25519\)$/);
  });

  test('remove gives back the original bytes (CRLF, no final newline) and keeps the mode; a second run writes nothing', () => {
    const server = fakeServer();
    const middle = `${bareOtherKey} first\r\n${bareUserKey} swas-keypair:prod\r\n${bareOtherKey} swas-keypair:prod-old`;
    const file = writeKeys(server.homes.root, ODD_LINES, 0o640);
    assert.equal(runOnServer(server, addKeyScript(userKey, 'prod')).code, 0);
    const removed = runOnServer(server, removeKeyScript('prod'));
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(parseScriptOutput(removed.stdout).status, { kind: 'removed', count: 1 });
    assert.equal(fs.readFileSync(file, 'utf8'), ODD_LINES);
    assert.equal(fs.statSync(file).mode & 0o777, 0o640);

    fs.writeFileSync(file, middle);
    assert.deepEqual(parseScriptOutput(runOnServer(server, removeKeyScript('prod')).stdout).status, { kind: 'removed', count: 1 });
    assert.equal(fs.readFileSync(file, 'utf8'), `${bareOtherKey} first\r\n${bareOtherKey} swas-keypair:prod-old`);

    const inode = fs.statSync(file).ino;
    const again = runOnServer(server, removeKeyScript('prod'));
    assert.deepEqual(parseScriptOutput(again.stdout).status, { kind: 'absent' });
    assert.equal(fs.statSync(file).ino, inode, 'nothing to remove: the file is not rewritten');
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['authorized_keys'], 'no temp file is left');
  });

  test('remove takes every line of ours for the pair, whatever key it holds, and only those', () => {
    const server = fakeServer();
    const text = `${bareUserKey} swas-keypair:prod\n${bareOtherKey} keep\n${bareOtherKey} swas-keypair:prod\r\n${bareOtherKey} swas-keypair:prod2\n`;
    const file = writeKeys(server.homes.root, text);
    assert.deepEqual(parseScriptOutput(runOnServer(server, removeKeyScript('prod')).stdout).status, { kind: 'removed', count: 2 });
    assert.equal(fs.readFileSync(file, 'utf8'), `${bareOtherKey} keep\n${bareOtherKey} swas-keypair:prod2\n`);
  });

  test("given the pair's public key, remove also takes the line a restart wrote for it, never one with options or another key", () => {
    const server = fakeServer();
    const kept = `command="/bin/true",no-pty ${bareUserKey} restricted\n${bareOtherKey} other\n`;
    const file = writeKeys(server.homes.root, `${userKey}\n${kept}${bareUserKey}\r\n`);
    const removed = runOnServer(server, removeKeyScript('prod', 'root', userKey));
    assert.deepEqual(parseScriptOutput(removed.stdout).status, { kind: 'removed', count: 2 }, removed.stderr);
    assert.equal(fs.readFileSync(file, 'utf8'), kept);
    assert.throws(() => removeKeyScript('prod', 'root', 'not a key'), ScriptInputError);
  });

  test("a user's missing ~/.ssh and authorized_keys are made 0700 and 0600, owned by the user; the owner stays on remove", () => {
    const server = fakeServer();
    const result = runOnServer(server, addKeyScript(userKey, 'prod', 'alice'));
    assert.equal(result.code, 0, result.stderr);
    const dir = path.join(server.homes.alice, '.ssh');
    const file = path.join(dir, 'authorized_keys');
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    for (const made of [dir, file]) {
      assert.deepEqual([fs.statSync(made).uid, fs.statSync(made).gid], [ALICE_ID, ALICE_ID], made);
    }
    assert.equal(fs.readFileSync(file, 'utf8'), `${bareUserKey} swas-keypair:prod\n`);
    assert.equal(fs.existsSync(path.join(server.homes.root, '.ssh')), false, "root's home is not alice's");

    fs.appendFileSync(file, `${bareOtherKey} kept\n`);
    assert.equal(runOnServer(server, removeKeyScript('prod', 'alice')).code, 0);
    assert.equal(fs.readFileSync(file, 'utf8'), `${bareOtherKey} kept\n`);
    assert.deepEqual([fs.statSync(file).uid, fs.statSync(file).mode & 0o777], [ALICE_ID, 0o600]);
  });

  test('a name with Chinese characters and ":" is added and removed as any other', () => {
    const server = fakeServer();
    const name = '生产:web_01-密钥';
    const file = writeKeys(server.homes.root, `${bareOtherKey} swas-keypair:生产:web_01\n`);
    assert.equal(runOnServer(server, addKeyScript(userKey, name)).code, 0);
    assert.equal(fs.readFileSync(file, 'utf8'), `${bareOtherKey} swas-keypair:生产:web_01\n${bareUserKey} swas-keypair:${name}\n`);
    assert.deepEqual(parseScriptOutput(runOnServer(server, addKeyScript(userKey, name)).stdout).status, { kind: 'alreadyPresent' });
    assert.equal(runOnServer(server, removeKeyScript(name)).code, 0);
    assert.equal(fs.readFileSync(file, 'utf8'), `${bareOtherKey} swas-keypair:生产:web_01\n`);
  });

  test('an unknown login user changes nothing and says so', () => {
    const server = fakeServer();
    const result = runOnServer(server, addKeyScript(userKey, 'prod', 'nobody_here'));
    assert.equal(result.code, 3);
    assert.deepEqual(parseScriptOutput(result.stdout).status, { kind: 'noSuchUser' });
  });

  test('readHostKeys prints the host keys and writes nothing', () => {
    const server = fakeServer();
    const result = runOnServer(server, readHostKeysScript());
    assert.equal(result.code, 0, result.stderr);
    const parsed = parseScriptOutput(result.stdout);
    assert.equal(parsed.status, undefined);
    assert.equal(parsed.hostKeys.length, 2);
    assert.deepEqual(fs.readdirSync(server.homes.root), []);
  });
});

/** `ssh-rsa <base64>` with a 4096-bit modulus: its size is what counts here, so no slow key generation. */
function rsa4096PublicKeyLine(): string {
  const sshString = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const modulus = crypto.randomBytes(512);
  modulus[0] |= 0x80;
  modulus[511] |= 1;
  const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), sshString(Buffer.from([1, 0, 1])), sshString(Buffer.concat([Buffer.from([0]), modulus]))]);
  return `ssh-rsa ${blob.toString('base64')}`;
}

describe('authorized_keys scripts: inputs', () => {
  test('names and users that could carry shell are refused before any script is made', () => {
    for (const name of ["it's", 'a"b', 'a$(touch x)', 'a`id`', 'a;rm', 'a b', 'a\nb']) {
      assert.throws(() => addKeyScript(userKey, name), ScriptInputError, name);
      assert.throws(() => removeKeyScript(name), ScriptInputError, name);
    }
    for (const user of ['root;id', '$(id)', 'Root', '']) {
      assert.throws(() => addKeyScript(userKey, 'prod', user), ScriptInputError, user);
    }
    assert.throws(() => addKeyScript('ssh-ed25519 notbase64', 'prod'), ScriptInputError);
  });

  test('a quoted word is read back by sh as the very same bytes, quotes and $(…) included', onlyOn(['linux']), () => {
    const marker = path.join(tempDir(), 'injected');
    for (const value of ["it's", '"$(touch ' + marker + ')"', '`touch ' + marker + '`', "'; touch " + marker + "; '", '生产:x', '\\n$HOME']) {
      const printed = execFileSync('sh', ['-c', `printf %s ${shellQuote(value)}`], { encoding: 'utf8' });
      assert.equal(printed, value);
    }
    assert.equal(fs.existsSync(marker), false);
  });

  test('the largest add script (an RSA 4096 key, a 64-character name) fits RunCommand\'s 16 KB', () => {
    const rsa = rsa4096PublicKeyLine();
    const script = addKeyScript(rsa, 'a'.repeat(64));
    assert.ok(fitsCommandLimit(script));
    assert.ok(Buffer.from(script).toString('base64').length < 8 * 1024, `${script.length} bytes`);
    assert.equal(fitsCommandLimit('x'.repeat(12 * 1024 + 1)), false);
  });
});

describe('parseScriptOutput', () => {
  test('keeps valid host keys between the markers, without comments or duplicates; reports a cut-off list', () => {
    const [type, base64] = bareOtherKey.split(' ');
    const text = [
      'SWAS-AUTHORIZED-KEYS removed 2',
      `${bareUserKey} outside the markers`,
      HOST_KEYS_BEGIN,
      `${bareOtherKey} root@server\r`,
      `${bareOtherKey} again`,
      `${type} ${base64.slice(0, -8)}`,
      'ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIA== type-mismatch',
      'not a key',
      HOST_KEYS_END,
    ].join('\n');
    assert.deepEqual(parseScriptOutput(text), { status: { kind: 'removed', count: 2 }, hostKeys: [bareOtherKey], hostKeysComplete: true });
    assert.deepEqual(parseScriptOutput(`${HOST_KEYS_BEGIN}\n${bareOtherKey}\n`), { hostKeys: [bareOtherKey], hostKeysComplete: false });
    assert.deepEqual(parseScriptOutput(`${HOST_KEYS_END}\n`), { hostKeys: [], hostKeysComplete: false });
  });
});
