import { execFile } from 'child_process';
import { promises as fs } from 'fs';
import { promisify } from 'util';
import { currentPrivilege } from '../support/privilege';

const run = promisify(execFile);

/**
 * Real disk failures for the fault suite: a tiny tmpfs that is full, read-only bind mounts.
 * The host runs as root (CI does), where permission bits do not stop writes, so "not writable"
 * is made real with a read-only mount instead of chmod.
 */
export class Mounts {
  private readonly mounted: string[] = [];
  private readonly appendOnly: string[] = [];

  /** A tmpfs of `sizeKb` at `dir`, filled until the kernel says ENOSPC. */
  async fullTmpfs(dir: string, sizeKb = 16): Promise<void> {
    await fs.mkdir(dir, { recursive: true });
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0700`, 'tmpfs', dir]);
    this.mounted.push(dir);
  }

  async fill(dir: string): Promise<void> {
    const chunk = Buffer.alloc(1024, 7);
    const handle = await fs.open(`${dir}/.filler`, 'a');
    try {
      for (;;) await handle.write(chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  /** Makes an existing file or folder read-only in place (EROFS on any write). */
  async readOnly(target: string): Promise<void> {
    await run('mount', ['--bind', target, target]);
    this.mounted.push(target);
    await run('mount', ['-o', 'remount,ro,bind', target]);
  }

  /**
   * Lets files be created in `dir` but none renamed or removed (ext4 `chattr +a`): the lock,
   * candidate and backup can be written, the atomic replace cannot. A normal user's host (uid 0
   * only inside `unshare -r`, no CAP_LINUX_IMMUTABLE) mounts a bindfs view of `dir` over itself that
   * refuses both with the same EPERM.
   */
  async appendOnlyFolder(dir: string): Promise<void> {
    if (currentPrivilege() === 'root') {
      await run('chattr', ['+a', dir]);
      this.appendOnly.push(dir);
      return;
    }
    await run('bindfs', ['--rename-deny', '--delete-deny', dir, dir]);
    this.mounted.push(dir);
  }

  async release(): Promise<void> {
    for (const dir of this.appendOnly.splice(0)) {
      await run('chattr', ['-a', dir]);
    }
    for (const target of this.mounted.reverse()) {
      await run('umount', ['-l', target]).catch(() => undefined);
    }
    this.mounted.length = 0;
  }
}
