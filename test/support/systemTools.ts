import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { currentPrivilege } from './privilege';

// mkfs.* live in /usr/sbin, which Debian leaves off a normal user's PATH
const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

function findTool(binary: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...SBIN];
  return dirs.map((dir) => path.join(dir, binary)).find((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * The absolute path of `binary`, installing `aptPackage` when it is missing (real root only); anyone else is told
 * the one line to run.
 */
export function ensureTool(binary: string, aptPackage: string): string {
  const found = findTool(binary);
  if (found) return found;
  if (currentPrivilege() !== 'root') throw new Error(`${binary} is missing: as root, run apt-get install -y ${aptPackage}`);
  execFileSync('apt-get', ['install', '-y', aptPackage], { stdio: 'inherit' });
  const installed = findTool(binary);
  if (!installed) throw new Error(`${binary} is not on PATH even after installing ${aptPackage}`);
  return installed;
}

/** A normal user's FUSE mounts (bindfs, fusefat) inside `unshare -r` need /dev/fuse open to them; root's always is. */
export function ensureFuseOpen(): void {
  if (currentPrivilege() === 'root') return;
  try {
    fs.accessSync('/dev/fuse', fs.constants.R_OK | fs.constants.W_OK);
  } catch {
    throw new Error('FUSE (bindfs, fusefat) needs /dev/fuse open to you, as Debian and Ubuntu ship it (crw-rw-rw-): as root, run chmod 0666 /dev/fuse');
  }
}
