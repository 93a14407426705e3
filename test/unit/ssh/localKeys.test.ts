import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateLocalKeyPair } from '../../../src/ssh/generateKey';
import { hostsInKnownHosts, hostsNamedNowhereElse, removeFromKnownHosts, sshKeygenAvailable } from '../../../src/ssh/knownHosts';
import { findLocalPrivateKey } from '../../../src/ssh/localKey';
import { openSshPublicKey, samePublicKey } from '../../../src/ssh/keyFormat';

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'swas-localkey-'));
const sshKeygenPublic = (file: string) => execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' }).trim();

describe('findLocalPrivateKey', () => {
  const key = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
  const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
  const publicKey = openSshPublicKey(key, 'swas:cn-hangzhou/web');

  test('finds <name>-N.pem when <name>.pem holds another key', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'web.pem'), other);
    fs.writeFileSync(path.join(dir, 'web-2.pem'), key);
    fs.writeFileSync(path.join(dir, 'webserver.pem'), key);
    assert.equal(await findLocalPrivateKey({ directory: dir, keyPairName: 'web', publicKey }), path.join(dir, 'web-2.pem'));
  });

  test('a file with the right name but another key, or no folder at all, is no match', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'web.pem'), other);
    assert.equal(await findLocalPrivateKey({ directory: dir, keyPairName: 'web', publicKey }), undefined);
    assert.equal(await findLocalPrivateKey({ directory: path.join(dir, 'missing'), keyPairName: 'web', publicKey }), undefined);
  });

  test('a file named after another key pair is not taken, even when it holds the key', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'webserver.pem'), key);
    fs.writeFileSync(path.join(dir, 'web-2.pem.bak'), key);
    assert.equal(await findLocalPrivateKey({ directory: dir, keyPairName: 'web', publicKey }), undefined);
  });

  test('a key pair name with regex characters matches its own file name literally', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'web.1.pem'), key);
    assert.equal(await findLocalPrivateKey({ directory: dir, keyPairName: 'web.1', publicKey }), path.join(dir, 'web.1.pem'));
  });

  test('a file up to 64 KiB is read; a larger one is not taken for a key', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'web.pem'), key.padEnd(64 * 1024, '\n'));
    assert.equal(await findLocalPrivateKey({ directory: dir, keyPairName: 'web', publicKey }), path.join(dir, 'web.pem'));
    fs.writeFileSync(path.join(dir, 'web.pem'), key.padEnd(64 * 1024 + 1, '\n'));
    assert.equal(await findLocalPrivateKey({ directory: dir, keyPairName: 'web', publicKey }), undefined);
  });

  test('an extra candidate (the SSH config IdentityFile) is checked too', async () => {
    const dir = tempDir();
    const elsewhere = path.join(tempDir(), 'saved-as.key');
    fs.writeFileSync(elsewhere, key);
    assert.equal(await findLocalPrivateKey({ directory: dir, keyPairName: 'web', publicKey, extraCandidates: [elsewhere] }), elsewhere);
  });
});

describe('generateLocalKeyPair', () => {
  for (const type of ['rsa', 'ed25519'] as const) {
    test(`${type}: <name>.pem (0600) and .pub that belong together`, async () => {
      const dir = path.join(tempDir(), 'ssh');
      const generated = await generateLocalKeyPair({ directory: dir, keyPairName: 'gen', region: 'cn-hangzhou', type });
      assert.equal(generated.privateKeyPath, path.join(dir, 'gen.pem'));
      assert.equal(fs.statSync(generated.privateKeyPath).mode & 0o777, 0o600);
      assert.ok(samePublicKey(sshKeygenPublic(generated.privateKeyPath), generated.publicKey));
      assert.match(generated.publicKey, type === 'rsa' ? /^ssh-rsa / : /^ssh-ed25519 /);
      assert.match(generated.fingerprint, /^SHA256:/);
      // One line with the key pair's comment, and the .pub holds exactly that line.
      assert.match(generated.publicKey, / swas:cn-hangzhou\/gen$/);
      assert.equal(fs.readFileSync(generated.publicKeyPath, 'utf8'), `${generated.publicKey}\n`);
      assert.deepEqual(fs.readdirSync(dir).sort(), ['gen.pem', 'gen.pub'], 'no scratch folder left behind');
      if (type === 'rsa') {
        const bits = execFileSync('ssh-keygen', ['-l', '-f', generated.publicKeyPath], { encoding: 'utf8' }).split(' ')[0];
        assert.equal(bits, '4096');
      }
    });
  }

  test('never overwrites an existing key', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'gen.pem'), 'keep me');
    const generated = await generateLocalKeyPair({ directory: dir, keyPairName: 'gen', region: 'cn-hangzhou', type: 'ed25519' });
    assert.equal(generated.privateKeyPath, path.join(dir, 'gen-2.pem'));
    assert.equal(fs.readFileSync(path.join(dir, 'gen.pem'), 'utf8'), 'keep me');
  });
});

describe('known_hosts', () => {
  test('removes only the named hosts, hashed lines included', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'known_hosts');
    const hostKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
    fs.writeFileSync(file, `127.0.0.2 ${hostKey}\n127.0.0.9 ${hostKey}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    fs.appendFileSync(file, `127.0.0.3 ${hostKey}\n`);
    assert.deepEqual(await hostsInKnownHosts(['127.0.0.2', '127.0.0.3', '127.0.0.4'], file), ['127.0.0.2', '127.0.0.3']);
    const result = await removeFromKnownHosts(['127.0.0.2', '127.0.0.3', '127.0.0.4'], file);
    assert.deepEqual(result, { removed: ['127.0.0.2', '127.0.0.3'], absent: ['127.0.0.4'] });
    assert.deepEqual(await hostsInKnownHosts(['127.0.0.2', '127.0.0.3', '127.0.0.9'], file), ['127.0.0.9']);
  });

  test('a failed ssh-keygen -R is an error carrying ssh-keygen\'s own message', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'known_hosts');
    fs.writeFileSync(file, '127.0.0.2 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n');
    // ssh-keygen -R replaces `<file>.old`; a folder there makes it exit 255 with "unlink …: Is a directory".
    fs.mkdirSync(path.join(`${file}.old`, 'inside'), { recursive: true });
    await assert.rejects(removeFromKnownHosts(['127.0.0.2'], file), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.match(error.message, /^ssh-keygen -R 127\.0\.0\.2 failed: unlink .*known_hosts\.old: Is a directory$/);
      return true;
    });
  });

  test('sshKeygenAvailable: true with ssh-keygen on PATH, false without it', async () => {
    assert.equal(await sshKeygenAvailable(), true);
    const savedPath = process.env.PATH;
    process.env.PATH = tempDir();
    try {
      assert.equal(await sshKeygenAvailable(), false);
    } finally {
      process.env.PATH = savedPath;
    }
  });
});

describe('hostsNamedNowhereElse (known_hosts lines that only the deleted block used)', () => {
  const ours = '# --- BEGIN SWAS KEY PAIR r/gone ---\nHost swas-gone\n  HostName 10.0.0.1\n  User root\n# --- END SWAS KEY PAIR r/gone ---\n';

  test('a host named only in the block, or nowhere (a server of the pair without an entry), is offered', () => {
    assert.deepEqual(hostsNamedNowhereElse(`Host *\n  ServerAliveInterval 30\n${ours}`, ['10.0.0.1', '10.0.0.7'], ['10.0.0.1']), ['10.0.0.1', '10.0.0.7']);
  });

  test('a HostName or Host anywhere else keeps the line: the user\'s own entry, another block, a Match section', () => {
    const elsewhere = [
      'Host my-web\n  HostName 10.0.0.1\n',
      '# --- BEGIN SWAS KEY PAIR r/other ---\nHost swas-other\n  HostName 10.0.0.1\n# --- END SWAS KEY PAIR r/other ---\n',
      'Match user deploy\n  HostName 10.0.0.1\n',
      'Host 10.0.0.1\n  User admin\n',
      'Host web 10.0.0.1\n',
      'HOSTNAME 10.0.0.1\n',
    ];
    for (const text of elsewhere) {
      assert.deepEqual(hostsNamedNowhereElse(`${ours}${text}`, ['10.0.0.1'], ['10.0.0.1']), [], text);
      assert.deepEqual(hostsNamedNowhereElse(text, ['10.0.0.1'], []), [], `a server IP not in the block: ${text}`);
    }
  });

  test('another Host line with several names, or a BindAddress (a local address), does not keep the line', () => {
    assert.deepEqual(hostsNamedNowhereElse(`${ours}Host web db\n  HostName 10.0.0.5\n`, ['10.0.0.1'], ['10.0.0.1']), ['10.0.0.1']);
    assert.deepEqual(hostsNamedNowhereElse(`${ours}Host web\n  BindAddress 10.0.0.1\n`, ['10.0.0.1'], ['10.0.0.1']), ['10.0.0.1']);
  });

  test('a block for two servers: each host is kept by the other entries naming that host alone', () => {
    const twoServers = 'Host swas-a\n  HostName 10.0.0.1\nHost swas-b\n  HostName 10.0.0.2\n';
    const text = `${twoServers}Host my-web\n  HostName 10.0.0.1\n`;
    assert.deepEqual(hostsNamedNowhereElse(text, ['10.0.0.1', '10.0.0.2'], ['10.0.0.1', '10.0.0.2']), ['10.0.0.2']);
  });

  test('names are compared as ssh compares host names: without case', () => {
    assert.deepEqual(hostsNamedNowhereElse(`${ours.replace('10.0.0.1', 'Web.Example')}Host web.example\n`, ['web.example'], ['Web.Example']), []);
    assert.deepEqual(hostsNamedNowhereElse(ours.replace('10.0.0.1', 'Web.Example'), ['web.example'], ['Web.Example']), ['web.example']);
  });

  test('a config ssh-config cannot read keeps every line', () => {
    assert.deepEqual(hostsNamedNowhereElse(`${ours}Host "unterminated\n`, ['10.0.0.1'], ['10.0.0.1']), []);
  });
});
