import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KeyFormatError, samePublicKey, sha256Fingerprint } from '../../../src/ssh/keyFormat';
import { onlyOn } from '../../support/platform';
import { asOutsideUser, currentPrivilege } from '../../support/privilege';
import { ensureFuseOpen, ensureTool } from '../../support/systemTools';
import {
  ensureKeyDirectory,
  keyFileBaseName,
  KeySaveError,
  placeKeyFiles,
  saveKeyPair,
  writeSecretFileExclusive,
} from '../../../src/ssh/keyPlacement';
import { generateLocalKeyPair } from '../../../src/ssh/generateKey';

const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const PKCS1_PEM = rsa.export({ type: 'pkcs1', format: 'pem' }) as string;
const PKCS8_PEM = rsa.export({ type: 'pkcs8', format: 'pem' }) as string;
const PKCS1_BASE64 = (rsa.export({ type: 'pkcs1', format: 'der' }) as Buffer).toString('base64');

const placementModule = path.resolve(__dirname, '../../../src/ssh/keyPlacement.js');
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

function sshKeygen(args: string[]): string {
  return execFileSync('ssh-keygen', args, { encoding: 'utf8' }).trim();
}

const loopDevices: string[] = [];
const appendOnlyDirs: string[] = [];
/** Absolute paths of the file-system tools, found (or installed) by before(). */
const tools = { mkfs: '', mount: '' };

/**
 * A real file system without hard links, as on USB sticks and SD cards. As root, exFAT (FUSE on a loop device:
 * mount.exfat-fuse always asks for a block device). Inside a normal user's `unshare -r`, where neither a loop device
 * nor a block-device FUSE mount is allowed, FAT through fusefat on the image file itself; both refuse link() with EPERM.
 */
function mountWithoutHardLinks(): string {
  const image = path.join(tempDir(), 'disk.img');
  fs.writeFileSync(image, Buffer.alloc(8 * 1024 * 1024));
  const dir = tempDir();
  if (currentPrivilege() === 'root') {
    execFileSync(tools.mkfs, [image], { stdio: 'ignore' });
    const device = execFileSync('losetup', ['-f', '--show', image], { encoding: 'utf8' }).trim();
    loopDevices.push(device);
    execFileSync(tools.mount, [device, dir, '-o', 'umask=077'], { stdio: 'ignore' });
  } else {
    execFileSync(tools.mkfs, [image], { stdio: 'ignore' });
    execFileSync(tools.mount, ['-o', 'rw+', image, dir], { stdio: 'ignore' });
  }
  mounts.push(dir);
  return dir;
}

/**
 * A folder where files can be created and linked but not removed: ext4 `chattr +a` as root; inside a normal user's
 * `unshare -r`, which has no CAP_LINUX_IMMUTABLE, bindfs --delete-deny (unlink fails with the same EPERM).
 */
function appendOnlyDir(): string {
  const dir = tempDir();
  if (currentPrivilege() === 'root') {
    execFileSync('chattr', ['+a', dir]);
    appendOnlyDirs.push(dir);
    return dir;
  }
  const view = tempDir();
  execFileSync('bindfs', ['--delete-deny', dir, view]);
  mounts.push(view);
  return view;
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

// real disk failures: tmpfs and bind mounts (Linux's), as root or inside `unshare -r -m`
const LINUX_MOUNTS = onlyOn(['linux']);

before(() => {
  // These tests check against real OpenSSH and real file systems: install what is missing, never skip.
  ensureTool('ssh-keygen', 'openssh-client');
  if (LINUX_MOUNTS.skip) return;
  ensureTool('bindfs', 'bindfs');
  if (currentPrivilege() === 'root') {
    tools.mkfs = ensureTool('mkfs.exfat', 'exfatprogs');
    tools.mount = ensureTool('mount.exfat-fuse', 'exfat-fuse');
    ensureTool('chattr', 'e2fsprogs');
  } else {
    tools.mkfs = ensureTool('mkfs.fat', 'dosfstools');
    tools.mount = ensureTool('fusefat', 'fusefat');
  }
  ensureFuseOpen();
  assert.equal(process.getuid?.(), 0, 'the disk-failure tests mount file systems: run them as root, or through npm test, '
    + 'which runs the unit suite of a normal user inside `unshare -r -m`');
});

after(() => {
  for (const dir of mounts.reverse()) {
    execFileSync('umount', [dir]);
  }
  for (const device of loopDevices) {
    execFileSync('losetup', ['-d', device]);
  }
  for (const dir of appendOnlyDirs) {
    execFileSync('chattr', ['-a', dir]);
  }
  for (const dir of tempRoots) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
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
    assert.equal(keyFileBaseName('COM1'), 'COM1_');
    assert.equal(keyFileBaseName('coma'), 'coma');
    // only the whole name (before an extension) is reserved, not one that ends like it
    assert.equal(keyFileBaseName('falcon'), 'falcon');
    assert.equal(keyFileBaseName('my-aux.key'), 'my-aux.key');
  });

  test('an empty key pair name still gives a usable file name', () => {
    assert.equal(keyFileBaseName(''), '_');
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
    assert.equal(error.message, `The key folder ${file} exists but is not a folder.`);
    const sub = path.join(file, 'sub');
    const parentError = await rejectsWithCode(ensureKeyDirectory(sub), 'ENOTDIR');
    assert.ok(parentError.message.startsWith(`Could not check the key folder ${sub} (ENOTDIR): `), parentError.message);
  });

  test('a key folder that is a dangling symlink cannot be created, and the error says so', async () => {
    const link = path.join(tempDir(), 'keys');
    fs.symlinkSync(path.join(path.dirname(link), 'removed'), link);
    const error = await rejectsWithCode(ensureKeyDirectory(link), 'ENOENT');
    assert.ok(error.message.startsWith(`Could not create the key folder ${link} (ENOENT): `), error.message);
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
    assert.ok(error.message.startsWith(`Could not write ${target} (ENOSPC): `), error.message);
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
    const target = path.join(dir, 'k.pem');
    const error = await rejectsWithCode(writeSecretFileExclusive(target, PKCS1_PEM), 'INSECURE_MODE');
    assert.equal(error.message, `${target} got mode 644 instead of 600; the file system does not keep file permissions.`);
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
    for (const file of ['keyPlacement.js', 'keyFormat.js', 'errno.js', 'process.js', 'renameRetry.js', 'windowsAcl.js', 'windowsAclFormat.js']) {
      fs.copyFileSync(path.join(path.dirname(placementModule), file), path.join(modules, file));
    }
    const script = `
      require(${JSON.stringify(path.join(modules, 'keyPlacement.js'))})
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

  test('a key pair name too long for a file name fails while checking the name, before anything is written', async () => {
    const dir = tempDir();
    const name = 'k'.repeat(300);
    const error = await rejectsWithCode(saveKeyPair({ directory: dir, keyPairName: name, region: 'cn-hangzhou', privateKeyBody: PKCS1_PEM }), 'ENAMETOOLONG');
    assert.ok(error.message.startsWith(`Could not check ${path.join(dir, `${name}.pem`)} (ENAMETOOLONG): `), error.message);
    assert.deepEqual(fs.readdirSync(dir), []);
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

describe('one placement for created and generated keys', () => {
  test('no hard links (exFAT; FAT in a user namespace): saveKeyPair and generateLocalKeyPair both place with the rename fallback', LINUX_MOUNTS, async () => {
    const directory = mountWithoutHardLinks();
    assert.equal(await fs.promises.link(path.join(directory, 'x'), path.join(directory, 'y')).catch((e: NodeJS.ErrnoException) => e.code), 'ENOENT');
    fs.writeFileSync(path.join(directory, 'probe'), '');
    assert.equal(await fs.promises.link(path.join(directory, 'probe'), path.join(directory, 'probe2')).catch((e: NodeJS.ErrnoException) => e.code), 'EPERM', 'links really are unsupported here');
    fs.rmSync(path.join(directory, 'probe'));
    const saved = await saveKeyPair({ directory, keyPairName: 'made', region: 'cn-hangzhou', privateKeyBody: PKCS1_PEM });
    const generated = await generateLocalKeyPair({ directory, keyPairName: 'made', region: 'cn-hangzhou', type: 'ed25519' });
    assert.equal(saved.privateKeyPath, path.join(directory, 'made.pem'));
    assert.equal(generated.privateKeyPath, path.join(directory, 'made-2.pem'));
    assert.ok(samePublicKey(sshKeygen(['-y', '-f', generated.privateKeyPath]), generated.publicKey));
    assert.deepEqual(fs.readdirSync(directory).sort(), ['made-2.pem', 'made-2.pub', 'made.pem', 'made.pub']);
  });

  // link(2) says "not supported" differently per system: EPERM (Linux), ENOTSUP / EOPNOTSUPP (macOS,
  // SMB and NFS mounts), ENOSYS (some FUSE file systems). Each such answer is injected into fs.link here.
  for (const code of ['ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']) {
    test(`link answered ${code}: the key is placed by the rename fallback, 0600, with nothing left over`, async (t) => {
      t.mock.method(fs.promises, 'link', async () => {
        throw Object.assign(new Error(`${code}: link not supported`), { code });
      });
      const directory = tempDir();
      const saved = await saveKeyPair({ directory, keyPairName: 'nolink', region: 'cn-hangzhou', privateKeyBody: PKCS1_PEM });
      assert.equal(saved.privateKeyPath, path.join(directory, 'nolink.pem'));
      assert.equal(fs.readFileSync(saved.privateKeyPath, 'utf8'), PKCS1_PEM);
      assert.equal(modeOf(saved.privateKeyPath), 0o600);
      assert.deepEqual(fs.readdirSync(directory).sort(), ['nolink.pem', 'nolink.pub']);
    });
  }

  const linkFails = (code: string) => async () => {
    throw Object.assign(new Error(`${code}: link failed`), { code });
  };

  test('the rename fallback reports no stray temp file: the temp name is gone once renamed', async (t) => {
    t.mock.method(fs.promises, 'link', linkFails('ENOTSUP'));
    const directory = tempDir();
    const placed = await placeKeyFiles(directory, 'nolink', PKCS1_PEM, 'ssh-rsa AAAA nolink\n');
    assert.deepEqual(placed.strayTempFiles, []);
    assert.equal(placed.publicKeyFailure, undefined);
    assert.deepEqual(fs.readdirSync(directory).sort(), ['nolink.pem', 'nolink.pub']);
  });

  test('a link that fails for another reason (EIO) fails the save with that error, and nothing is written', async (t) => {
    t.mock.method(fs.promises, 'link', linkFails('EIO'));
    const directory = tempDir();
    await assert.rejects(saveKeyPair({ directory, keyPairName: 'eio', region: 'cn-hangzhou', privateKeyBody: PKCS1_PEM }),
      (error: unknown) => error instanceof KeySaveError && error.code === 'EIO');
    assert.deepEqual(fs.readdirSync(directory), []);
  });

  test('a name another process takes between the failed link and the rename is left alone: the key takes the next name', async (t) => {
    const directory = tempDir();
    const other = path.join(directory, 'race.pem');
    t.mock.method(fs.promises, 'link', async (_from: string, to: string) => {
      if (to === other) fs.writeFileSync(other, 'theirs');
      throw Object.assign(new Error('EPERM: link not supported'), { code: 'EPERM' });
    });
    const saved = await saveKeyPair({ directory, keyPairName: 'race', region: 'cn-hangzhou', privateKeyBody: PKCS1_PEM });
    assert.equal(saved.privateKeyPath, path.join(directory, 'race-2.pem'));
    assert.equal(fs.readFileSync(other, 'utf8'), 'theirs');
    assert.equal(fs.readFileSync(saved.privateKeyPath, 'utf8'), PKCS1_PEM);
    assert.deepEqual(fs.readdirSync(directory).sort(), ['race-2.pem', 'race-2.pub', 'race.pem']);
  });

  test('a rename fallback that fails once fails the save with the rename\'s own error, and nothing is left', async (t) => {
    t.mock.method(fs.promises, 'link', linkFails('EPERM'));
    t.mock.method(fs.promises, 'rename', async () => {
      throw Object.assign(new Error('EACCES: permission denied, rename'), { code: 'EACCES' });
    });
    const directory = tempDir();
    await assert.rejects(saveKeyPair({ directory, keyPairName: 'norename', region: 'cn-hangzhou', privateKeyBody: PKCS1_PEM }),
      (error: unknown) => error instanceof KeySaveError && error.code === 'EACCES' && /EACCES: permission denied, rename/.test(error.message));
    assert.deepEqual(fs.readdirSync(directory), []);
  });

  test('a name that appears between the check and the link (EEXIST) is skipped: the key takes the next name', async (t) => {
    const directory = tempDir();
    const link = fs.promises.link;
    let first = true;
    t.mock.method(fs.promises, 'link', async (from: string, to: string) => {
      if (first) {
        first = false;
        throw Object.assign(new Error(`EEXIST: file already exists, link '${from}' -> '${to}'`), { code: 'EEXIST' });
      }
      return link(from, to);
    });
    const saved = await saveKeyPair({ directory, keyPairName: 'busy', region: 'cn-hangzhou', privateKeyBody: PKCS1_PEM });
    assert.equal(saved.privateKeyPath, path.join(directory, 'busy-2.pem'));
    assert.equal(saved.renamed, true);
    assert.deepEqual(fs.readdirSync(directory).sort(), ['busy-2.pem', 'busy-2.pub']);
  });

  test('tries 1000 names: the 1000th free one is used, and with none free the error says so', async () => {
    const directory = tempDir();
    fs.writeFileSync(path.join(directory, 'many.pem'), '');
    for (let n = 2; n < 1000; n++) fs.writeFileSync(path.join(directory, `many-${n}.pem`), '');
    const saved = await saveKeyPair({ directory, keyPairName: 'many', region: 'cn-hangzhou', privateKeyBody: PKCS1_PEM });
    assert.equal(saved.privateKeyPath, path.join(directory, 'many-1000.pem'));
    await assert.rejects(saveKeyPair({ directory, keyPairName: 'many', region: 'cn-hangzhou', privateKeyBody: PKCS1_PEM }),
      (error: unknown) => error instanceof KeySaveError && error.code === 'EEXIST'
        && error.message === `No free file name for many.pem in ${directory}.`);
  });

  test('the .pub is 0644 even with umask 0', async (t) => {
    const previous = process.umask(0);
    t.after(() => process.umask(previous));
    const directory = tempDir();
    const saved = await saveKeyPair({ directory, keyPairName: 'umask', region: 'cn-hangzhou', privateKeyBody: PKCS1_PEM });
    assert.equal(modeOf(saved.publicKeyPath), 0o644);
    assert.equal(modeOf(saved.privateKeyPath), 0o600);
  });

  test('generateLocalKeyPair: when the .pub cannot be written, no private key is left behind', LINUX_MOUNTS, async () => {
    // 16 KiB = four pages: ssh-keygen's two scratch files and the private key take the last three.
    const directory = mountTmpfs('size=16k');
    fs.writeFileSync(path.join(directory, 'filler'), Buffer.alloc(4 * 1024));
    const error = await rejectsWithCode(generateLocalKeyPair({ directory, keyPairName: 'k', region: 'cn-hangzhou', type: 'ed25519' }), 'ENOSPC');
    assert.equal(error.path, path.join(directory, 'k.pub'), 'the private key was placed, the .pub was not');
    assert.deepEqual(fs.readdirSync(directory), ['filler']);
  });

  test('generateLocalKeyPair: when ssh-keygen fails, its own error is shown and nothing is left behind', LINUX_MOUNTS, async () => {
    const directory = mountTmpfs('size=16k');
    try {
      fs.writeFileSync(path.join(directory, 'filler'), Buffer.alloc(64 * 1024));
    } catch (error) {
      assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
    }
    await assert.rejects(generateLocalKeyPair({ directory, keyPairName: 'k', region: 'cn-hangzhou', type: 'ed25519' }), {
      message: /^ssh-keygen failed: Saving key "[^"]+" failed: No space left on device$/,
    });
    assert.deepEqual(fs.readdirSync(directory), ['filler']);
  });

  test('saveKeyPair names both temp names it could not remove, the private key\'s first', LINUX_MOUNTS, async () => {
    const directory = appendOnlyDir();
    const saved = await saveKeyPair({ directory, keyPairName: 'stray', region: 'cn-hangzhou', privateKeyBody: PKCS1_PEM });
    assert.equal(fs.readFileSync(saved.privateKeyPath, 'utf8'), PKCS1_PEM);
    const strays = saved.strayTempFiles ?? [];
    assert.equal(strays.length, 2);
    assert.match(path.basename(strays[0]), /^\.stray\.pem\.[0-9a-f]{12}\.tmp$/);
    assert.match(path.basename(strays[1]), /^\.stray\.pub\.[0-9a-f]{12}\.tmp$/);
    assert.deepEqual(fs.readdirSync(directory).sort(), [...strays.map((file) => path.basename(file)), 'stray.pem', 'stray.pub'].sort());
  });

  test('a temp name that cannot be removed after placing never costs the placed key', LINUX_MOUNTS, async () => {
    const directory = appendOnlyDir();
    const target = path.join(directory, 'k.pem');
    const placed = await writeSecretFileExclusive(target, PKCS1_PEM);
    assert.equal(fs.readFileSync(target, 'utf8'), PKCS1_PEM);
    assert.equal(modeOf(target), 0o600);
    assert.ok(placed.strayTemp && fs.existsSync(placed.strayTemp), 'the leftover temp name is reported');
    assert.deepEqual(fs.readdirSync(directory).sort(), [path.basename(placed.strayTemp), 'k.pem'].sort());
  });
});
