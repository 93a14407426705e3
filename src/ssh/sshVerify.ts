import { execFile } from 'node:child_process';

export interface SshRunOptions {
  /** Environment for the ssh child; HOME decides where relative `Include`s and `~` resolve. */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** ssh -G evaluates `Match exec` commands, which may hang. */
const DEFAULT_TIMEOUT_MS = 5_000;

function runSsh(args: string[], options: SshRunOptions): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      'ssh',
      args,
      {
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
        windowsHide: true,
      },
      (error, stdout, stderr) => {
        if (error) {
          const detail = stderr.trim().split(/\r?\n/).slice(0, 5).join('; ');
          reject(new Error(`ssh ${args.join(' ')} failed: ${detail || error.message}`, { cause: error }));
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
  });
}

/** Whether an OpenSSH client is on PATH. */
export async function sshAvailable(options: SshRunOptions = {}): Promise<boolean> {
  try {
    await runSsh(['-V'], options);
    return true;
  } catch {
    return false;
  }
}

/**
 * The configuration OpenSSH resolves for `alias` from `configPath` only (`ssh -G -F`),
 * as lower-case keyword → values (several for repeatable keywords such as identityfile).
 */
export async function sshG(
  alias: string,
  configPath: string,
  options: SshRunOptions = {},
): Promise<Map<string, string[]>> {
  const { stdout, stderr } = await runSsh(['-G', '-F', configPath, '--', alias], options);
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
