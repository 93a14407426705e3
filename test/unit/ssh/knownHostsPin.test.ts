import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { compareHostKeys, pinHostKeys, PINNED_HOST_KEY_MARKER } from '../../../src/ssh/knownHosts';
import { scanHostKeys } from '../../../src/ssh/loginCheck';
import { LocalSshd, SSHD } from '../../integration/sshd';
import { ensureOpenSsh } from '../../support/openssh';
import { onlyOn } from '../../support/platform';
import { ownLoopbackAddress } from '../../support/silentServer';
import { ensureTool } from '../../support/systemTools';

const run = promisify(execFile);
const HOST = ownLoopbackAddress(63);
const LINUX_LOOPBACK = onlyOn(['linux']);
const dirs: string[] = [];
after(async () => Promise.all(dirs.map((dir) => fs.rm(dir, { recursive: true, force: true }))));

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'swas-pin-'));
  dirs.push(dir);
  return dir;
}

async function newPublicKey(type: 'ed25519' | 'ecdsa'): Promise<string> {
  const file = path.join(await tempDir(), 'key');
  await run('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'root@server', '-f', file]);
  return (await fs.readFile(`${file}.pub`, 'utf8')).trim();
}

const bare = (line: string) => line.split(' ').slice(0, 2).join(' ');

/** What OpenSSH finds for `name` in `file` (ssh-keygen -F): the matching lines without ssh-keygen's comments. */
function opensshFinds(name: string, file: string): string[] {
  const found = spawnSync('ssh-keygen', ['-F', name, '-f', file], { encoding: 'utf8' });
  return found.stdout.split('\n').filter((line) => line.trim() && !line.startsWith('#'));
}

describe('pinning host keys in known_hosts', () => {
  let ed25519: string;
  let ecdsa: string;
  let other: string;
  before(async () => {
    await ensureOpenSsh();
    [ed25519, ecdsa, other] = await Promise.all([newPublicKey('ed25519'), newPublicKey('ecdsa'), newPublicKey('ed25519')]);
  });

  test("our lines follow the untouched bytes; OpenSSH finds them; pinning again writes nothing", async () => {
    const file = path.join(await tempDir(), 'known_hosts');
    const original = `# mine\nexample.com ${bare(other)}\r\n|1|c2FsdA==|aGFzaA== ${bare(other)}\n203.0.113.9,[203.0.113.9]:2222 ${bare(other)} no-final-newline`;
    await fs.writeFile(file, original, { mode: 0o644 });
    const result = await pinHostKeys(file, '203.0.113.9', 22, [ed25519, `${ecdsa}`, ed25519], { hashed: false });
    assert.deepEqual(result, { added: [bare(ed25519), bare(ecdsa)], alreadyPinned: [], replaced: 0 });
    const text = await fs.readFile(file, 'utf8');
    assert.equal(text, `${original}\n203.0.113.9 ${bare(ed25519)} ${PINNED_HOST_KEY_MARKER}\n203.0.113.9 ${bare(ecdsa)} ${PINNED_HOST_KEY_MARKER}\n`);
    assert.equal((await fs.stat(file)).mode & 0o777, 0o644, 'the mode stays');
    const found = opensshFinds('203.0.113.9', file);
    assert.ok(found.some((line) => line.includes(bare(ed25519))) && found.some((line) => line.includes(bare(ecdsa))), found.join('\n'));

    const inode = (await fs.stat(file)).ino;
    assert.deepEqual(await pinHostKeys(file, '203.0.113.9', 22, [ecdsa, ed25519], { hashed: false }), { added: [], alreadyPinned: [bare(ed25519), bare(ecdsa)], replaced: 0 });
    assert.equal((await fs.stat(file)).ino, inode);
    assert.equal(await fs.readFile(file, 'utf8'), text);
  });

  test('off port 22 the name is [host]:port; a missing file and folder are made 0600 and 0700', async () => {
    const file = path.join(await tempDir(), 'new', 'known_hosts');
    await pinHostKeys(file, 'web.example', 2222, [ed25519], { hashed: false });
    assert.equal(await fs.readFile(file, 'utf8'), `[web.example]:2222 ${bare(ed25519)} ${PINNED_HOST_KEY_MARKER}\n`);
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
    assert.equal((await fs.stat(path.dirname(file))).mode & 0o777, 0o700);
    assert.equal(opensshFinds('[web.example]:2222', file).length, 1);
    assert.equal(opensshFinds('web.example', file).length, 0);
  });

  test('hashed names: OpenSSH finds them, the name is not in the file, and pinning again finds ours', async () => {
    const file = path.join(await tempDir(), 'known_hosts');
    await pinHostKeys(file, '198.51.100.7', 22, [ed25519], { hashed: true });
    const text = await fs.readFile(file, 'utf8');
    assert.doesNotMatch(text, /198\.51/);
    assert.equal(opensshFinds('198.51.100.7', file).length, 1);
    assert.deepEqual((await pinHostKeys(file, '198.51.100.7', 22, [ed25519], { hashed: true })).alreadyPinned, [bare(ed25519)]);
    assert.equal(await fs.readFile(file, 'utf8'), text);
  });

  test("a new key replaces only our own line for the host; the user's line for it and other hosts' stay", async () => {
    const file = path.join(await tempDir(), 'known_hosts');
    const userLine = `198.51.100.8 ${bare(other)}\n198.51.100.8 ${bare(other)} added-by-hand\n`;
    const otherHost = `198.51.100.9 ${bare(other)} ${PINNED_HOST_KEY_MARKER}\n`;
    await fs.writeFile(file, `${userLine}198.51.100.8 ${bare(ecdsa)} ${PINNED_HOST_KEY_MARKER}\n${otherHost}`);
    const result = await pinHostKeys(file, '198.51.100.8', 22, [ed25519], { hashed: false });
    assert.deepEqual(result, { added: [bare(ed25519)], alreadyPinned: [], replaced: 1 });
    assert.equal(await fs.readFile(file, 'utf8'), `${userLine}${otherHost}198.51.100.8 ${bare(ed25519)} ${PINNED_HOST_KEY_MARKER}\n`);
  });

  test('nothing valid to pin is refused', async () => {
    const file = path.join(await tempDir(), 'known_hosts');
    await assert.rejects(pinHostKeys(file, 'h', 22, ['ssh-ed25519 AAAA', 'junk'], { hashed: false }), /No valid host key/);
  });

  test('comparing with a scan: match, mismatch of any common type, no common type', () => {
    const scannedLine = (key: string) => `203.0.113.9 ${bare(key)}`;
    assert.deepEqual(compareHostKeys([bare(ed25519), bare(ecdsa)], [scannedLine(ed25519)]), { kind: 'match' });
    assert.deepEqual(compareHostKeys([bare(ed25519), bare(ecdsa)], [scannedLine(ed25519), scannedLine(other)]), { kind: 'mismatch', keyType: 'ssh-ed25519' });
    assert.deepEqual(compareHostKeys([bare(ed25519)], [scannedLine(other)]), { kind: 'mismatch', keyType: 'ssh-ed25519' });
    assert.deepEqual(compareHostKeys([bare(ecdsa)], [scannedLine(ed25519)]), { kind: 'noCommonType' });
    assert.deepEqual(compareHostKeys([bare(ed25519)], []), { kind: 'noCommonType' });
  });
});

describe('pinned host keys against a real sshd', LINUX_LOOPBACK, () => {
  let dir: string;
  let sshd: LocalSshd;
  let identity: string;
  before(async () => {
    await ensureOpenSsh();
    ensureTool('sshd', 'openssh-server');
    assert.ok(LocalSshd.available(), `${SSHD} is missing`);
    dir = await tempDir();
    identity = path.join(dir, 'id_ed25519');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', identity]);
    await fs.copyFile(`${identity}.pub`, path.join(dir, 'authorized_keys'));
    sshd = await LocalSshd.start(HOST, path.join(dir, 'authorized_keys'));
  });
  after(async () => sshd?.stop());

  const login = (knownHosts: string) =>
    spawnSync('ssh', ['-F', 'none', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', 'IdentitiesOnly=yes', '-i', identity, '-p', String(sshd.port), `${LocalSshd.loginUser()}@${HOST}`, 'exit', '0'], { encoding: 'utf8', timeout: 30_000 });

  test('ssh with StrictHostKeyChecking=yes and no other known_hosts line logs in with the pinned key, and refuses another', async () => {
    const hostKey = (await fs.readFile(`${sshd.hostKeyFile}.pub`, 'utf8')).trim();
    const pinned = path.join(dir, 'pinned_known_hosts');
    await pinHostKeys(pinned, HOST, sshd.port, [hostKey], { hashed: false });
    const ok = login(pinned);
    assert.equal(ok.status, 0, ok.stderr);

    const wrong = path.join(dir, 'wrong_known_hosts');
    await pinHostKeys(wrong, HOST, sshd.port, [await newPublicKey('ed25519')], { hashed: true });
    const refused = login(wrong);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);

    const scanned = await scanHostKeys(HOST, sshd.port, false, 5);
    assert.deepEqual(compareHostKeys([bare(hostKey)], scanned.lines), { kind: 'match' });
  });
});
