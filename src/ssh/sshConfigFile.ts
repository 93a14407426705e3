import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Logger, silentLogger } from '../logger';
import { withConfigLock } from './configLock';
import { errnoCode } from './errno';
import { RenameError, renameWithRetry } from './renameRetry';
import { formatProblems, OpenSshProblem, SshConfigError } from './sshConfigError';
import {
  applyManagedBlock,
  findManagedBlock,
  ManagedBlock,
  originalLineOf,
  removeManagedBlock,
  withIgnoreUnknown,
  withoutBom,
} from './sshConfigText';
import { openSshProblems, sshG, sshMissing, verifyBlock } from './sshVerify';

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

/** Creates `file` (never an existing one), with the config's mode and owner, synced to disk. */
export async function writeFileDurably(file: string, text: string, mode: number, owner: { uid?: number; gid?: number }): Promise<void> {
  const handle = await fs.open(file, 'wx', mode);
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

/** A hidden, unique name in `file`'s folder: a rename from there to `file` never crosses file systems. */
export function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.swas-tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * The candidate file: written next to the config (same folder, mode and owner) so that OpenSSH can
 * check it exactly as it will read the config (relative `Include`s resolve from ~/.ssh either
 * way, ssh_config(5)) before anything the user owns is touched.
 */
async function writeCandidate(target: string, text: string, mode: number, owner: { uid?: number; gid?: number }): Promise<string> {
  const temp = tempPathFor(target);
  try {
    await writeFileDurably(temp, text, mode, owner);
    return temp;
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw notReplaced(target, error);
  }
}

function notReplaced(target: string, error: unknown): SshConfigError {
  return new SshConfigError(
    'IO',
    `Cannot replace ${target} (${errnoCode(error) ?? String(error)}): its folder or the file is not writable. Nothing was changed.`,
    { path: target, cause: error },
  );
}

/** Renames the candidate over the config, so readers never see half a file. */
async function commitCandidate(temp: string, target: string): Promise<void> {
  try {
    await renameWithRetry(temp, target);
  } catch (error) {
    if (error instanceof RenameError && error.attempts > 1) {
      throw new SshConfigError('IN_USE', `Cannot replace ${target}: ${error.message}. Nothing was changed.`, { path: target, cause: error });
    }
    throw notReplaced(target, error instanceof RenameError ? error.cause : error);
  }
  try {
    const folder = await fs.open(path.dirname(target), 'r');
    await folder.sync().finally(() => folder.close());
  } catch {
    // Folder fsync is not possible on every platform (Windows); the rename itself is done.
  }
}

/**
 * A first backup is written in place (`wx`: works even in a folder that refuses renames). An existing
 * backup is replaced through a temp file and a rename, so a write that fails halfway (a full disk)
 * leaves the previous backup whole instead of truncated. A half-written file is removed.
 */
async function writeBackup(backupPath: string, target: string, text: string, mode: number, owner: { uid?: number; gid?: number }): Promise<void> {
  let written = backupPath;
  try {
    try {
      await writeFileDurably(backupPath, text, mode, owner);
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') {
        throw error;
      }
      written = tempPathFor(backupPath);
      await writeFileDurably(written, text, mode, owner);
      await renameWithRetry(written, backupPath);
    }
  } catch (error) {
    await fs.rm(written, { force: true }).catch(() => undefined);
    throw new SshConfigError(
      'IO',
      `Cannot write the backup ${backupPath} (${errnoCode(error) ?? String(error)}), so ${target} was not changed.`,
      { path: backupPath, cause: error },
    );
  }
}

const BAD_OPTION = /^Bad configuration option: (\S+)$/;

/** The keywords OpenSSH did not know, spelled as the user's file spells them where it names the line. */
function unknownOptionsOf(problems: OpenSshProblem[], target: string, originalText: string): string[] {
  const lines = originalText.split('\n');
  const options = new Set<string>();
  for (const { file, line, message } of problems) {
    const reported = BAD_OPTION.exec(message)?.[1];
    if (!reported) {
      continue;
    }
    const written = file === target && line !== undefined ? /^\s*([A-Za-z0-9]+)/.exec(lines[line - 1] ?? '')?.[1] : undefined;
    options.add(written?.toLowerCase() === reported.toLowerCase() ? written : reported);
  }
  return [...options];
}

/**
 * Why OpenSSH refused the candidate, in the user's terms: lines of the user's file, and first of
 * all whether the file as it is already fails (then it is the user's config that is broken).
 */
async function explainRefusal(
  refusal: SshConfigError,
  candidate: string,
  target: string,
  original: { text: string; exists: boolean },
  text: string,
  alias: string,
): Promise<SshConfigError> {
  if (original.exists) {
    try {
      await sshG(alias, target);
    } catch (error) {
      if (!sshMissing(error)) {
        const problems = openSshProblems(error);
        const unknownOptions = unknownOptionsOf(problems, target, original.text);
        const fix = unknownOptions.length > 0
          ? ` Add "IgnoreUnknown ${unknownOptions.join(',')}" as the first line of the file (before any Host or Match line), then try again.`
          : ' Fix these lines, then try again.';
        return new SshConfigError(
          'CONFIG_INVALID',
          `${target} already fails OpenSSH's check ("ssh -G") before any change: ${formatProblems(problems)}. Nothing was changed.${fix}`,
          { path: target, cause: error, problems, unknownOptions },
        );
      }
    }
  }
  const userLine = originalLineOf(original.text, text);
  const problems = refusal.problems.map((problem): OpenSshProblem => {
    if (problem.file !== candidate) {
      return problem;
    }
    const line = problem.line === undefined ? undefined : userLine(problem.line);
    return line === undefined ? { file: target, message: `in the new SWAS block: ${problem.message}` } : { ...problem, file: target, line };
  });
  return new SshConfigError(
    'VERIFY_FAILED',
    `OpenSSH does not read the new entry as written: ${formatProblems(problems)}. Nothing was changed.`,
    { path: target, cause: refusal.cause, problems },
  );
}

/**
 * Read-modify-write of one key pair's block under an inter-process lock: `change`
 * gets the current block (or undefined) and returns the new one, or undefined to
 * remove it. The new text goes to a candidate file next to the config, which `ssh -G`
 * checks first; only then is `<config>.swas-backup` written and the candidate renamed over
 * the config (through a symlink, keeping mode). A refusal writes nothing; on any error the
 * config and its backup are unchanged.
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
    const verify = next !== undefined && options.verify !== false;
    if (verify && original.text !== withoutBom(original.text)) {
      throw new SshConfigError(
        'BOM',
        `${target} starts with a UTF-8 byte order mark (BOM). OpenSSH reads it as part of the first keyword and rejects the whole file, so an entry there could not be used. Nothing was changed.`,
        { path: target },
      );
    }
    const text = next
      ? applyManagedBlock(original.text, next)
      : removeManagedBlock(original.text, options.region, options.keyPairName);
    const mode = original.mode ?? 0o600;
    const owner = { uid: original.uid, gid: original.gid };

    const check = async (file: string): Promise<UpdateSshConfigResult['verified']> => {
      if (!next || !verify) {
        return next ? 'skipped-no-ssh' : 'ok';
      }
      try {
        await verifyBlock(file, text, next, originalLineOf(original.text, text));
        return 'ok';
      } catch (error) {
        if (sshMissing(error)) {
          logger.warn('ssh is not on PATH; the SSH config was not checked with ssh -G.');
          return 'skipped-no-ssh';
        }
        const refusal = error instanceof SshConfigError
          ? await explainRefusal(error, file, target, { text: original.text, exists: !created }, text, next.hosts[0]?.alias ?? '')
          : error;
        logger.error(refusal instanceof Error ? refusal : String(refusal));
        throw refusal;
      }
    };

    if (text === original.text) {
      return { block: next, verified: await check(target), created: false };
    }
    const candidate = await writeCandidate(target, text, mode, owner);
    try {
      const verified = await check(candidate);
      let backupPath: string | undefined;
      if (!created) {
        backupPath = target + BACKUP_SUFFIX;
        await writeBackup(backupPath, target, original.text, mode, owner);
        logger.info(`Backed up ${target} to ${backupPath}`);
      }
      await commitCandidate(candidate, target);
      logger.info(`${next ? 'Wrote' : 'Removed'} SWAS block ${options.region}/${options.keyPairName} in ${target}`);
      return { block: next, backupPath, verified, created };
    } finally {
      await fs.rm(candidate, { force: true }).catch(() => undefined);
    }
  }, { logger });
}

export type SshConfigRepair =
  /** OpenSSH here rejects these keywords (macOS's UseKeychain on Linux/Windows): an `IgnoreUnknown` line first. */
  | { kind: 'ignoreUnknown'; options: string[] }
  /** OpenSSH reads a leading UTF-8 BOM as part of the first keyword. */
  | { kind: 'removeBom' };

/**
 * Applies a repair the user agreed to, under the lock, keeping the file as it was in
 * `<config>.swas-backup-<kind>` (a later entry update overwrites `.swas-backup`, not this one).
 */
export async function repairSshConfig(configPath: string, repair: SshConfigRepair, options: { logger?: Logger } = {}): Promise<{ backupPath: string }> {
  const logger = options.logger ?? silentLogger;
  const target = await resolveTarget(configPath);
  return withConfigLock(target, async () => {
    const original = await readConfig(target);
    if (original.mode === undefined) {
      throw new SshConfigError('IO', `${target} does not exist; there is nothing to repair.`, { path: target });
    }
    const text = repair.kind === 'removeBom' ? withoutBom(original.text) : withIgnoreUnknown(original.text, repair.options);
    const owner = { uid: original.uid, gid: original.gid };
    const backupPath = `${target}${BACKUP_SUFFIX}-${repair.kind === 'removeBom' ? 'bom' : 'ignore-unknown'}`;
    const candidate = await writeCandidate(target, text, original.mode, owner);
    try {
      await writeBackup(backupPath, target, original.text, original.mode, owner);
      await commitCandidate(candidate, target);
    } finally {
      await fs.rm(candidate, { force: true }).catch(() => undefined);
    }
    logger.info(`${repair.kind === 'removeBom' ? 'Removed the byte order mark from' : `Added IgnoreUnknown ${repair.options.join(',')} to`} ${target}; the previous file is ${backupPath}`);
    return { backupPath };
  }, { logger });
}
