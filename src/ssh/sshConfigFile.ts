import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Logger, silentLogger } from '../logger';
import { withConfigLock } from './configLock';
import { SshConfigError } from './sshConfigError';
import { applyManagedBlock, findManagedBlock, ManagedBlock, removeManagedBlock } from './sshConfigText';
import { sshMissing, verifyBlock } from './sshVerify';

const BACKUP_SUFFIX = '.swas-backup';

export interface UpdateSshConfigOptions {
  region: string;
  keyPairName: string;
  /** Check the result with `ssh -G` and roll back if OpenSSH resolves other values (default true). */
  verify?: boolean;
  logger?: Logger;
}

export interface UpdateSshConfigResult {
  block?: ManagedBlock;
  /** Copy of the previous file (absent when the file was created). */
  backupPath?: string;
  /** 'skipped-no-ssh' also when `verify: false` was asked for. */
  verified: 'ok' | 'skipped-no-ssh';
  created: boolean;
}

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** The file a config path really names: symlinks are followed, even dangling ones. */
async function resolveTarget(configPath: string): Promise<string> {
  let current = path.resolve(configPath);
  for (let hops = 0; hops < 40; hops++) {
    try {
      return await fs.realpath(current);
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') {
        throw error;
      }
    }
    let link: string;
    try {
      link = await fs.readlink(current);
    } catch {
      // Not a symlink: the file itself is missing and will be created here.
      return path.join(await fs.realpath(path.dirname(current)).catch(() => path.dirname(current)), path.basename(current));
    }
    current = path.resolve(path.dirname(current), link);
  }
  throw new SshConfigError('IO', `${configPath} is a symlink loop.`, { path: configPath });
}

async function readConfig(target: string): Promise<{ text: string; mode?: number; uid?: number; gid?: number }> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(target);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') {
      return { text: '' };
    }
    throw new SshConfigError('IO', `Cannot read ${target}: ${String(error)}`, { path: target, cause: error });
  }
  const stat = await fs.stat(target);
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) {
    // Re-encoding would alter the bytes we promise to keep.
    throw new SshConfigError('IO', `${target} is not UTF-8 text; not editing it.`, { path: target });
  }
  return { text, mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid };
}

async function writeFileDurably(
  file: string,
  text: string,
  mode: number,
  owner: { uid?: number; gid?: number },
  flag: 'w' | 'wx',
): Promise<void> {
  const handle = await fs.open(file, flag, mode);
  try {
    // open() applies the umask; the mode must match the config exactly.
    await handle.chmod(mode);
    if (process.getuid?.() === 0 && owner.uid !== undefined && owner.gid !== undefined) {
      await handle.chown(owner.uid, owner.gid);
    }
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes via a temp file in the same folder and a rename, so readers never see half a file. */
async function replaceAtomically(
  target: string,
  text: string,
  mode: number,
  owner: { uid?: number; gid?: number },
): Promise<void> {
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.swas-tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await writeFileDurably(temp, text, mode, owner, 'wx');
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw new SshConfigError(
      'IO',
      `Cannot replace ${target} (${errnoCode(error) ?? String(error)}): its folder or the file is not writable. Nothing was changed.`,
      { path: target, cause: error },
    );
  }
  try {
    const folder = await fs.open(path.dirname(target), 'r');
    await folder.sync().finally(() => folder.close());
  } catch {
    // Folder fsync is not possible on every platform (Windows); the rename itself is done.
  }
}

/**
 * Read-modify-write of one key pair's block under an inter-process lock: `change`
 * gets the current block (or undefined) and returns the new one, or undefined to
 * remove it. Writes a `<config>.swas-backup` first, replaces the file atomically
 * (through a symlink, keeping mode), then checks the result with `ssh -G` and
 * restores the previous content if OpenSSH disagrees. On any error the file is unchanged.
 */
export async function updateSshConfig(
  configPath: string,
  change: (current: ManagedBlock | undefined, text: string) => ManagedBlock | undefined,
  options: UpdateSshConfigOptions,
): Promise<UpdateSshConfigResult> {
  const logger = options.logger ?? silentLogger;
  const target = await resolveTarget(configPath);
  await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 }).catch((error: unknown) => {
    throw new SshConfigError('IO', `Cannot create the folder of ${target}: ${String(error)}`, { path: target, cause: error });
  });

  return withConfigLock(target, async () => {
    const original = await readConfig(target);
    const created = original.mode === undefined;
    const current = findManagedBlock(original.text, options.region, options.keyPairName);
    const next = change(current, original.text);
    const text = next
      ? applyManagedBlock(original.text, next)
      : removeManagedBlock(original.text, options.region, options.keyPairName);
    const mode = original.mode ?? 0o600;
    const owner = { uid: original.uid, gid: original.gid };

    let backupPath: string | undefined;
    if (text !== original.text) {
      if (!created) {
        backupPath = target + BACKUP_SUFFIX;
        try {
          await writeFileDurably(backupPath, original.text, mode, owner, 'w');
        } catch (error) {
          throw new SshConfigError(
            'IO',
            `Cannot write the backup ${backupPath} (${errnoCode(error) ?? String(error)}), so ${target} was not changed.`,
            { path: backupPath, cause: error },
          );
        }
        logger.info(`Backed up ${target} to ${backupPath}`);
      }
      await replaceAtomically(target, text, mode, owner);
      logger.info(`${next ? 'Wrote' : 'Removed'} SWAS block ${options.region}/${options.keyPairName} in ${target}`);
    }

    let verified: UpdateSshConfigResult['verified'] = 'skipped-no-ssh';
    if (next && options.verify !== false) {
      try {
        await verifyBlock(target, text, next);
        verified = 'ok';
      } catch (error) {
        if (!sshMissing(error)) {
          if (text !== original.text) {
            if (created) {
              await fs.rm(target, { force: true });
            } else {
              await replaceAtomically(target, original.text, mode, owner);
            }
          }
          logger.error(error instanceof Error ? error : String(error));
          throw error;
        }
        logger.warn('ssh is not on PATH; the SSH config was not checked with ssh -G.');
      }
    } else if (!next) {
      verified = 'ok';
    }
    return { block: next, backupPath, verified, created: created && text !== original.text };
  }, { logger });
}
