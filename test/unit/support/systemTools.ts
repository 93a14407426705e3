import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { currentPrivilege } from '../../support/privilege';

/** Installs `aptPackage` when `binary` is missing (real root only); anyone else is told the one line to run. */
export function ensureTool(binary: string, aptPackage: string): void {
  try {
    execFileSync('which', [binary], { stdio: 'ignore' });
  } catch {
    if (currentPrivilege() !== 'root') throw new Error(`${binary} is missing: as root, run apt-get install -y ${aptPackage}`);
    execFileSync('apt-get', ['install', '-y', aptPackage], { stdio: 'inherit' });
  }
  execFileSync('which', [binary], { stdio: 'ignore' });
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
