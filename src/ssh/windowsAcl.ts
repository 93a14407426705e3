/**
 * Restricting a file to the current Windows user with `icacls`, and checking the result.
 * Builds commands and parses their output; the commands run through an injected runner.
 *
 * OpenSSH for Windows refuses a private key that anyone other than the owner, SYSTEM or
 * Administrators can access:
 * https://github.com/PowerShell/Win32-OpenSSH/wiki/Security-protection-of-various-files-in-Win32-OpenSSH
 * We grant the current user alone: the least access that satisfies that rule.
 */

export type CommandRunner = (command: string, args: string[]) => Promise<string>;

export interface WindowsUser {
  /** `DOMAIN\user`, in the same (localized) form `icacls` prints. */
  name: string;
  sid: string;
}

export interface AclEntry {
  principal: string;
  /** The raw rights as `icacls` prints them, e.g. `(F)` or `(I)(RX)`. */
  rights: string;
}

export class WindowsAclError extends Error {
  readonly code = 'WINDOWS_ACL';
  constructor(message: string) {
    super(message);
    this.name = 'WindowsAclError';
  }
}

const SID_PATTERN = /^S-1-\d+(-\d+)+$/;

export function currentUserSidCommand(): { command: string; args: string[] } {
  return { command: 'whoami', args: ['/user', '/fo', 'csv', '/nh'] };
}

/** Parses `whoami /user /fo csv /nh` output: `"desktop-1\alice","S-1-5-21-…"`. */
export function parseWhoamiUser(output: string): WindowsUser {
  const line = output.split(/\r?\n/).find((l) => l.trim() !== '');
  const match = line?.trim().match(/^"((?:[^"]|"")*)","(S-1-[\d-]+)"$/);
  if (!match || !SID_PATTERN.test(match[2])) {
    throw new WindowsAclError('Could not read the current user SID from whoami output.');
  }
  return { name: match[1].replace(/""/g, '"'), sid: match[2] };
}

/** Removes inherited entries and replaces all grants with full control for the user alone. */
export function icaclsRestrictArgs(filePath: string, userSid: string): string[] {
  if (!SID_PATTERN.test(userSid)) {
    throw new WindowsAclError(`Not a SID: ${userSid}`);
  }
  // `*SID` rather than an account name: names are localized ("Administrateurs") and may be ambiguous.
  return [filePath, '/inheritance:r', '/grant:r', `*${userSid}:F`];
}

/**
 * Parses the listing `icacls <filePath>` prints: the path, then one `principal:(rights)` entry
 * per line (continuation lines indented), then a blank line and a localized summary.
 */
export function parseIcaclsOutput(output: string, filePath: string): AclEntry[] {
  const lines = output.split(/\r?\n/);
  const entries: AclEntry[] = [];
  for (let i = 0; i < lines.length; i++) {
    let text = lines[i];
    if (i === 0) {
      // Tools print in the console code page, so non-ASCII parts of the path may come back
      // garbled; the path's ASCII tail (at least the extension) survives and marks its end.
      const asciiTail = (filePath.match(/[\x20-\x7e]*$/) ?? [''])[0];
      const at = asciiTail === '' ? -1 : text.toLowerCase().indexOf(asciiTail.toLowerCase());
      if (at < 0) {
        throw new WindowsAclError(`Unexpected icacls output for ${filePath}.`);
      }
      text = text.slice(at + asciiTail.length);
    } else if (!/^\s/.test(text)) {
      break; // the blank line before the summary, or the summary itself
    }
    const match = text.trim().match(/^([^:]+):((?:\([^)]*\))+)$/);
    if (!match) {
      throw new WindowsAclError(`Unexpected icacls entry for ${filePath}.`);
    }
    entries.push({ principal: match[1], rights: match[2] });
  }
  return entries;
}

/** Lists what is wrong with `entries` for a private key of `user`; empty when restricted. */
export function verifyRestricted(entries: AclEntry[], user: WindowsUser): string[] {
  const isUser = (principal: string): boolean => {
    const p = principal.toLowerCase();
    return p === user.name.toLowerCase() || p === user.sid.toLowerCase() || p === `*${user.sid.toLowerCase()}`;
  };
  const problems: string[] = [];
  for (const entry of entries) {
    if (!isUser(entry.principal)) {
      problems.push(`${entry.principal} has access ${entry.rights}`);
    } else if (entry.rights.includes('(I)')) {
      problems.push(`${entry.principal} has inherited access ${entry.rights}`);
    }
  }
  if (!entries.some((e) => isUser(e.principal) && e.rights.includes('(F)'))) {
    problems.push(`${user.name} does not have full control`);
  }
  return problems;
}

/** Fails unless only `user` can access `filePath`. */
export async function assertRestricted(filePath: string, user: WindowsUser, run: CommandRunner): Promise<void> {
  const problems = verifyRestricted(parseIcaclsOutput(await run('icacls', [filePath]), filePath), user);
  if (problems.length > 0) {
    throw new WindowsAclError(`${filePath} is accessible to others: ${problems.join('; ')}`);
  }
}

/** Restricts `filePath` to the current user, checks the result, and returns that user. */
export async function restrictToCurrentUser(filePath: string, run: CommandRunner): Promise<WindowsUser> {
  const whoami = currentUserSidCommand();
  const user = parseWhoamiUser(await run(whoami.command, whoami.args));
  await run('icacls', icaclsRestrictArgs(filePath, user.sid));
  await assertRestricted(filePath, user, run);
  return user;
}
