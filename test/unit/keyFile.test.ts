import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onlyOn } from '../support/platform';
import { asOutsideUser, currentPrivilege } from '../support/privilege';
import {
  ensureKeyDirectory,
  KeyFormatError,
  keyFileBaseName,
  KeySaveError,
  md5Fingerprint,
  normalizePrivateKey,
  openSshPublicKey,
  samePublicKey,
  saveKeyPair,
  sha256Fingerprint,
  writeSecretFileExclusive,
} from '../../src/ssh/keyFile';

const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const otherRsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const ed25519 = crypto.generateKeyPairSync('ed25519').privateKey;
const PKCS1_PEM = rsa.export({ type: 'pkcs1', format: 'pem' }) as string;
const PKCS8_PEM = rsa.export({ type: 'pkcs8', format: 'pem' }) as string;
const PKCS1_BASE64 = (rsa.export({ type: 'pkcs1', format: 'der' }) as Buffer).toString('base64');
const PKCS8_BASE64 = (rsa.export({ type: 'pkcs8', format: 'der' }) as Buffer).toString('base64');

const keyFileModule = path.resolve(__dirname, '../../src/ssh/keyFile.js');
const tempRoots: string[] = [];
const mounts: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyfile-test-'));
  tempRoots.push(dir);
  return dir;
}

function mountTmpfs(options: string): string {
  const dir = tempDir();
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

function wrap(base64: string, width: number): string {
  return base64.match(new RegExp(`.{1,${width}}`, 'g'))!.join('\n');
}

function sshKeygen(args: string[]): string {
  return execFileSync('ssh-keygen', args, { encoding: 'utf8' }).trim();
}

function modeOf(filePath: string): number {
  return fs.statSync(filePath).mode & 0o777;
}

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<KeySaveError> {
  let caught: unknown;
  await promise.catch((error: unknown) => {
    caught = error;
  });
  assert.ok(caught instanceof KeySaveError, `expected a KeySaveError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.ok(!caught.message.includes('PRIVATE KEY') && !caught.message.includes(PKCS1_BASE64.slice(0, 24)));
  return caught;
}

function ensureTool(binary: string, aptPackage: string): void {
  try {
    execFileSync('which', [binary], { stdio: 'ignore' });
  } catch {
    // only package installation needs real root; anyone else is told the one line to run
    if (currentPrivilege() !== 'root') throw new Error(`${binary} is missing: as root, run apt-get install -y ${aptPackage}`);
    execFileSync('apt-get', ['install', '-y', aptPackage], { stdio: 'inherit' });
  }
  execFileSync('which', [binary], { stdio: 'ignore' });
}

// real disk failures: tmpfs and bind mounts (Linux's), as root or inside `unshare -r -m`
const LINUX_MOUNTS = onlyOn(['linux']);

before(() => {
  // These tests check against real OpenSSH and real file systems: install what is missing, never skip.
  ensureTool('ssh-keygen', 'openssh-client');
  if (LINUX_MOUNTS.skip) return;
  ensureTool('bindfs', 'bindfs');
  if (currentPrivilege() !== 'root') {
    try {
      fs.accessSync('/dev/fuse', fs.constants.R_OK | fs.constants.W_OK);
    } catch {
      throw new Error('bindfs (FUSE) needs /dev/fuse open to you, as Debian and Ubuntu ship it (crw-rw-rw-): as root, run chmod 0666 /dev/fuse');
    }
  }
  assert.equal(process.getuid?.(), 0, 'the disk-failure tests mount file systems: run them as root, or through npm test, '
    + 'which runs the unit suite of a normal user inside `unshare -r -m`');
});

after(() => {
  for (const dir of mounts.reverse()) {
    execFileSync('umount', [dir]);
  }
  for (const dir of tempRoots) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('normalizePrivateKey', () => {
  const canonical = { pkcs1: PKCS1_PEM, pkcs8: PKCS8_PEM };
  const forms: Array<[string, string, 'pkcs1' | 'pkcs8']> = [
    ['PKCS#1 PEM', PKCS1_PEM, 'pkcs1'],
    ['PKCS#8 PEM', PKCS8_PEM, 'pkcs8'],
    ['PKCS#1 PEM without final newline', PKCS1_PEM.trimEnd(), 'pkcs1'],
    ['PKCS#1 PEM with CRLF', PKCS1_PEM.replace(/\n/g, '\r\n'), 'pkcs1'],
    ['PKCS#8 PEM with literal \\n (JSON-escaped)', PKCS8_PEM.replace(/\n/g, '\\n'), 'pkcs8'],
    ['PKCS#1 PEM with literal \\r\\n and surrounding blanks', `  \n${PKCS1_PEM.replace(/\n/g, '\\r\\n')}  \n`, 'pkcs1'],
    ['PKCS#1 PEM unwrapped', `-----BEGIN RSA PRIVATE KEY-----\n${PKCS1_BASE64}\n-----END RSA PRIVATE KEY-----`, 'pkcs1'],
    ['PKCS#8 PEM wrapped at 76', `-----BEGIN PRIVATE KEY-----\n${wrap(PKCS8_BASE64, 76)}\n-----END PRIVATE KEY-----\n`, 'pkcs8'],
    ['bare PKCS#1 base64', PKCS1_BASE64, 'pkcs1'],
    ['bare PKCS#8 base64', PKCS8_BASE64, 'pkcs8'],
    ['bare PKCS#1 base64 wrapped at 64 with CRLF', wrap(PKCS1_BASE64, 64).replace(/\n/g, '\r\n'), 'pkcs1'],
    ['bare PKCS#8 base64 with literal \\n every 70', wrap(PKCS8_BASE64, 70).replace(/\n/g, '\\n'), 'pkcs8'],
  ];
  for (const [name, body, format] of forms) {
    test(`accepts ${name}`, () => {
      const normalized = normalizePrivateKey(body);
      assert.equal(normalized.format, format);
      assert.equal(normalized.keyType, 'rsa');
      assert.equal(normalized.pem, canonical[format]);
      assert.ok(normalized.pem.endsWith('-----\n') && !normalized.pem.includes('\r'));
      assert.ok(normalized.pem.split('\n').every((line) => line.length <= 64));
    });
  }

  test('keeps an ed25519 PKCS#8 key', () => {
    const pem = ed25519.export({ type: 'pkcs8', format: 'pem' }) as string;
    assert.deepEqual(normalizePrivateKey(pem), { pem, format: 'pkcs8', keyType: 'ed25519' });
  });

  const invalid: Array<[string, string]> = [
    ['empty text', '  \n '],
    ['a public key', crypto.createPublicKey(rsa).export({ type: 'spki', format: 'pem' }) as string],
    ['an encrypted key', rsa.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }) as string],
    ['mismatched armor', PKCS1_PEM.replace('END RSA PRIVATE KEY', 'END PRIVATE KEY')],
    ['a truncated key', PKCS1_PEM.slice(0, 800) + '\n-----END RSA PRIVATE KEY-----\n'],
    ['bare base64 cut short', PKCS1_BASE64.slice(0, 1200)],
    ['non-base64 text', 'this is not a key at all'],
    ['an EC key', crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string],
    [
      'an RSA key whose modulus belongs to another key',
      crypto
        .createPrivateKey({ key: { ...rsa.export({ format: 'jwk' }), n: otherRsa.export({ format: 'jwk' }).n }, format: 'jwk' })
        .export({ type: 'pkcs1', format: 'pem' }) as string,
    ],
  ];
  for (const [name, body] of invalid) {
    test(`rejects ${name} without echoing key material`, () => {
      assert.throws(
        () => normalizePrivateKey(body),
        (error: unknown) => {
          assert.ok(error instanceof KeyFormatError);
          assert.equal(error.code, 'KEY_FORMAT');
          const material = body.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
          for (let i = 0; i + 16 <= material.length; i += 16) {
            assert.ok(!error.message.includes(material.slice(i, i + 16)), error.message);
          }
          return true;
        },
      );
    });
  }
});

describe('public keys and fingerprints match OpenSSH', () => {
  test('RSA: ssh-keygen derives the same public key and fingerprints from the written PEM', async () => {
    for (const format of ['pkcs1', 'pkcs8'] as const) {
      const dir = tempDir();
      const pemPath = path.join(dir, 'k.pem');
      const { pem } = normalizePrivateKey(format === 'pkcs1' ? PKCS1_BASE64 : PKCS8_BASE64);
      await writeSecretFileExclusive(pemPath, pem);
      const line = openSshPublicKey(pem, 'swas:cn-hangzhou/mykey');
      assert.match(line, /^ssh-rsa AAAAB3NzaC1yc2E[A-Za-z0-9+/=]+ swas:cn-hangzhou\/mykey$/);
      assert.ok(samePublicKey(sshKeygen(['-y', '-f', pemPath]), line));
      assert.equal(sshKeygen(['-y', '-f', pemPath]).split(' ').slice(0, 2).join(' '), line.split(' ').slice(0, 2).join(' '));

      const pubPath = path.join(dir, 'k.pub');
      fs.writeFileSync(pubPath, `${line}\n`);
      assert.equal(sshKeygen(['-lf', pubPath]), `2048 ${sha256Fingerprint(line)} swas:cn-hangzhou/mykey (RSA)`);
      assert.equal(sshKeygen(['-E', 'md5', '-lf', pubPath]), `2048 MD5:${md5Fingerprint(line)} swas:cn-hangzhou/mykey (RSA)`);
    }
  });

  test('RSA mpint: an exponent with the high bit set gets a leading zero byte', () => {
    // e = 0x8001 has its top bit set, so without the zero byte OpenSSH would read a negative number.
    const key = crypto.generateKeyPairSync('rsa', { modulusLength: 1024, publicExponent: 0x8001 }).privateKey;
    const dir = tempDir();
    const pemPath = path.join(dir, 'k.pem');
    fs.writeFileSync(pemPath, key.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
    const line = openSshPublicKey(key.export({ type: 'pkcs1', format: 'pem' }) as string, '');
    assert.equal(sshKeygen(['-y', '-f', pemPath]), line);
    const blob = Buffer.from(line.split(' ')[1], 'base64');
    assert.deepEqual([...blob.subarray(11, 18)], [0, 0, 0, 3, 0, 0x80, 0x01]);
  });

  test('ed25519: ssh-keygen reads the public key line and agrees on the fingerprint', () => {
    const line = openSshPublicKey(ed25519.export({ type: 'pkcs8', format: 'pem' }) as string, 'ed\nkey');
    assert.match(line, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5[A-Za-z0-9+/=]+ ed key$/);
    const pubPath = path.join(tempDir(), 'k.pub');
    fs.writeFileSync(pubPath, `${line}\n`);
    assert.equal(sshKeygen(['-lf', pubPath]), `256 ${sha256Fingerprint(line)} ed key (ED25519)`);
  });

  test('samePublicKey ignores comments, options and the type word, and tells keys apart', () => {
    const line = openSshPublicKey(PKCS1_PEM, 'one');
    const blob = line.split(' ')[1];
    assert.ok(samePublicKey(line, `  ssh-rsa   ${blob}  another comment here \n`));
    assert.ok(samePublicKey(line, `no-pty,command="echo a b" ssh-rsa ${blob} c`));
    assert.ok(samePublicKey(line, blob));
    assert.ok(!samePublicKey(line, openSshPublicKey(otherRsa.export({ type: 'pkcs1', format: 'pem' }) as string, 'one')));
    assert.ok(!samePublicKey(line, `ssh-ed25519 ${blob}`));
    assert.ok(!samePublicKey(line, 'ssh-rsa not-base64'));
    assert.throws(() => sha256Fingerprint('garbage'), KeyFormatError);
  });
});

describe('keyFileBaseName', () => {
  test('replaces characters unsafe on Windows, macOS or Linux', () => {
    assert.equal(keyFileBaseName('prod:web-01'), 'prod_web-01');
    assert.equal(keyFileBaseName('a<b>c"d/e\\f|g?h*i'), 'a_b_c_d_e_f_g_h_i');
    assert.equal(keyFileBaseName('tab\there\u0000\u001f'), 'tab_here__');
  });

  test('replaces leading dots and trailing dots and spaces', () => {
    assert.equal(keyFileBaseName('..hidden'), '__hidden');
    assert.equal(keyFileBaseName('name. .'), 'name___');
    assert.equal(keyFileBaseName('a.b'), 'a.b');
  });

  test('avoids reserved Windows device names, with or without an extension', () => {
    assert.equal(keyFileBaseName('CON'), 'CON_');
    assert.equal(keyFileBaseName('lpt1'), 'lpt1_');
    assert.equal(keyFileBaseName('nul.key'), 'nul.key_');
    assert.equal(keyFileBaseName('CONSOLE'), 'CONSOLE');
  });

  test('keeps Chinese characters', () => {
    assert.equal(keyFileBaseName('生产:密钥_1'), '生产_密钥_1');
  });
});

describe('ensureKeyDirectory', () => {
  test('creates missing folders with mode 0700', async () => {
    const dir = path.join(tempDir(), 'a', '.ssh');
    const previousUmask = process.umask(0);
    try {
      assert.deepEqual(await ensureKeyDirectory(dir), { created: true });
    } finally {
      process.umask(previousUmask);
    }
    assert.equal(modeOf(dir), 0o700);
    assert.equal(modeOf(path.dirname(dir)), 0o700);
    assert.deepEqual(await ensureKeyDirectory(dir), { created: false });
  });

  test('leaves an existing folder alone but reports it when group/world-writable', async () => {
    const dir = tempDir();
    fs.chmodSync(dir, 0o777);
    assert.deepEqual(await ensureKeyDirectory(dir), { created: false, insecureMode: 0o777 });
    assert.equal(modeOf(dir), 0o777);
    fs.chmodSync(dir, 0o755);
    assert.deepEqual(await ensureKeyDirectory(dir), { created: false });
  });

  test('fails with ENOTDIR when the path or a parent is a file', async () => {
    const file = path.join(tempDir(), 'file');
    fs.writeFileSync(file, 'x');
    const error = await rejectsWithCode(ensureKeyDirectory(file), 'ENOTDIR');
    assert.equal(error.path, file);
    await rejectsWithCode(ensureKeyDirectory(path.join(file, 'sub')), 'ENOTDIR');
  });
});

describe('writeSecretFileExclusive', () => {
  test('creates the file with mode 0600 from creation (even with umask 0) and leaves no temp file', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'k.pem');
    const previousUmask = process.umask(0);
    try {
      await writeSecretFileExclusive(target, PKCS1_PEM);
    } finally {
      process.umask(previousUmask);
    }
    assert.equal(modeOf(target), 0o600);
    assert.equal(fs.readFileSync(target, 'utf8'), PKCS1_PEM);
    assert.deepEqual(fs.readdirSync(dir), ['k.pem']);
  });

  test('no file in the folder is ever more open than 0600 while keys are written', async () => {
    const dir = tempDir();
    const stopFile = path.join(tempDir(), 'stop');
    // A separate process polls the folder as fast as it can, as another local user's program would.
    const watcherScript = `
      const fs = require('fs'), path = require('path');
      const [dir, stop] = process.argv.slice(1);
      const seen = {};
      while (!fs.existsSync(stop)) {
        for (const name of fs.readdirSync(dir)) {
          try { const mode = fs.lstatSync(path.join(dir, name)).mode & 0o777; (seen[mode.toString(8)] ||= new Set()).add(name); } catch {}
        }
      }
      const out = {}; for (const [mode, names] of Object.entries(seen)) out[mode] = [...names];
      process.stdout.write(JSON.stringify(out));`;
    const watcher = spawn(process.execPath, ['-e', watcherScript, dir, stopFile]);
    let output = '';
    watcher.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => watcher.on('exit', resolve));
    const previousUmask = process.umask(0);
    try {
      for (let i = 0; i < 200; i++) {
        await writeSecretFileExclusive(path.join(dir, `k${i}.pem`), PKCS1_PEM);
      }
    } finally {
      process.umask(previousUmask);
      fs.writeFileSync(stopFile, '');
      await exited;
    }
    const seen = JSON.parse(output) as Record<string, string[]>;
    assert.deepEqual(Object.keys(seen), ['600']);
    assert.ok(seen['600'].some((name) => name.endsWith('.tmp')), 'the watcher should have caught temp files too');
  });

  test('never overwrites an existing file or a folder', async () => {
    const dir = tempDir();
    const existing = path.join(dir, 'k.pem');
    fs.writeFileSync(existing, 'precious');
    fs.mkdirSync(path.join(dir, 'folder.pem'));
    await rejectsWithCode(writeSecretFileExclusive(existing, PKCS1_PEM), 'EEXIST');
    await rejectsWithCode(writeSecretFileExclusive(path.join(dir, 'folder.pem'), PKCS1_PEM), 'EEXIST');
    assert.equal(fs.readFileSync(existing, 'utf8'), 'precious');
    assert.deepEqual(fs.readdirSync(dir).sort(), ['folder.pem', 'k.pem']);
  });

  test('ENOSPC: a full disk leaves neither temp nor final file', LINUX_MOUNTS, async () => {
    const dir = mountTmpfs('size=16k');
    const filler = path.join(dir, 'filler');
    try {
      fs.writeFileSync(filler, Buffer.alloc(64 * 1024));
    } catch (error) {
      assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
    }
    const target = path.join(dir, 'k.pem');
    const error = await rejectsWithCode(writeSecretFileExclusive(target, PKCS1_PEM), 'ENOSPC');
    assert.equal(error.path, target);
    assert.deepEqual(fs.readdirSync(dir), ['filler']);
  });

  test('EROFS: a read-only file system leaves nothing behind', LINUX_MOUNTS, async () => {
    const dir = mountTmpfs('ro,size=1m');
    await rejectsWithCode(writeSecretFileExclusive(path.join(dir, 'k.pem'), PKCS1_PEM), 'EROFS');
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  test('a file system that does not keep the mode makes the write fail and leaves nothing behind', LINUX_MOUNTS, async () => {
    // bindfs --perms=a+r shows every file as readable by all, as FAT or some network shares do.
    const source = tempDir();
    const dir = tempDir();
    execFileSync('bindfs', ['--perms=a+r', source, dir]);
    mounts.push(dir);
    await rejectsWithCode(writeSecretFileExclusive(path.join(dir, 'k.pem'), PKCS1_PEM), 'INSECURE_MODE');
    assert.deepEqual(fs.readdirSync(source), []);
  });

  test('EACCES: a folder the user may not write to leaves nothing behind', LINUX_MOUNTS, async () => {
    // Root bypasses permission bits, so the write runs in a child process as `nobody`; inside `unshare -r` (a normal
    // user's run) as that user again, in a nested user namespace, who owns the folder but has no write bit on it.
    const root = tempDir();
    fs.chmodSync(root, 0o755);
    const dir = path.join(root, 'not-yours');
    fs.mkdirSync(dir);
    fs.chmodSync(dir, 0o555);
    // `nobody` may not be able to read the checkout (a clone under a 0700 folder): give it its own copy.
    const modules = path.join(root, 'modules');
    fs.mkdirSync(modules, { mode: 0o755 });
    for (const file of ['keyFile.js', 'windowsAcl.js']) {
      fs.copyFileSync(path.join(path.dirname(keyFileModule), file), path.join(modules, file));
    }
    const script = `
      require(${JSON.stringify(path.join(modules, 'keyFile.js'))})
        .writeSecretFileExclusive(process.argv[1], 'secret')
        .then(() => console.log('{"code":"none"}'), (e) => console.log(JSON.stringify({ code: e.code, path: e.path, name: e.name })));`;
    const child = currentPrivilege() === 'userNamespace'
      ? { ...asOutsideUser(process.execPath, ['-e', script, path.join(dir, 'k.pem')]), ids: {} }
      : { command: process.execPath, args: ['-e', script, path.join(dir, 'k.pem')], ids: { uid: 65534, gid: 65534 } };
    const output = await new Promise<string>((resolve, reject) =>
      execFile(child.command, child.args, child.ids, (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      ),
    );
    assert.deepEqual(JSON.parse(output), { code: 'EACCES', path: path.join(dir, 'k.pem'), name: 'KeySaveError' });
    assert.deepEqual(fs.readdirSync(dir), []);
  });
});

describe('saveKeyPair', () => {
  test('saves <name>.pem (0600) and <name>.pub that OpenSSH agrees with', async () => {
    const directory = path.join(tempDir(), 'home', '.ssh');
    const saved = await saveKeyPair({
      directory,
      keyPairName: 'prod:web',
      region: 'cn-hangzhou',
      privateKeyBody: PKCS1_BASE64,
    });
    assert.deepEqual(saved, {
      privateKeyPath: path.join(directory, 'prod_web.pem'),
      publicKeyPath: path.join(directory, 'prod_web.pub'),
      publicKey: saved.publicKey,
      fingerprint: sha256Fingerprint(saved.publicKey),
      renamed: false,
    });
    assert.equal(modeOf(directory), 0o700);
    assert.equal(modeOf(saved.privateKeyPath), 0o600);
    assert.equal(modeOf(saved.publicKeyPath), 0o644);
    assert.equal(fs.readFileSync(saved.privateKeyPath, 'utf8'), PKCS1_PEM);
    assert.equal(fs.readFileSync(saved.publicKeyPath, 'utf8'), `${saved.publicKey}\n`);
    assert.match(saved.publicKey, / swas:cn-hangzhou\/prod:web$/);
    assert.ok(samePublicKey(sshKeygen(['-y', '-f', saved.privateKeyPath]), saved.publicKey));
    assert.equal(sshKeygen(['-lf', saved.publicKeyPath]).split(' ')[1], saved.fingerprint);
    assert.deepEqual(fs.readdirSync(directory).sort(), ['prod_web.pem', 'prod_web.pub']);
  });

  test('picks -2, -3… when the .pem, the .pub or a folder already takes the name', async () => {
    const directory = tempDir();
    fs.writeFileSync(path.join(directory, 'key.pem'), 'old key');
    fs.writeFileSync(path.join(directory, 'key-2.pub'), 'old pub');
    fs.mkdirSync(path.join(directory, 'key-3.pem'));
    const options = { directory, keyPairName: 'key', region: 'cn-beijing', privateKeyBody: PKCS8_PEM };
    const first = await saveKeyPair(options);
    assert.equal(first.privateKeyPath, path.join(directory, 'key-4.pem'));
    assert.equal(first.renamed, true);
    const second = await saveKeyPair(options);
    assert.equal(second.privateKeyPath, path.join(directory, 'key-5.pem'));
    assert.equal(fs.readFileSync(path.join(directory, 'key.pem'), 'utf8'), 'old key');
    assert.equal(fs.readFileSync(path.join(directory, 'key-2.pub'), 'utf8'), 'old pub');
    assert.deepEqual(fs.readdirSync(directory).sort(), ['key-2.pub', 'key-3.pem', 'key-4.pem', 'key-4.pub', 'key-5.pem', 'key-5.pub', 'key.pem']);
  });

  test('reports a group/world-writable key folder', async () => {
    const directory = tempDir();
    fs.chmodSync(directory, 0o775);
    const saved = await saveKeyPair({ directory, keyPairName: 'k', region: 'cn-hangzhou', privateKeyBody: PKCS1_PEM });
    assert.equal(saved.insecureDirectoryMode, 0o775);
  });

  test('rejects a bad key before touching disk', async () => {
    const directory = path.join(tempDir(), 'never-created');
    await assert.rejects(
      saveKeyPair({ directory, keyPairName: 'k', region: 'cn-hangzhou', privateKeyBody: 'not a key' }),
      KeyFormatError,
    );
    assert.equal(fs.existsSync(directory), false);
  });

  test('ENOSPC for the .pub keeps the private key and reports the problem', LINUX_MOUNTS, async () => {
    // 16 KiB = four pages; the filler takes three, the private key the last one.
    const directory = mountTmpfs('size=16k');
    fs.writeFileSync(path.join(directory, 'filler'), Buffer.alloc(12 * 1024));
    const saved = await saveKeyPair({ directory, keyPairName: 'k', region: 'cn-hangzhou', privateKeyBody: PKCS1_PEM });
    assert.match(saved.publicKeyError ?? '', /ENOSPC/);
    assert.equal(fs.readFileSync(saved.privateKeyPath, 'utf8'), PKCS1_PEM);
    assert.deepEqual(fs.readdirSync(directory).sort(), ['filler', 'k.pem']);
  });

  test('EROFS on an existing key folder leaves nothing behind', LINUX_MOUNTS, async () => {
    const mount = mountTmpfs('size=1m');
    const directory = path.join(mount, '.ssh');
    fs.mkdirSync(directory, { mode: 0o700 });
    // read-only at the mount point (not the file system), which a user namespace may also do
    execFileSync('mount', ['-o', 'remount,ro,bind', mount]);
    await rejectsWithCode(
      saveKeyPair({ directory, keyPairName: 'k', region: 'cn-hangzhou', privateKeyBody: PKCS1_PEM }),
      'EROFS',
    );
    assert.deepEqual(fs.readdirSync(directory), []);
  });
});
