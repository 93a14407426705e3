import * as os from 'node:os';
import * as path from 'node:path';

/** Expands `~` and `~/…` (also `~\…`) to the home folder; `~user/…` is left alone. */
export function expandHome(p: string, home: string = os.homedir()): string {
  if (p === '~') {
    return home;
  }
  if (p.startsWith('~/') || p.startsWith('~\\')) {
    return path.join(home, p.slice(2));
  }
  return p;
}

/**
 * The path an `IdentityFile` names for `absPath`, as written before quoting (sshConfigText's
 * `sshConfigValue` quotes and escapes it): `~/…` when the file is under `home`, otherwise the absolute
 * path; forward slashes on every platform (OpenSSH for Windows accepts them and they need no escaping).
 */
export function identityFileForConfig(absPath: string, home: string, platform: NodeJS.Platform): string {
  const pathApi = platform === 'win32' ? path.win32 : path.posix;
  const toSlashes = (p: string): string => (platform === 'win32' ? p.replace(/\\/g, '/') : p);
  // path.win32.relative compares case-insensitively, as Windows file names are.
  const relative = pathApi.relative(home, absPath);
  const underHome = relative !== '' && !relative.startsWith('..') && !pathApi.isAbsolute(relative);
  return underHome ? `~/${toSlashes(relative)}` : toSlashes(pathApi.normalize(absPath));
}
