import * as os from 'node:os';
import { errnoCode } from './errno';
import { expandHome } from './paths';
import { runProcess } from './process';
import { OpenSshProblem, SshConfigError } from './sshConfigError';
import { locateDirective, ManagedBlock } from './sshConfigText';

export interface SshRunOptions {
  /** Environment for the ssh child; HOME decides where relative `Include`s and `~` resolve. */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** ssh -G evaluates `Match exec` commands, which may hang. */
const DEFAULT_TIMEOUT_MS = 5_000;

/** ssh exited with an error; `stderr` is everything it said. */
export class SshRunError extends Error {
  constructor(message: string, readonly stderr: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'SshRunError';
  }
}

async function runSsh(args: string[], options: SshRunOptions): Promise<{ stdout: string; stderr: string }> {
  const failed = (detail: string, stderr: string, cause: unknown) => new SshRunError(`ssh ${args.join(' ')} failed: ${detail}`, stderr, { cause });
  let result;
  try {
    result = await runProcess('ssh', args, { env: options.env, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
  } catch (error) {
    throw failed(error instanceof Error ? error.message : String(error), '', error);
  }
  if (result.code !== 0) {
    const detail = result.stderr.trim().split(/\r?\n/).slice(0, 5).join('; ');
    throw failed(detail || `exit ${result.code}`, result.stderr, undefined);
  }
  return result;
}

/**
 * The configuration OpenSSH resolves for `alias` (`ssh -G`), as lower-case keyword → values (several
 * for repeatable keywords such as identityfile). With `configPath`, from that file only (`-F`);
 * without, from the user's and the system's config, as a plain `ssh <alias>` reads them.
 */
export async function sshG(
  alias: string,
  configPath: string | undefined,
  options: SshRunOptions = {},
): Promise<Map<string, string[]>> {
  const { stdout, stderr } = await runSsh(['-G', ...(configPath ? ['-F', configPath] : []), '--', alias], options);
  const resolved = new Map<string, string[]>();
  for (const line of stdout.split(/\r?\n/)) {
    const match = /^(\S+)\s(.*)$/.exec(line);
    if (!match) {
      continue;
    }
    const keyword = match[1].toLowerCase();
    const values = resolved.get(keyword);
    if (values) {
      values.push(match[2]);
    } else {
      resolved.set(keyword, [match[2]]);
    }
  }
  if (!resolved.has('hostname')) {
    throw new Error(`ssh -G ${alias} printed no configuration: ${stderr.trim() || '(no output)'}`);
  }
  return resolved;
}

function sameIdentityFile(resolved: string, ours: string): boolean {
  // ssh -G may or may not expand "~" and "%%", and OpenSSH may take home from $HOME or from passwd.
  const homes = [os.homedir(), os.userInfo().homedir];
  const forms = [ours, ours.replace(/%/g, '%%')];
  return homes.some((home) => forms.some((form) => expandHome(resolved, home) === expandHome(form, home)));
}

/**
 * ssh -G itself could not be started. Asking `ssh -V` first cost one more process on every
 * update, the largest part of the write after the network calls.
 */
export function sshMissing(error: unknown): boolean {
  const run = error instanceof SshConfigError ? error.cause : error;
  return errnoCode(run instanceof Error ? run.cause : undefined) === 'ENOENT';
}

/** OpenSSH's "<file> line <n>: <message>" (readconf.c), else the whole line as the message. */
const PROBLEM_LINE = /^(.*?):? line (\d+): (.*)$/;
/** Lines that add nothing to what the others say. */
const NOISE = /terminating, \d+ bad configuration options|^Pseudo-terminal will not be allocated/;

/** What OpenSSH said about a config it refused, one problem per line of its complaint. */
export function openSshProblems(error: unknown): OpenSshProblem[] {
  const stderr = error instanceof SshRunError ? error.stderr : '';
  const problems = stderr.split(/\r?\n/).map((line) => line.trim()).filter((line) => line && !NOISE.test(line)).map((line): OpenSshProblem => {
    const located = PROBLEM_LINE.exec(line);
    return located ? { file: located[1], line: Number(located[2]), message: located[3] } : { message: line };
  });
  return problems.length > 0 ? problems : [{ message: error instanceof Error ? error.message : String(error) }];
}

/**
 * Checks with `ssh -G` that OpenSSH resolves every host of `block` from `configPath` (a candidate
 * file holding `text`) to our HostName and User, with our key as the FIRST IdentityFile: OpenSSH
 * offers keys in that order and sshd stops after MaxAuthTries (6 by default) failures, so a key
 * offered later may never be tried. `userLine` maps a line of `text` to the user's own file.
 */
export async function verifyBlock(
  configPath: string,
  text: string,
  block: ManagedBlock,
  userLine: (line: number) => number | undefined = (line) => line,
): Promise<void> {
  for (const host of block.hosts) {
    let resolved: Map<string, string[]>;
    try {
      resolved = await sshG(host.alias, configPath);
    } catch (error) {
      throw new SshConfigError(
        'VERIFY_FAILED',
        `OpenSSH could not read the config with the new entry: ${error instanceof Error ? error.message : String(error)}`,
        { path: configPath, cause: error, problems: openSshProblems(error) },
      );
    }
    const problems: string[] = [];
    const describeSource = (keyword: string, value: string): string => {
      const line = locateDirective(text, keyword, value);
      const own = line === undefined ? undefined : userLine(line);
      return own ? `from line ${own}` : 'from an Include\'d file or an earlier Host/Match section';
    };
    const hostName = resolved.get('hostname')?.[0];
    if (host.hostName && hostName?.toLowerCase() !== host.hostName.toLowerCase()) {
      problems.push(`hostname ${hostName} (${describeSource('hostname', hostName ?? '')}) instead of ${host.hostName}`);
    }
    const user = resolved.get('user')?.[0];
    if (user !== block.user) {
      problems.push(`user ${user} (${describeSource('user', user ?? '')}) instead of ${block.user}`);
    }
    const identityFiles = resolved.get('identityfile') ?? [];
    if (!identityFiles[0] || !sameIdentityFile(identityFiles[0], block.identityFile)) {
      problems.push(`identityfile ${identityFiles.join(', ') || '(none)'}: ${block.identityFile} must come first`);
    }
    if (problems.length > 0) {
      throw new SshConfigError(
        'VERIFY_FAILED',
        `OpenSSH resolves ${host.alias} to ${problems.join('; ')}.`,
        { path: configPath, problems: problems.map((message) => ({ message: `${host.alias}: ${message}` })) },
      );
    }
  }
}
