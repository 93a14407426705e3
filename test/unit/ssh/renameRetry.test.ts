import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RenameError, renameWithRetry } from '../../../src/ssh/renameRetry';
import { onlyOn } from '../../support/platform';
import { currentPrivilege } from '../../support/privilege';
import { ensureFuseOpen, ensureTool } from '../../support/systemTools';

// A target that refuses to be replaced with EPERM, as Windows does while an antivirus or indexer holds it: an
// immutable file (ext4 `chattr +i`) as root; inside a normal user's `unshare -r`, which has no CAP_LINUX_IMMUTABLE,
// a bindfs --rename-deny view of the folder. Letting go is the other program closing the file: the flag cleared,
// or the view replaced by a plain bind mount of the same folder.
const LINUX_LOCKS = onlyOn(['linux']);
const immutable: string[] = [];
const mounts: string[] = [];
const roots: string[] = [];

before(() => {
  if (LINUX_LOCKS.skip) return;
  if (currentPrivilege() === 'root') {
    ensureTool('chattr', 'e2fsprogs');
    return;
  }
  ensureTool('bindfs', 'bindfs');
  ensureFuseOpen();
});

function lockedTarget(): { from: string; to: string; release: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rename-retry-'));
  roots.push(dir);
  const rooted = currentPrivilege() === 'root';
  const source = rooted ? dir : path.join(dir, 'source');
  const view = rooted ? dir : path.join(dir, 'view');
  fs.mkdirSync(source, { recursive: true });
  fs.writeFileSync(path.join(source, 'candidate'), 'new');
  fs.writeFileSync(path.join(source, 'config'), 'old');
  const from = path.join(view, 'candidate');
  const to = path.join(view, 'config');
  if (rooted) {
    execFileSync('chattr', ['+i', to]);
    immutable.push(to);
    return { from, to, release: () => execFileSync('chattr', ['-i', to]) };
  }
  fs.mkdirSync(view);
  execFileSync('bindfs', ['--rename-deny', source, view]);
  mounts.push(view);
  return {
    from,
    to,
    release: () => {
      execFileSync('umount', [view]);
      execFileSync('mount', ['--bind', source, view]);
    },
  };
}

after(() => {
  for (const file of immutable) execFileSync('chattr', ['-i', file]);
  for (const view of mounts) execFileSync('umount', [view]);
  for (const dir of roots) fs.rmSync(dir, { recursive: true, force: true });
});

describe('renameWithRetry', () => {
  test('on Windows, a file in use for a moment is replaced once it is let go', LINUX_LOCKS, async () => {
    const { from, to, release } = lockedTarget();
    const retries: Array<[number, string]> = [];
    await renameWithRetry(from, to, {
      platform: 'win32',
      delaysMs: [1, 1, 1],
      onRetry: (attempt, code) => {
        retries.push([attempt, code]);
        if (attempt === 2) release();
      },
    });
    assert.deepEqual(retries, [[1, 'EPERM'], [2, 'EPERM']]);
    assert.equal(fs.readFileSync(to, 'utf8'), 'new');
  });

  test('on Windows, a file that stays in use fails after the backoff with a message that says so', LINUX_LOCKS, async () => {
    const { from, to } = lockedTarget();
    await assert.rejects(renameWithRetry(from, to, { platform: 'win32', delaysMs: [1, 1, 1] }), (error: unknown) => {
      assert.ok(error instanceof RenameError);
      assert.equal(error.code, 'EPERM');
      assert.equal(error.attempts, 4);
      assert.match(error.message, /4 times .*another program \(antivirus, search indexer, sync client\) kept the file in use/);
      return true;
    });
    assert.equal(fs.readFileSync(to, 'utf8'), 'old');
  });

  test('the message names the default backoff\'s total, 20+50+100+200+400+800 ms ≈ 1.6 s, and the error is a RenameError', LINUX_LOCKS, async () => {
    const { from, to } = lockedTarget();
    await assert.rejects(renameWithRetry(from, to, { platform: 'win32', delaysMs: [1] }), (error: unknown) => {
      assert.ok(error instanceof RenameError);
      assert.equal(error.name, 'RenameError');
      assert.equal(
        error.message,
        'rename failed (EPERM) 2 times over about 1.6 s: another program (antivirus, search indexer, sync client) kept the file in use, or it is read-only',
      );
      return true;
    });
  });

  test('waits the first delay after the first failure', LINUX_LOCKS, async () => {
    const { from, to } = lockedTarget();
    const started = Date.now();
    await assert.rejects(renameWithRetry(from, to, { platform: 'win32', delaysMs: [300, 1, 1] }), RenameError);
    assert.ok(Date.now() - started >= 290, `gave up after ${Date.now() - started} ms`);
  });

  test('on Linux the same refusal is lasting: no retry', LINUX_LOCKS, async () => {
    const { from, to } = lockedTarget();
    let retried = false;
    await assert.rejects(renameWithRetry(from, to, { platform: 'linux', onRetry: () => void (retried = true) }), (error: unknown) => {
      assert.ok(error instanceof RenameError);
      assert.equal(error.attempts, 1);
      // One attempt: Node's own message, not the one about a file kept in use.
      assert.equal(error.message, `rename failed (EPERM): EPERM: operation not permitted, rename '${from}' -> '${to}'`);
      return true;
    });
    assert.equal(retried, false);
  });
});

// EBUSY and EACCES are what Windows also answers for a file held open; fs.rename is made to answer them
// here (a real EBUSY on Linux needs a mount point, a real EACCES a non-root user).
for (const code of ['EBUSY', 'EACCES']) {
  test(`on Windows ${code} is retried too: the second attempt renames`, async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rename-retry-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const from = path.join(dir, 'from');
    const to = path.join(dir, 'to');
    fs.writeFileSync(from, 'content');
    const rename = fs.promises.rename;
    let calls = 0;
    t.mock.method(fs.promises, 'rename', async (a: string, b: string) => {
      if (++calls === 1) throw Object.assign(new Error(`${code}: resource busy or locked, rename`), { code });
      return rename(a, b);
    });
    await renameWithRetry(from, to, { platform: 'win32', delaysMs: [1] });
    assert.equal(calls, 2);
    assert.equal(fs.readFileSync(to, 'utf8'), 'content');
  });
}
