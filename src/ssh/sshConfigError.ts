export type SshConfigErrorCode =
  | 'MARKERS_UNBALANCED'
  | 'MARKERS_DUPLICATED'
  | 'VERIFY_FAILED'
  /** OpenSSH already rejects the file as it is, before any change of ours. */
  | 'CONFIG_INVALID'
  /** The file starts with a UTF-8 byte order mark, which OpenSSH reads as part of the first keyword. */
  | 'BOM'
  | 'LOCKED'
  /** Windows kept refusing the replace while retrying: another program held the file. */
  | 'IN_USE'
  | 'IO'
  | 'UNPARSEABLE'
  /** A value (a key path, `swas.defaultUser`) that no SSH config quoting can hold. */
  | 'VALUE_UNWRITABLE';

/** One line of OpenSSH's complaint about a config. */
export interface OpenSshProblem {
  /** The file OpenSSH named: the user's config (then `line` is the user's own line number) or an Include'd file. */
  file?: string;
  line?: number;
  message: string;
}

export interface SshConfigErrorDetails {
  path?: string;
  cause?: unknown;
  problems?: OpenSshProblem[];
  /** Keywords OpenSSH reported as "Bad configuration option", spelled as in the file where known. */
  unknownOptions?: string[];
  /** For VALUE_UNWRITABLE: the keyword and the value refused. */
  unwritable?: { keyword: string; value: string };
}

/** Every failure of the SSH config editor; when thrown, the config file is unchanged. */
export class SshConfigError extends Error {
  readonly code: SshConfigErrorCode;
  readonly path?: string;
  override readonly cause?: unknown;
  readonly problems: OpenSshProblem[];
  readonly unknownOptions: string[];
  readonly unwritable?: { keyword: string; value: string };

  constructor(code: SshConfigErrorCode, message: string, details: SshConfigErrorDetails = {}) {
    super(message);
    this.name = 'SshConfigError';
    this.code = code;
    this.path = details.path;
    this.cause = details.cause;
    this.problems = details.problems ?? [];
    this.unknownOptions = details.unknownOptions ?? [];
    this.unwritable = details.unwritable;
  }
}

/** "file line 3: message; …" for logs and the user's message. */
export function formatProblems(problems: OpenSshProblem[]): string {
  return problems
    .map(({ file, line, message }) => [file, line !== undefined ? `line ${line}` : undefined].filter(Boolean).join(' ') + (file || line ? ': ' : '') + message)
    .join('; ');
}
