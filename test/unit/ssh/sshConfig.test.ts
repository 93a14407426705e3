import { describe, test, before, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  applyManagedBlock,
  chooseAlias,
  defaultAlias,
  findManagedBlock,
  listManagedBlocks,
  ManagedBlock,
  removeManagedBlock,
  resolveSshConfigPath,
  repairSshConfig,
  SshConfigError,
  updateSshConfig,
} from '../../../src/ssh/sshConfig';
import { originalLineOf, withIgnoreUnknown } from '../../../src/ssh/sshConfigText';
import { currentPrivilege } from '../../support/privilege';
import { onlyOn } from '../../support/platform';
import { verifyBlock } from '../../../src/ssh/sshVerify';
import { ensureOpenSsh } from '../../support/openssh';
import { ensureFuseOpen, ensureTool } from '../../support/systemTools';
import { silentLogger } from '../../../src/logger';

const BLOCK: ManagedBlock = {
  region: 'cn-hangzhou',
  keyPairName: 'my-key',
  user: 'root',
  identityFile: '~/.ssh/my-key.pem',
  hosts: [{ alias: 'swas-my-key', hostName: '47.1.2.3', instanceId: 'i-abc', instanceName: 'web-1' }],
};
const BEGIN = '# --- BEGIN SWAS KEY PAIR cn-hangzhou/my-key (managed by the SWAS Key Pairs extension; edits inside are replaced) ---';
const END = '# --- END SWAS KEY PAIR cn-hangzhou/my-key ---';
const MATCH_ALL_COMMENT = '# Match all ends the Host section above: what follows applies to every host, as before.';

function isCode(code: string) {
  return (error: unknown): boolean => error instanceof SshConfigError && error.code === code;
}

describe('aliases and paths', () => {
  const pair = { region: 'cn-hangzhou', publicKey: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 comment' };

  test('defaultAlias of an ASCII name: swas-<name>, lower case, characters OpenSSH treats specially replaced', () => {
    assert.equal(defaultAlias('my-key', pair), 'swas-my-key');
    assert.equal(defaultAlias('Prod:Web_01', pair), 'swas-prod-web_01');
    assert.doesNotMatch(defaultAlias('a*b?c!d e', pair), /[*?! ]/);
  });

  test('defaultAlias of a non-ASCII name: its ASCII part and a hash of region, name and public key', () => {
    assert.match(defaultAlias('密钥a', pair), /^swas-a-[0-9a-f]{6}$/);
    assert.match(defaultAlias('生产', pair), /^swas-[0-9a-f]{6}$/);
    assert.equal(defaultAlias('生产', pair), defaultAlias('生产', { ...pair, publicKey: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 other comment' }), 'the comment is not the key');
    const others = [
      defaultAlias('测试', pair),
      defaultAlias('生产', { ...pair, region: 'cn-shanghai' }),
      defaultAlias('生产', { ...pair, publicKey: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC8' }),
    ];
    assert.ok(!others.includes(defaultAlias('生产', pair)), others.join(', '));
    assert.match(defaultAlias('Ünïcode', pair), /^swas-n-code-[0-9a-f]{6}$/, 'any non-ASCII letter, not only Chinese');
  });

  test('resolveSshConfigPath defaults to ~/.ssh/config and expands ~ in the setting', () => {
    assert.equal(resolveSshConfigPath(undefined, '/home/u'), path.join('/home/u', '.ssh', 'config'));
    assert.equal(resolveSshConfigPath('  ', '/home/u'), path.join('/home/u', '.ssh', 'config'));
    assert.equal(resolveSshConfigPath('~/cfg/ssh_config', '/home/u'), path.join('/home/u', 'cfg', 'ssh_config'));
    assert.equal(resolveSshConfigPath('/etc/ssh/custom', '/home/u'), '/etc/ssh/custom');
  });

  test('chooseAlias suffixes only when a host outside our own block holds the name', () => {
    const own = applyManagedBlock('', BLOCK);
    assert.equal(chooseAlias(own, 'swas-my-key', 'cn-hangzhou', 'my-key'), 'swas-my-key');
    assert.equal(chooseAlias(own, 'swas-my-key', 'cn-beijing', 'my-key'), 'swas-my-key-2', 'another block counts');
    const user = 'Host SWAS-my-key\n  HostName 1.1.1.1\nHost swas-my-key-2\n';
    assert.equal(chooseAlias(user, 'swas-my-key', 'cn-hangzhou', 'my-key'), 'swas-my-key-3');
    assert.equal(chooseAlias('Host swas-*\n', 'swas-my-key', 'cn-hangzhou', 'my-key'), 'swas-my-key');
  });
});

describe('managed block text', () => {
  test('renders the exact block and reads it back', () => {
    const text = applyManagedBlock('', { ...BLOCK, hosts: [{ alias: 'swas-my-key', hostName: '47.1.2.3' }] });
    assert.equal(text, [BEGIN, 'Host swas-my-key', '  HostName 47.1.2.3', '  User root',
      '  IdentityFile ~/.ssh/my-key.pem', '  IdentitiesOnly yes', MATCH_ALL_COMMENT, 'Match all', END, ''].join('\n'));
  });

  test('a host without a server gets a comment instead of HostName; paths with spaces are quoted', () => {
    const block: ManagedBlock = { ...BLOCK, identityFile: '~/.ssh/my key.pem', hosts: [{ alias: 'swas-my-key' }, { alias: 'swas-my-key-2', hostName: '8.8.4.4' }] };
    const text = applyManagedBlock('', block);
    assert.match(text, /Host swas-my-key\n {2}# [^\n]*HostName[^\n]*\n {2}User root/);
    assert.match(text, /IdentityFile "~\/\.ssh\/my key\.pem"/);
    assert.deepEqual(findManagedBlock(text, 'cn-hangzhou', 'my-key'), block);
    assert.deepEqual(listManagedBlocks(text), [block]);
  });

  test('uses CRLF in a CRLF file', () => {
    const text = applyManagedBlock('Host a\r\n  User b\r\n', BLOCK);
    assert.doesNotMatch(text.replace(/\r\n/g, ''), /\n/);
    assert.ok(text.endsWith('\r\nHost a\r\n  User b\r\n'));
  });

  test('refuses values that cannot be written safely', () => {
    assert.throws(() => applyManagedBlock('', { ...BLOCK, hosts: [{ alias: 'a b' }] }), TypeError);
    assert.throws(() => applyManagedBlock('', { ...BLOCK, hosts: [{ alias: 'swas-*' }] }), TypeError);
    assert.throws(() => applyManagedBlock('', { ...BLOCK, user: 'x"y' }), { code: 'VALUE_UNWRITABLE' });
    assert.throws(() => applyManagedBlock('', { ...BLOCK, identityFile: 'a\nHost evil' }), { code: 'VALUE_UNWRITABLE' });
  });
});

describe('placement', () => {
  test('goes at the very top, above global lines and top-level Includes, closed by Match all', () => {
    const original = 'IdentityFile ~/.ssh/id_global\nInclude config.d/*\n\nHost a\n  User b\n';
    const text = applyManagedBlock(original, BLOCK);
    assert.ok(text.startsWith(`${BEGIN}\n`));
    assert.ok(text.endsWith(`Match all\n${END}\n\n${original}`), 'blank line, then the user\'s text as it was');
  });

  test('goes above leading comments and a first Match section too', () => {
    assert.ok(applyManagedBlock('Match all\n  User x\n', BLOCK).endsWith(`${END}\n\nMatch all\n  User x\n`));
    const commented = '# my config\nUser g\n\n# servers at work\nHost w\n';
    assert.equal(applyManagedBlock(commented, BLOCK).indexOf(BEGIN), 0);
  });

  test('goes before another managed block that comes first, never inside it', () => {
    const other = applyManagedBlock('Host a\n', { ...BLOCK, region: 'cn-beijing' });
    const text = applyManagedBlock(other, BLOCK);
    assert.ok(text.startsWith(`${BEGIN}\n`));
    assert.equal(listManagedBlocks(text).length, 2);
  });

  test('replaces in place when only comments and other blocks precede it', () => {
    const other = applyManagedBlock('Host z\n', { ...BLOCK, region: 'cn-beijing' });
    const first = `# header\n${applyManagedBlock(other, { ...BLOCK, region: 'cn-beijing' })}`;
    const both = applyManagedBlock(first.replace('# header\n', '# header\n' + applyManagedBlock('', BLOCK) + '\n'), { ...BLOCK, region: 'cn-beijing' });
    const updated = applyManagedBlock(both, { ...BLOCK, hosts: [{ alias: 'swas-my-key', hostName: '9.9.9.9' }] });
    assert.equal(updated.indexOf(BEGIN), both.indexOf(BEGIN), 'same place');
    assert.equal(removeManagedBlock(updated, 'cn-hangzhou', 'my-key'), removeManagedBlock(both, 'cn-hangzhou', 'my-key'));
    assert.equal(findManagedBlock(updated, 'cn-hangzhou', 'my-key')?.hosts[0].hostName, '9.9.9.9');
  });

  test('a block written below the user\'s global lines (older versions) moves to the top', () => {
    const legacy = `IdentityFile ~/.ssh/id_global\n\n${BEGIN}\nHost swas-my-key\n  HostName 47.1.2.3\n${END}\n\nHost a\n`;
    const updated = applyManagedBlock(legacy, BLOCK);
    assert.ok(updated.startsWith(`${BEGIN}\n`));
    assert.ok(updated.endsWith(`${END}\n\nIdentityFile ~/.ssh/id_global\n\nHost a\n`));
    assert.equal(listManagedBlocks(updated).length, 1);
  });

  test('keeps a UTF-8 BOM first and a missing final newline missing', () => {
    const bom = applyManagedBlock('\uFEFFHost a', BLOCK);
    assert.ok(bom.startsWith(`\uFEFF${BEGIN}`));
    assert.ok(bom.endsWith('\n\nHost a'));
    const noNewline = applyManagedBlock('User x', BLOCK);
    assert.ok(noNewline.endsWith(`${END}\n\nUser x`));
    assert.equal(removeManagedBlock(noNewline, 'cn-hangzhou', 'my-key'), 'User x');
  });

  test('IgnoreUnknown goes first and keeps the patterns of the user\'s own IgnoreUnknown', () => {
    const text = withIgnoreUnknown('Host mac\n  IgnoreUnknown AddKeysToAgent,Foo\n  UseKeychain yes\n', ['UseKeychain']);
    const lines = text.split('\n');
    assert.match(lines[0], /^# /);
    assert.equal(lines[1], 'IgnoreUnknown UseKeychain,AddKeysToAgent,Foo');
    assert.equal(lines.slice(2).join('\n'), 'Host mac\n  IgnoreUnknown AddKeysToAgent,Foo\n  UseKeychain yes\n');
  });

  test('originalLineOf maps lines after an insertion back and lines of the insertion to nothing', () => {
    const original = 'a\nb\nc\n';
    const edited = 'x\ny\na\nb\nc\n';
    const map = originalLineOf(original, edited);
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(map), [undefined, undefined, 1, 2, 3, 4]);
    const middle = originalLineOf('a\nb\nc', 'a\nNEW\nb\nc');
    assert.deepEqual([1, 2, 3, 4].map(middle), [1, undefined, 2, 3]);
  });
});

describe('broken files', () => {
  test('unbalanced, nested and duplicated markers are refused', () => {
    assert.throws(() => applyManagedBlock(`${BEGIN}\nHost x\n`, BLOCK), isCode('MARKERS_UNBALANCED'));
    assert.throws(() => findManagedBlock(`Host x\n${END}\n`, 'cn-hangzhou', 'my-key'), isCode('MARKERS_UNBALANCED'));
    assert.throws(() => listManagedBlocks(`${BEGIN}\n${BEGIN.replace('my-key', 'k2')}\n${END}\n`), isCode('MARKERS_UNBALANCED'));
    const once = applyManagedBlock('', BLOCK);
    assert.throws(() => removeManagedBlock(once + once, 'cn-hangzhou', 'my-key'), isCode('MARKERS_DUPLICATED'));
  });

  test('each refusal names the blocks and the lines (1-based) the user has to fix', () => {
    const begin = (id: string) => `# --- BEGIN SWAS KEY PAIR ${id} ---`;
    const end = (id: string) => `# --- END SWAS KEY PAIR ${id} ---`;
    const refusal = (text: string) => {
      try {
        listManagedBlocks(text);
      } catch (error) {
        assert.ok(error instanceof SshConfigError);
        return `${error.code}: ${error.message}`;
      }
      return assert.fail(`accepted: ${text}`);
    };
    assert.equal(refusal(`Host a\n${begin('r/a')}\nHost swas-a\n${begin('r/b')}\n${end('r/b')}\n`),
      'MARKERS_UNBALANCED: SWAS block r/a (line 2) has no END marker before the BEGIN marker of r/b (line 4).');
    assert.equal(refusal(`Host a\n  User u\n${end('r/a')}\n`), 'MARKERS_UNBALANCED: END marker of SWAS block r/a (line 3) has no BEGIN marker.');
    assert.equal(refusal(`${begin('r/a')}\nHost swas-a\n${end('r/b')}\n`),
      'MARKERS_UNBALANCED: SWAS block r/a (line 1) is closed by the END marker of r/b (line 3).');
    assert.equal(refusal(`${begin('r/a')}\n${end('q/a')}\n`), 'MARKERS_UNBALANCED: SWAS block r/a (line 1) is closed by the END marker of q/a (line 2).',
      'another region with the same key pair name is another block');
    assert.equal(refusal(`${begin('r/a')}\n${end('r/b')}\n`), 'MARKERS_UNBALANCED: SWAS block r/a (line 1) is closed by the END marker of r/b (line 2).',
      'the same region with another key pair name is another block');
    assert.equal(refusal(`\n\n${begin('r/a')}\nHost swas-a\n`), 'MARKERS_UNBALANCED: SWAS block r/a (line 3) has no END marker.');
    assert.equal(refusal(`${begin('r/a')}\n${end('r/a')}\n${begin('r/a')}\n${end('r/a')}\n`), 'MARKERS_DUPLICATED: SWAS block r/a appears more than once.');
    assert.equal(refusal('Host a\n  HostName\nHost b\n'), 'UNPARSEABLE: The SSH config has a keyword without a value near line 2; fix it first.');
    assert.match(refusal('Host "unterminated\n'), /^UNPARSEABLE: The SSH config cannot be parsed \(.+\); fix it first\.$/);
    // A keyword alone makes the scanner hand the whole text to ssh-config, which must fail the same way.
    assert.match(refusal('Compression\nyes\nHost="unterminated\n'), /^UNPARSEABLE: The SSH config cannot be parsed \(.+\); fix it first\.$/);
    assert.match(refusal('Host a\n  User "unterminated\n  Compression\n'), /^UNPARSEABLE: The SSH config cannot be parsed \(.+\); fix it first\.$/);
  });

  test('a marker typed by hand is one with any spacing, but only at the start of its comment', () => {
    const ids = (text: string) => listManagedBlocks(text).map((b) => `${b.region}/${b.keyPairName}`);
    assert.deepEqual(ids('#--- BEGIN SWAS KEY PAIR r/a\n#--- END SWAS KEY PAIR r/a\n'), ['r/a']);
    assert.deepEqual(ids('#   ---   BEGIN SWAS KEY PAIR   r/b ---\n#  ---  END SWAS KEY PAIR\tr/b\n'), ['r/b']);
    assert.deepEqual(ids('# see below: # --- BEGIN SWAS KEY PAIR r/c ---\nHost x\n'), [], 'a comment that quotes a marker is no marker');
  });

  test('a marker text in a trailing comment is not a marker', () => {
    const text = `User x ${BEGIN}\nHost a\n`;
    assert.deepEqual(listManagedBlocks(text), []);
  });

  test('text the parser cannot read is refused', () => {
    assert.throws(() => applyManagedBlock('Host "unterminated\n', BLOCK), isCode('UNPARSEABLE'));
  });

  test('linear: a 50,000-host config', (t) => {
    const huge = Array.from({ length: 50_000 }, (_, i) => `Host h${i}\n  HostName 10.0.${i % 250}.${i % 200}\n  User u\n`).join('\n');
    const started = performance.now();
    const text = applyManagedBlock(huge, BLOCK);
    const applied = performance.now() - started;
    assert.equal(removeManagedBlock(text, 'cn-hangzhou', 'my-key'), huge);
    t.diagnostic(`applyManagedBlock on 50,000 hosts (${huge.length} bytes): ${applied.toFixed(0)} ms`);
  });
});

describe('updateSshConfig on disk', () => {
  let home: string;
  let savedHome: string | undefined;
  const undoUnwritable: Array<() => void> = [];
  /**
   * Makes the folder `target` refuse every write: `chattr +i` as real root; inside a normal user's `unshare -r`,
   * which has no CAP_LINUX_IMMUTABLE, a read-only bind mount of it (EROFS instead of EPERM, the same refusal for the
   * code: the candidate cannot be created there).
   */
  const makeUnwritable = (target: string) => {
    if (currentPrivilege() === 'root') {
      execFileSync('chattr', ['+i', target]);
      undoUnwritable.push(() => execFileSync('chattr', ['-i', target]));
      return;
    }
    execFileSync('mount', ['--bind', target, target]);
    undoUnwritable.push(() => execFileSync('umount', [target]));
    execFileSync('mount', ['-o', 'remount,ro,bind', target]);
  };
  /**
   * Makes the file `target` immutable: `chattr +i` as real root; inside a normal user's `unshare -r`, a bindfs
   * --rename-deny view of its folder over the folder itself. Both refuse the rename onto it with EPERM and still
   * let a new file (the backup) be written beside it. Not a read-only bind mount of the file: rename(2) onto a mount
   * point answers EBUSY whatever the mount's flags, which is a mount point, not an immutable file.
   */
  const makeImmutable = (target: string) => {
    if (currentPrivilege() === 'root') {
      execFileSync('chattr', ['+i', target]);
      undoUnwritable.push(() => execFileSync('chattr', ['-i', target]));
      return;
    }
    ensureTool('bindfs', 'bindfs');
    ensureFuseOpen();
    const folder = path.dirname(target);
    execFileSync('bindfs', ['--rename-deny', folder, folder]);
    undoUnwritable.push(() => execFileSync('umount', [folder]));
  };

  before(ensureOpenSsh);

  beforeEach(async () => {
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'swas-sshcfg-'));
    // ssh -G (run by the verify step) resolves ~ and relative Includes against HOME.
    savedHome = process.env.HOME;
    process.env.HOME = home;
  });

  afterEach(async () => {
    process.env.HOME = savedHome;
    for (const undo of undoUnwritable.splice(0).reverse()) undo();
  });

  const setBlock = (block: ManagedBlock) => () => block;

  test('creates a missing config (folder 0700, file 0600) and verifies it with ssh -G', async () => {
    const configPath = path.join(home, '.ssh', 'config');
    const result = await updateSshConfig(configPath, setBlock(BLOCK), { region: 'cn-hangzhou', keyPairName: 'my-key' });
    assert.deepEqual(result, { block: BLOCK, backupPath: undefined, verified: 'ok', created: true });
    assert.equal((await fs.stat(configPath)).mode & 0o777, 0o600);
    assert.equal((await fs.stat(path.dirname(configPath))).mode & 0o777, 0o700);
    assert.deepEqual(findManagedBlock(await fs.readFile(configPath, 'utf8'), 'cn-hangzhou', 'my-key'), BLOCK);
  });

  test('updates in place through a symlink, keeps the mode and writes a backup', async () => {
    const real = path.join(home, 'dotfiles', 'ssh_config');
    await fs.mkdir(path.dirname(real));
    const original = 'Host a\n  HostName 192.0.2.1\n';
    await fs.writeFile(real, original, { mode: 0o640 });
    await fs.chmod(real, 0o640);
    await fs.mkdir(path.join(home, '.ssh'));
    const link = path.join(home, '.ssh', 'config');
    await fs.symlink(real, link);

    const result = await updateSshConfig(link, (current) => {
      assert.equal(current, undefined);
      return BLOCK;
    }, { region: 'cn-hangzhou', keyPairName: 'my-key' });

    assert.ok((await fs.lstat(link)).isSymbolicLink(), 'link stays a link');
    assert.equal((await fs.stat(real)).mode & 0o777, 0o640);
    assert.equal(result.backupPath, `${real}.swas-backup`);
    assert.equal(await fs.readFile(`${real}.swas-backup`, 'utf8'), original);
    assert.equal((await fs.stat(`${real}.swas-backup`)).mode & 0o777, 0o640);
    const written = await fs.readFile(real, 'utf8');
    assert.equal(removeManagedBlock(written, 'cn-hangzhou', 'my-key'), original);

    const removed = await updateSshConfig(link, (current) => {
      assert.deepEqual(current, BLOCK);
      return undefined;
    }, { region: 'cn-hangzhou', keyPairName: 'my-key' });
    assert.equal(removed.block, undefined);
    assert.equal(await fs.readFile(real, 'utf8'), original);
    assert.equal(await fs.readFile(`${real}.swas-backup`, 'utf8'), written);
  });

  test('an immutable config is an IO error and stays unchanged', async () => {
    const configPath = path.join(home, 'config');
    await fs.writeFile(configPath, 'Host a\n');
    makeImmutable(configPath);
    await assert.rejects(
      updateSshConfig(configPath, setBlock(BLOCK), { region: 'cn-hangzhou', keyPairName: 'my-key' }),
      (error: unknown) => {
        assert.ok(error instanceof SshConfigError);
        assert.equal(error.code, 'IO');
        assert.equal(error.message, `Cannot replace ${configPath} (EPERM): its folder or the file is not writable. Nothing was changed.`);
        assert.equal(error.path, configPath);
        assert.equal((error.cause as NodeJS.ErrnoException).code, 'EPERM', 'rename(2) onto an immutable file');
        return true;
      },
    );
    assert.equal(await fs.readFile(configPath, 'utf8'), 'Host a\n');
    assert.deepEqual((await fs.readdir(home)).sort(), ['config', 'config.swas-backup']);
  });

  test('a folder that cannot take new files is an IO error and the config stays unchanged', async () => {
    const folder = path.join(home, 'locked');
    await fs.mkdir(folder);
    const configPath = path.join(folder, 'config');
    await fs.writeFile(configPath, 'Host a\n');
    makeUnwritable(folder);
    await assert.rejects(updateSshConfig(configPath, setBlock(BLOCK), { region: 'cn-hangzhou', keyPairName: 'my-key' }), isCode('IO'));
    assert.equal(await fs.readFile(configPath, 'utf8'), 'Host a\n');
  });

  test('when the backup cannot be written nothing changes', async () => {
    const configPath = path.join(home, 'config');
    await fs.writeFile(configPath, 'Host a\n');
    await fs.mkdir(`${configPath}.swas-backup`);
    await assert.rejects(
      updateSshConfig(configPath, setBlock(BLOCK), { region: 'cn-hangzhou', keyPairName: 'my-key' }),
      (error: unknown) => isCode('IO')(error) && /backup/.test((error as Error).message),
    );
    assert.equal(await fs.readFile(configPath, 'utf8'), 'Host a\n');
  });

  test('a full disk while writing the backup keeps the previous backup whole (case 28b)', onlyOn(['linux']), async () => {
    // a real tmpfs (as root, or inside the unit suite's `unshare -r -m`), filled so that exactly the candidate fits
    const disk = path.join(home, 'disk');
    await fs.mkdir(disk);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', disk]);
    undoUnwritable.push(() => execFileSync('umount', [disk]));
    const configPath = path.join(disk, 'config');
    const original = Array.from({ length: 1_000 }, (_, i) => `Host h${i}\n  HostName 192.0.2.${i % 250}\n`).join('');
    await fs.writeFile(configPath, original);
    const previousBackup = 'Host from-the-last-good-edit\n';
    await fs.writeFile(`${configPath}.swas-backup`, previousBackup);
    const page = 4096;
    const candidatePages = Math.ceil(Buffer.byteLength(applyManagedBlock(original, BLOCK)) / page) + 1;
    await fs.writeFile(path.join(disk, 'reserve'), Buffer.alloc(candidatePages * page));
    const filler = await fs.open(path.join(disk, 'filler'), 'w');
    try {
      for (;;) await filler.write(Buffer.alloc(page));
    } catch (error) {
      assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
    } finally {
      await filler.close();
    }
    await fs.rm(path.join(disk, 'reserve'));

    await assert.rejects(
      updateSshConfig(configPath, setBlock(BLOCK), { region: 'cn-hangzhou', keyPairName: 'my-key' }),
      (error: unknown) => isCode('IO')(error) && /Cannot write the backup .*ENOSPC.*was not changed/.test((error as Error).message),
    );
    assert.equal(await fs.readFile(configPath, 'utf8'), original);
    assert.equal(await fs.readFile(`${configPath}.swas-backup`, 'utf8'), previousBackup, 'the previous backup is whole');
    assert.deepEqual((await fs.readdir(disk)).sort(), ['config', 'config.swas-backup', 'filler'], 'no temp file left');
  });

  test('broken markers: refused and unchanged', async () => {
    const configPath = path.join(home, 'config');
    const broken = `${BEGIN}\nHost swas-my-key\n`;
    await fs.writeFile(configPath, broken);
    await assert.rejects(updateSshConfig(configPath, setBlock(BLOCK), { region: 'cn-hangzhou', keyPairName: 'my-key' }), isCode('MARKERS_UNBALANCED'));
    assert.equal(await fs.readFile(configPath, 'utf8'), broken);
  });

  test('an Include\'d Host * cannot override our values any more: the block comes before the Include', async () => {
    await fs.mkdir(path.join(home, '.ssh', 'config.d'), { recursive: true });
    await fs.writeFile(path.join(home, '.ssh', 'config.d', 'defaults.conf'), 'Host *\n  User someone-else\n  IdentityFile ~/.ssh/id_other\n');
    const configPath = path.join(home, '.ssh', 'config');
    await fs.writeFile(configPath, 'Include config.d/*.conf\n\nHost a\n  HostName 192.0.2.1\n');
    const result = await updateSshConfig(configPath, setBlock(BLOCK), { region: 'cn-hangzhou', keyPairName: 'my-key' });
    assert.equal(result.verified, 'ok');
    const resolved = execFileSync('ssh', ['-G', '-F', configPath, 'swas-my-key'], { env: { ...process.env, HOME: home }, encoding: 'utf8' });
    assert.match(resolved, /^user root$/m);
    assert.deepEqual(resolved.match(/^identityfile .*$/gm), ['identityfile ~/.ssh/my-key.pem', 'identityfile ~/.ssh/id_other']);
    const other = execFileSync('ssh', ['-G', '-F', configPath, 'a'], { env: { ...process.env, HOME: home }, encoding: 'utf8' });
    assert.match(other, /^user someone-else$/m, 'the Include still applies to the other hosts');
  });

  test('verification requires our key to be the FIRST IdentityFile, not just present', async () => {
    const configPath = path.join(home, 'config');
    const oursLast = `IdentityFile ~/.ssh/id_global\n${BEGIN}\nHost swas-my-key\n  HostName 47.1.2.3\n  User root\n  IdentityFile ~/.ssh/my-key.pem\n${END}\n`;
    await fs.writeFile(configPath, oursLast);
    await assert.rejects(verifyBlock(configPath, oursLast, BLOCK),
      (error: unknown) => isCode('VERIFY_FAILED')(error) && /id_global, ~\/\.ssh\/my-key\.pem: ~\/\.ssh\/my-key\.pem must come first/.test((error as Error).message));
    const oursFirst = applyManagedBlock('IdentityFile ~/.ssh/id_global\n', BLOCK);
    await fs.writeFile(configPath, oursFirst);
    await verifyBlock(configPath, oursFirst, BLOCK);
  });

  test('UseKeychain: refused before writing anything, with the user\'s line, "nothing was changed" and the fix; the fix makes the retry succeed', async () => {
    const configPath = path.join(home, 'config');
    const original = '# mac\nHost *\n  AddKeysToAgent yes\n  UseKeychain yes\n\nHost a\n  HostName 192.0.2.1\n';
    await fs.writeFile(configPath, original, { mode: 0o600 });
    await fs.writeFile(`${configPath}.swas-backup`, 'an older backup\n');
    const refusal = await updateSshConfig(configPath, setBlock(BLOCK), { region: 'cn-hangzhou', keyPairName: 'my-key' }).then(
      () => assert.fail('accepted a config OpenSSH rejects'),
      (error: unknown) => error as SshConfigError,
    );
    assert.equal(refusal.code, 'CONFIG_INVALID');
    assert.match(refusal.message, /already fails OpenSSH's check/);
    assert.match(refusal.message, new RegExp(`${configPath} line 4: Bad configuration option: usekeychain`));
    assert.match(refusal.message, /Nothing was changed\. Add "IgnoreUnknown UseKeychain" as the first line/);
    assert.deepEqual(refusal.unknownOptions, ['UseKeychain']);
    assert.equal(await fs.readFile(configPath, 'utf8'), original);
    assert.equal(await fs.readFile(`${configPath}.swas-backup`, 'utf8'), 'an older backup\n', 'the backup is untouched');
    assert.deepEqual((await fs.readdir(home)).sort(), ['config', 'config.swas-backup'], 'no candidate left behind');

    const { backupPath } = await repairSshConfig(configPath, { kind: 'ignoreUnknown', options: refusal.unknownOptions });
    assert.equal(await fs.readFile(backupPath, 'utf8'), original);
    const result = await updateSshConfig(configPath, setBlock(BLOCK), { region: 'cn-hangzhou', keyPairName: 'my-key' });
    assert.equal(result.verified, 'ok');
    const written = await fs.readFile(configPath, 'utf8');
    assert.ok(written.endsWith(`\nIgnoreUnknown UseKeychain\n${original}`));
    assert.equal(await fs.readFile(backupPath, 'utf8'), original, 'the repair\'s backup survives the entry update');
  });

  test('a config OpenSSH rejects for another reason is reported as already broken, with no IgnoreUnknown offer', async () => {
    const configPath = path.join(home, 'config');
    const original = 'Host a\n  Port notanumber\n';
    await fs.writeFile(configPath, original);
    await assert.rejects(updateSshConfig(configPath, setBlock(BLOCK), { region: 'cn-hangzhou', keyPairName: 'my-key' }),
      (error: unknown) => isCode('CONFIG_INVALID')(error) && (error as SshConfigError).unknownOptions.length === 0
        && /line 2: .*Fix these lines/.test((error as Error).message));
    assert.equal(await fs.readFile(configPath, 'utf8'), original);
    assert.deepEqual(await fs.readdir(home), ['config']);
  });

  test('a BOM: refused with the reason before anything is written; removing it (backup kept) lets the entry in', async () => {
    const configPath = path.join(home, 'config');
    const original = '\uFEFFHost a\n  HostName 192.0.2.1\n';
    await fs.writeFile(configPath, original);
    await assert.rejects(updateSshConfig(configPath, setBlock(BLOCK), { region: 'cn-hangzhou', keyPairName: 'my-key' }),
      (error: unknown) => isCode('BOM')(error) && /byte order mark .*OpenSSH .*rejects the whole file.*Nothing was changed/.test((error as Error).message));
    assert.equal(await fs.readFile(configPath, 'utf8'), original);
    assert.deepEqual(await fs.readdir(home), ['config']);
    const { backupPath } = await repairSshConfig(configPath, { kind: 'removeBom' });
    assert.equal(await fs.readFile(backupPath, 'utf8'), original);
    assert.equal(await fs.readFile(configPath, 'utf8'), original.slice(1));
    const result = await updateSshConfig(configPath, setBlock(BLOCK), { region: 'cn-hangzhou', keyPairName: 'my-key' });
    assert.equal(result.verified, 'ok');
  });

  test('a file that is not UTF-8 is left alone', async () => {
    const configPath = path.join(home, 'config');
    const latin1 = Buffer.from('# Caf\xe9\nHost a\n', 'latin1');
    await fs.writeFile(configPath, latin1);
    await assert.rejects(updateSshConfig(configPath, setBlock(BLOCK), { region: 'cn-hangzhou', keyPairName: 'my-key' }), isCode('IO'));
    assert.deepEqual(await fs.readFile(configPath), latin1);
  });

  const recordingLogger = () => {
    const infos: string[] = [];
    return { infos, logger: { ...silentLogger, info: (message: string) => infos.push(message) } };
  };

  test('the log says which file was backed up and whether the block was written or removed', async () => {
    const configPath = path.join(home, 'config');
    await fs.writeFile(configPath, 'Host a\n');
    const { infos, logger } = recordingLogger();
    const options = { region: 'cn-hangzhou', keyPairName: 'my-key', verify: false, logger };
    await updateSshConfig(configPath, setBlock(BLOCK), options);
    await updateSshConfig(configPath, () => undefined, options);
    // Nothing to change: no write, no backup, no log line; verify: false reports the check as skipped.
    assert.deepEqual(await updateSshConfig(configPath, () => undefined, options), { block: undefined, verified: 'ok', created: false });
    await fs.rm(`${configPath}.swas-backup`);
    await updateSshConfig(configPath, setBlock(BLOCK), options);
    assert.deepEqual(await updateSshConfig(configPath, setBlock(BLOCK), options), { block: BLOCK, verified: 'skipped-no-ssh', created: false });
    assert.equal(await fs.readFile(`${configPath}.swas-backup`, 'utf8'), 'Host a\n', 'the unchanged update wrote no backup');
    assert.deepEqual(infos, [
      `Backed up ${configPath} to ${configPath}.swas-backup`,
      `Wrote SWAS block cn-hangzhou/my-key in ${configPath}`,
      `Backed up ${configPath} to ${configPath}.swas-backup`,
      `Removed SWAS block cn-hangzhou/my-key in ${configPath}`,
      `Backed up ${configPath} to ${configPath}.swas-backup`,
      `Wrote SWAS block cn-hangzhou/my-key in ${configPath}`,
    ]);
  });

  test('without ssh on PATH the entry is still written, reported as not checked, with a warning', async (t) => {
    const configPath = path.join(home, 'config');
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => warnings.push(message) };
    const savedPath = process.env.PATH;
    t.after(() => { process.env.PATH = savedPath; });
    process.env.PATH = home;
    const result = await updateSshConfig(configPath, setBlock(BLOCK), { region: 'cn-hangzhou', keyPairName: 'my-key', logger });
    process.env.PATH = savedPath;
    assert.equal(result.verified, 'skipped-no-ssh');
    assert.deepEqual(warnings, ['ssh is not on PATH; the SSH config was not checked with ssh -G.']);
    assert.deepEqual(findManagedBlock(await fs.readFile(configPath, 'utf8'), 'cn-hangzhou', 'my-key'), BLOCK);
  });

  test('a config path that names a folder is an IO error naming the read failure', async () => {
    const folder = path.join(home, 'config');
    await fs.mkdir(folder);
    await assert.rejects(updateSshConfig(folder, setBlock(BLOCK), { region: 'cn-hangzhou', keyPairName: 'my-key', verify: false }), (error: unknown) => {
      assert.ok(error instanceof SshConfigError);
      assert.equal(error.code, 'IO');
      assert.equal(error.message, `Cannot read ${folder}: Error: EISDIR: illegal operation on a directory, read`);
      assert.equal(error.path, folder);
      assert.equal((error.cause as NodeJS.ErrnoException).code, 'EISDIR');
      return true;
    });
    assert.deepEqual(await fs.readdir(folder), []);
  });

  test('a file that is not UTF-8 is refused with a message naming it', async () => {
    const configPath = path.join(home, 'config');
    await fs.writeFile(configPath, Buffer.from('# Caf\xe9\n', 'latin1'));
    await assert.rejects(updateSshConfig(configPath, setBlock(BLOCK), { region: 'cn-hangzhou', keyPairName: 'my-key', verify: false }),
      { code: 'IO', message: `${configPath} is not UTF-8 text; not editing it.`, path: configPath });
  });

  test('a config path in a symlink loop is refused as the OS reports it, and nothing is created', async () => {
    const a = path.join(home, 'a');
    const b = path.join(home, 'b');
    await fs.symlink(b, a);
    await fs.symlink(a, b);
    await assert.rejects(updateSshConfig(a, setBlock(BLOCK), { region: 'cn-hangzhou', keyPairName: 'my-key', verify: false }), { code: 'ELOOP' });
    assert.deepEqual((await fs.readdir(home)).sort(), ['a', 'b']);
  });

  test('each repair keeps the previous file under its own backup name and logs what it did', async () => {
    const configPath = path.join(home, 'config');
    const original = '\uFEFFHost a\n  UseKeychain yes\n';
    await fs.writeFile(configPath, original);
    const { infos, logger } = recordingLogger();
    assert.deepEqual(await repairSshConfig(configPath, { kind: 'removeBom' }, { logger }), { backupPath: `${configPath}.swas-backup-bom` });
    assert.deepEqual(await repairSshConfig(configPath, { kind: 'ignoreUnknown', options: ['UseKeychain', 'AddKeysToAgent'] }, { logger }),
      { backupPath: `${configPath}.swas-backup-ignore-unknown` });
    assert.equal(await fs.readFile(`${configPath}.swas-backup-bom`, 'utf8'), original);
    assert.equal(await fs.readFile(`${configPath}.swas-backup-ignore-unknown`, 'utf8'), original.slice(1));
    assert.deepEqual(infos, [
      `Removed the byte order mark from ${configPath}; the previous file is ${configPath}.swas-backup-bom`,
      `Added IgnoreUnknown UseKeychain,AddKeysToAgent to ${configPath}; the previous file is ${configPath}.swas-backup-ignore-unknown`,
    ]);
  });

  test('repairing a config that does not exist is refused and creates nothing', async () => {
    const configPath = path.join(home, 'config');
    await assert.rejects(repairSshConfig(configPath, { kind: 'removeBom' }),
      { code: 'IO', message: `${configPath} does not exist; there is nothing to repair.`, path: configPath });
    assert.deepEqual(await fs.readdir(home), []);
  });

  test('a repair whose backup cannot be written changes nothing and leaves no candidate behind', async () => {
    const configPath = path.join(home, 'config');
    const original = '\uFEFFHost a\n';
    await fs.writeFile(configPath, original);
    // A folder where the backup goes: the first write finds it (EEXIST), the rename over it fails.
    const backupPath = `${configPath}.swas-backup-bom`;
    await fs.mkdir(backupPath);
    await assert.rejects(repairSshConfig(configPath, { kind: 'removeBom' }), (error: unknown) => {
      assert.ok(error instanceof SshConfigError);
      assert.equal(error.code, 'IO');
      // rename(2): EISDIR, "newpath is an existing directory, but oldpath is not a directory".
      assert.equal(error.message, `Cannot write the backup ${backupPath} (EISDIR), so ${configPath} was not changed.`);
      assert.equal(error.path, backupPath);
      assert.ok(error.cause !== undefined);
      return true;
    });
    assert.equal(await fs.readFile(configPath, 'utf8'), original);
    assert.deepEqual((await fs.readdir(home)).sort(), ['config', 'config.swas-backup-bom']);
    assert.deepEqual(await fs.readdir(backupPath), []);
  });
});
