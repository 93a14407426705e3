import { execFile } from 'node:child_process';

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** The child's environment; HOME decides where OpenSSH looks for `~`. */
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
}

/**
 * The one way this extension runs a program: no shell, no window on Windows, killed at the
 * timeout. Resolves with the exit code, whatever it is; rejects only when the program could not
 * run or ran out of time (the error's `code` is then ENOENT, EACCES…, or `killed` is set).
 */
export function runProcess(command: string, args: readonly string[], options: RunOptions): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: options.env ?? process.env, timeout: options.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, windowsHide: true },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ code: 0, stdout, stderr });
        } else if (typeof error.code === 'number' && !error.killed) {
          resolve({ code: error.code, stdout, stderr });
        } else {
          reject(error);
        }
      },
    );
  });
}
