import * as lockfile from 'proper-lockfile';
import { Logger, silentLogger } from '../logger';
import { SshConfigError } from './sshConfigError';

export interface ConfigLockOptions {
  /** How long to keep retrying while another VS Code window/process holds the lock. */
  retryForMs?: number;
  logger?: Logger;
}

const RETRY_INTERVAL_MS = 250;
/** A lock whose holder stopped refreshing it (crashed window) for this long is taken over. */
const STALE_AFTER_MS = 10_000;

/**
 * Runs `action` while holding an inter-process lock on `filePath` (a `<filePath>.lock`
 * directory, so it also works when the file does not exist yet). Pass the realpath so
 * a symlink and its target share one lock.
 */
export async function withConfigLock<T>(
  filePath: string,
  action: () => Promise<T>,
  options: ConfigLockOptions = {},
): Promise<T> {
  const logger = options.logger ?? silentLogger;
  const retryForMs = options.retryForMs ?? 10_000;
  const deadline = Date.now() + retryForMs;
  let release: () => Promise<void>;
  for (;;) {
    try {
      release = await lockfile.lock(filePath, {
        realpath: false,
        stale: STALE_AFTER_MS,
        // The default handler throws from a timer and would crash the extension host.
        onCompromised: (error) => logger.warn(`Lock on ${filePath} was compromised: ${error.message}`),
      });
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ELOCKED') {
        // Retrying cannot help when the folder refuses the lock directory.
        throw new SshConfigError(
          'IO',
          `Cannot lock ${filePath} (${code ?? String(error)}); is its folder writable?`,
          { path: filePath, cause: error },
        );
      }
      if (Date.now() >= deadline) {
        throw new SshConfigError(
          'LOCKED',
          `${filePath} is being edited by another window or process (lock ${filePath}.lock); try again.`,
          { path: filePath, cause: error },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_INTERVAL_MS));
    }
  }
  try {
    return await action();
  } finally {
    await release().catch((error: unknown) =>
      logger.warn(`Releasing the lock on ${filePath} failed: ${String(error)}`),
    );
  }
}
