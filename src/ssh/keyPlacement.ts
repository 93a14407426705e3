import * as crypto from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { normalizePrivateKey, openSshPublicKey, sha256Fingerprint } from './keyFormat';
import { errnoCode } from './errno';
import { runProcess } from './process';
import { RenameError, renameWithRetry } from './renameRetry';
import { assertRestricted, CommandRunner, restrictToCurrentUser } from './windowsAcl';
import { WindowsAclError, WindowsUser } from './windowsAclFormat';

/* Key placement: new key files, private from birth, never replacing a file, complete or absent. */

/**
 * Writing or preparing a key file failed. `code` is the errno code (`ENOSPC`, `EACCES`, `EROFS`,
 * `EEXIST`, `ENOTDIR`, `EISDIR`, …), `INSECURE_MODE` when the file did not end up private, or
 * `WINDOWS_ACL` when restricting it on Windows failed.
 */
export class KeySaveError extends Error {
  constructor(
    readonly code: string,
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'KeySaveError';
  }
}

export interface SavedKey {
  privateKeyPath: string;
  publicKeyPath: string;
  /** OpenSSH public key line, without a newline. */
  publicKey: string;
  /** `SHA256:…`, as `ssh-keygen -lf` shows it. */
  fingerprint: string;
  /** True when `<base>.pem` was taken and a `-2`, `-3`, … name was used. */
  renamed: boolean;
  /** Set when the private key was saved but the `.pub` file could not be written. */
  publicKeyError?: string;
  /** Temp names of the key that could not be removed after it was placed (see PlacedFile). */
  strayTempFiles?: string[];
  /** The key folder's mode when it is group- or world-writable (POSIX). */
  insecureDirectoryMode?: number;
}

const WINDOWS_RESERVED_NAME = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/** A file base name for the key pair that is valid on Windows, macOS and Linux. */
export function keyFileBaseName(keyPairName: string): string {
  let name = keyPairName
    .replace(/[<>:"/\\|?*\u0000-\u001f\u007f]/g, '_')
    .replace(/^\.+/, (dots) => '_'.repeat(dots.length))
    .replace(/[. ]+$/, (tail) => '_'.repeat(tail.length));
  if (name === '') {
    name = '_';
  }
  // Windows reserves these names even with an extension, so `CON.pem` is unusable too.
  return WINDOWS_RESERVED_NAME.test(name) ? `${name}_` : name;
}

function saveError(error: unknown, filePath: string, action: string): KeySaveError {
  if (error instanceof KeySaveError) {
    return error;
  }
  const code = errnoCode(error) ?? 'UNKNOWN';
  // Errno messages name a syscall and a path, never file content, so they are safe to show.
  const cause = error instanceof Error ? error.message : String(error);
  return new KeySaveError(code, filePath, `Could not ${action} ${filePath} (${code}): ${cause}`);
}

/**
 * Creates the key folder (mode 0700) if missing. An existing folder is left as it is, but a
 * group- or world-writable one is reported in `insecureMode` (POSIX only).
 */
export async function ensureKeyDirectory(dir: string): Promise<{ created: boolean; insecureMode?: number }> {
  let created = false;
  let stats;
  try {
    stats = await fs.stat(dir);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') {
      throw saveError(error, dir, 'check the key folder');
    }
    try {
      created = (await fs.mkdir(dir, { recursive: true, mode: 0o700 })) !== undefined;
      stats = await fs.stat(dir);
    } catch (mkdirError) {
      throw saveError(mkdirError, dir, 'create the key folder');
    }
  }
  if (!stats.isDirectory()) {
    throw new KeySaveError('ENOTDIR', dir, `The key folder ${dir} exists but is not a folder.`);
  }
  if (process.platform !== 'win32' && (stats.mode & 0o022) !== 0) {
    return { created, insecureMode: stats.mode & 0o777 };
  }
  return { created };
}

async function removeQuietly(filePath: string): Promise<void> {
  await fs.unlink(filePath).catch(() => undefined);
}

async function pathExists(filePath: string): Promise<boolean> {
  try {
    await fs.lstat(filePath);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') {
      return false;
    }
    throw error;
  }
}

async function defaultCommandRunner(command: string, args: string[]): Promise<string> {
  const result = await runProcess(command, args, { timeoutMs: 15_000 });
  if (result.code !== 0) {
    throw new WindowsAclError(`${path.win32.basename(command)} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
  }
  return result.stdout;
}

/**
 * Gives `tmp` the name `final` without ever replacing an existing `final`. A hard link fails with
 * EEXIST if the target exists (rename would silently overwrite); where the file system cannot link
 * (FAT, exFAT, some network shares) the fallback is a rename after checking the name is free.
 * Returns whether `tmp` still exists (linked) or not (renamed).
 */
async function placeWithoutOverwrite(tmp: string, final: string): Promise<'linked' | 'renamed'> {
  try {
    await fs.link(tmp, final);
    return 'linked';
  } catch (error) {
    if (!LINK_UNSUPPORTED.has(errnoCode(error))) {
      throw error;
    }
  }
  if (await pathExists(final)) {
    throw Object.assign(new Error(`${final} already exists`), { code: 'EEXIST' });
  }
  try {
    await renameWithRetry(tmp, final);
  } catch (error) {
    throw error instanceof RenameError && error.attempts > 1 ? new KeySaveError('IN_USE', final, `Could not place ${final}: ${error.message}.`) : (error as RenameError).cause;
  }
  return 'renamed';
}

const LINK_UNSUPPORTED = new Set<string | undefined>(['EPERM', 'ENOTSUP', 'ENOSYS', 'EOPNOTSUPP']);

async function fsyncDirectory(dir: string): Promise<void> {
  // Makes the new name durable; not possible on every platform (Windows), hence best effort.
  try {
    const handle = await fs.open(dir, fsConstants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    return;
  }
}

interface PlaceOptions {
  mode: number;
  /** Private files: restrict with ACLs on Windows, and check the result everywhere. */
  secret: boolean;
  run: CommandRunner;
}

export interface PlacedFile {
  /**
   * The temp name, when it could not be removed after the file was placed under its real name. The
   * file is placed and kept: the temp name is a second name of the same private file (0600).
   */
  strayTemp?: string;
}

async function assertPrivate(filePath: string, windowsUser: WindowsUser | undefined, options: PlaceOptions): Promise<void> {
  if (windowsUser) {
    await assertRestricted(filePath, windowsUser, options.run);
  } else if (options.secret) {
    const mode = (await fs.stat(filePath)).mode & 0o777;
    if ((mode & 0o077) !== 0 || (mode & 0o400) === 0) {
      throw new KeySaveError(
        'INSECURE_MODE',
        filePath,
        `${filePath} got mode ${mode.toString(8)} instead of 600; the file system does not keep file permissions.`,
      );
    }
  }
}

/**
 * Writes `content` as the new file `filePath`: an exclusive temp file (born with `mode`,
 * restricted before it holds anything), fsynced, then linked into place without replacing
 * anything, and checked. Either complete and private, or absent.
 */
async function placeNewFile(filePath: string, content: string, options: PlaceOptions): Promise<PlacedFile> {
  const dir = path.dirname(filePath);
  const tmp = path.join(dir, `.${path.basename(filePath)}.${crypto.randomBytes(6).toString('hex')}.tmp`);
  let tmpExists = false;
  let placed = false;
  try {
    // 'wx' = O_CREAT|O_EXCL: the file is born with `mode` (umask can only clear bits), so there
    // is no moment where the content sits in a more open file.
    const handle = await fs.open(tmp, 'wx', options.mode);
    tmpExists = true;
    let windowsUser: WindowsUser | undefined;
    try {
      // On Windows the new file inherits the folder's ACL: restrict it before it holds anything.
      if (options.secret && process.platform === 'win32') {
        windowsUser = await restrictToCurrentUser(tmp, options.run);
      }
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    tmpExists = (await placeWithoutOverwrite(tmp, filePath)) === 'linked';
    placed = true;
    await assertPrivate(filePath, windowsUser, options);
  } catch (error) {
    if (tmpExists) {
      await removeQuietly(tmp);
    }
    // Only a file that did not end up private is removed: the caller still holds its content.
    if (placed) {
      await removeQuietly(filePath);
    }
    if (error instanceof WindowsAclError) {
      throw new KeySaveError(error.code, filePath, error.message);
    }
    throw saveError(error, filePath, 'write');
  }
  await fsyncDirectory(dir);
  if (tmpExists) {
    try {
      await fs.unlink(tmp);
    } catch {
      return { strayTemp: tmp };
    }
  }
  return {};
}

/**
 * The only way a private key touches disk: a new file readable by the current user alone
 * (mode 0600, or an owner-only ACL on Windows), never replacing an existing file, and either
 * complete or absent.
 */
export async function writeSecretFileExclusive(
  filePath: string,
  content: string,
  run: CommandRunner = defaultCommandRunner,
): Promise<PlacedFile> {
  return placeNewFile(filePath, content, { mode: 0o600, secret: true, run });
}

export interface KeyPairPlacement {
  privateKeyPath: string;
  publicKeyPath: string;
  /** True when `<base>.pem` was taken and a `-2`, `-3`, … name was used. */
  renamed: boolean;
  /** The private key is placed, its `.pub` is not; the caller decides whether the key stays. */
  publicKeyFailure?: KeySaveError;
  strayTempFiles: string[];
}

const MAX_NAME_ATTEMPTS = 1000;

/**
 * The one placement routine for a key pair (create, import's generated keys): the private key as
 * `<dir>/<base>.pem` (0600) and the public key line as `.pub` (0644), or the first `<base>-2`,
 * `<base>-3`, … where neither name is taken.
 */
export async function placeKeyFiles(
  directory: string,
  base: string,
  privateKey: string,
  publicKeyFile: string,
  run: CommandRunner = defaultCommandRunner,
): Promise<KeyPairPlacement> {
  for (let attempt = 1; attempt <= MAX_NAME_ATTEMPTS; attempt++) {
    const stem = attempt === 1 ? base : `${base}-${attempt}`;
    const privateKeyPath = path.join(directory, `${stem}.pem`);
    const publicKeyPath = path.join(directory, `${stem}.pub`);
    try {
      if ((await pathExists(privateKeyPath)) || (await pathExists(publicKeyPath))) {
        continue;
      }
    } catch (error) {
      throw saveError(error, privateKeyPath, 'check');
    }
    let privatePlaced: PlacedFile;
    try {
      privatePlaced = await writeSecretFileExclusive(privateKeyPath, privateKey, run);
    } catch (error) {
      // Someone created the name between our check and the link: try the next one.
      if (error instanceof KeySaveError && error.code === 'EEXIST') {
        continue;
      }
      throw error;
    }
    const placed: KeyPairPlacement = { privateKeyPath, publicKeyPath, renamed: attempt > 1, strayTempFiles: [] };
    try {
      const publicPlaced = await placeNewFile(publicKeyPath, publicKeyFile, { mode: 0o644, secret: false, run });
      placed.strayTempFiles.push(...(publicPlaced.strayTemp ? [publicPlaced.strayTemp] : []));
    } catch (error) {
      placed.publicKeyFailure = saveError(error, publicKeyPath, 'write');
    }
    placed.strayTempFiles.unshift(...(privatePlaced.strayTemp ? [privatePlaced.strayTemp] : []));
    return placed;
  }
  throw new KeySaveError('EEXIST', directory, `No free file name for ${base}.pem in ${directory}.`);
}

/**
 * Saves the key pair's private key as `<dir>/<name>.pem` (or `<name>-2.pem`, … when taken) and its
 * public key beside it as `.pub`. The key is validated before anything touches disk.
 */
export async function saveKeyPair(options: {
  directory: string;
  keyPairName: string;
  region: string;
  privateKeyBody: string;
}): Promise<SavedKey> {
  const { pem } = normalizePrivateKey(options.privateKeyBody);
  const publicKey = openSshPublicKey(pem, `swas:${options.region}/${options.keyPairName}`);
  const fingerprint = sha256Fingerprint(publicKey);
  const directory = path.resolve(options.directory);
  const { insecureMode } = await ensureKeyDirectory(directory);
  const placed = await placeKeyFiles(directory, keyFileBaseName(options.keyPairName), pem, `${publicKey}\n`);
  const saved: SavedKey = { privateKeyPath: placed.privateKeyPath, publicKeyPath: placed.publicKeyPath, publicKey, fingerprint, renamed: placed.renamed };
  if (insecureMode !== undefined) {
    saved.insecureDirectoryMode = insecureMode;
  }
  // The private key is the irreplaceable part; keep it and report the .pub problem.
  if (placed.publicKeyFailure) {
    saved.publicKeyError = placed.publicKeyFailure.message;
  }
  if (placed.strayTempFiles.length > 0) {
    saved.strayTempFiles = placed.strayTempFiles;
  }
  return saved;
}
