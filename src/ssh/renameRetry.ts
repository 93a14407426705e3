import { promises as fs } from 'node:fs';
import { errnoCode } from './errno';

/**
 * What Windows answers while another program (antivirus, search indexer, sync client) holds a
 * file open for a moment. On POSIX these are lasting refusals (permissions, a mount point), so
 * only Windows retries them.
 */
const BRIEFLY_IN_USE_ON_WINDOWS = new Set(['EPERM', 'EBUSY', 'EACCES']);

/** About 1.5 s in all: long enough for a scan of one small file, short enough to wait for. */
export const RENAME_BACKOFF_MS: readonly number[] = [20, 50, 100, 200, 400, 800];

/** The rename still failed; `attempts` > 1 when it was retried because the file seemed in use. */
export class RenameError extends Error {
  constructor(
    readonly code: string,
    readonly attempts: number,
    readonly cause: unknown,
  ) {
    super(
      attempts > 1
        ? `rename failed (${code}) ${attempts} times over about ${Math.round(RENAME_BACKOFF_MS.reduce((a, b) => a + b, 0) / 100) / 10} s: another program (antivirus, search indexer, sync client) kept the file in use, or it is read-only`
        : `rename failed (${code}): ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = 'RenameError';
  }
}

export interface RenameRetryOptions {
  platform?: NodeJS.Platform;
  delaysMs?: readonly number[];
  /** Called before each retry with the attempt that just failed (1, 2, …). */
  onRetry?: (attempt: number, code: string) => void | Promise<void>;
}

/** `fs.rename`, retried with a short backoff while Windows says the file is in use. */
export async function renameWithRetry(from: string, to: string, options: RenameRetryOptions = {}): Promise<void> {
  const retrying = (options.platform ?? process.platform) === 'win32';
  const delays = options.delaysMs ?? RENAME_BACKOFF_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      await fs.rename(from, to);
      return;
    } catch (error) {
      const code = errnoCode(error) ?? 'UNKNOWN';
      if (!retrying || !BRIEFLY_IN_USE_ON_WINDOWS.has(code) || attempt > delays.length) {
        throw new RenameError(code, attempt, error);
      }
      await options.onRetry?.(attempt, code);
      await new Promise((resolve) => setTimeout(resolve, delays[attempt - 1]));
    }
  }
}
