/**
 * The logging surface the pure modules (`cloud/`, `ssh/`) write to. VS Code's
 * `LogOutputChannel` satisfies it, so these modules never import `vscode`.
 * Never pass a private key, a secret, a token or a full signature to it.
 */
export interface Logger {
  trace(message: string, ...args: unknown[]): void;
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string | Error, ...args: unknown[]): void;
}

export const silentLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
