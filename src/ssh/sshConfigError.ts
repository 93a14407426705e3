export type SshConfigErrorCode =
  | 'MARKERS_UNBALANCED'
  | 'MARKERS_DUPLICATED'
  | 'VERIFY_FAILED'
  | 'LOCKED'
  | 'IO'
  | 'UNPARSEABLE';

/** Every failure of the SSH config editor; when thrown, the config file is unchanged. */
export class SshConfigError extends Error {
  readonly code: SshConfigErrorCode;
  readonly path?: string;
  override readonly cause?: unknown;

  constructor(code: SshConfigErrorCode, message: string, details: { path?: string; cause?: unknown } = {}) {
    super(message);
    this.name = 'SshConfigError';
    this.code = code;
    this.path = details.path;
    this.cause = details.cause;
  }
}
