import * as path from 'node:path';

/**
 * The text side of restricting a key file on Windows: the commands' paths and arguments, and
 * parsing what they print. Nothing here runs a process (windowsAcl.ts does).
 *
 * OpenSSH for Windows refuses a private key that anyone other than the owner, SYSTEM or
 * Administrators can access:
 * https://github.com/PowerShell/Win32-OpenSSH/wiki/Security-protection-of-various-files-in-Win32-OpenSSH
 * We grant the current user alone: the least access that satisfies that rule. Principals are
 * compared by SID, never by account name (names are localized: "Administrateurs", "系统").
 */

export interface WindowsUser {
  /** `DOMAIN\user` as whoami prints it; for messages only. */
  name: string;
  sid: string;
}

export class WindowsAclError extends Error {
  readonly code = 'WINDOWS_ACL';
  constructor(message: string) {
    super(message);
    this.name = 'WindowsAclError';
  }
}

const SID_PATTERN = /^S-1-\d+(-\d+)+$/;

/**
 * `%SystemRoot%\System32\<tool>.exe`: a bare name would run the first match on PATH, which may
 * be another program of that name (or one planted in the working folder).
 */
export function systemToolPath(tool: 'icacls' | 'whoami', env: Record<string, string | undefined> = process.env): string {
  const root = env.SystemRoot || env.windir || 'C:\\Windows';
  return path.win32.join(root, 'System32', `${tool}.exe`);
}

export function currentUserSidArgs(): string[] {
  return ['/user', '/fo', 'csv', '/nh'];
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
  // `*SID` rather than an account name: names are localized and may be ambiguous.
  return [filePath, '/inheritance:r', '/grant:r', `*${userSid}:F`];
}

/** `icacls <file> /save <aclFile>` writes the file's security descriptor as SDDL, the same in every language. */
export function icaclsSaveArgs(filePath: string, aclFile: string): string[] {
  return [filePath, '/save', aclFile];
}

/**
 * The SDDL in an `icacls /save` file: pairs of lines, the file's name then its descriptor. icacls
 * writes UTF-16LE (assumption from files it wrote; a BOM and UTF-8 are accepted too). The SDDL is
 * ASCII, so UTF-16LE has zero bytes and UTF-8 has none (a name's first character may not: 密 = C6 5B). */
export function parseIcaclsSave(bytes: Buffer): string {
  const utf16 = bytes.includes(0);
  const text = (utf16 ? bytes.toString('utf16le') : bytes.toString('utf8')).replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const sddl = lines[1]?.trim();
  if (lines.length !== 2 || !sddl || !/(^|[^A-Z])D:/.test(sddl)) {
    throw new WindowsAclError('Unexpected icacls /save output: expected the file name and one security descriptor.');
  }
  return sddl;
}

export interface Ace {
  /** `A` allow, `D` deny, … */
  type: string;
  /** Inheritance flags, e.g. `ID` (inherited), `OICI`. */
  flags: string;
  /** `FA`, `FR`, `0x1f01ff`, … */
  rights: string;
  /** A full SID or an SDDL alias such as `SY` (SYSTEM), `BA` (Administrators), `WD` (Everyone). */
  sid: string;
}

export interface Dacl {
  /** `P`: the DACL does not inherit from the folder. */
  protected: boolean;
  aces: Ace[];
}

/** The DACL part (`D:flags(ace)(ace)…`) of an SDDL string. */
export function parseDacl(sddl: string): Dacl {
  const match = sddl.match(/(?:^|[)A-Z0-9-])D:([A-Z]*)((?:\([^)]*\))*)/);
  if (!match) {
    throw new WindowsAclError('The security descriptor has no DACL.');
  }
  const aces: Ace[] = [];
  for (const ace of match[2].match(/\(([^)]*)\)/g) ?? []) {
    const fields = ace.slice(1, -1).split(';');
    if (fields.length < 6) {
      throw new WindowsAclError(`Unexpected access entry ${ace}.`);
    }
    aces.push({ type: fields[0], flags: fields[1], rights: fields[2], sid: fields[5] });
  }
  return { protected: /P/.test(match[1]), aces };
}

const FULL_ACCESS = new Set(['FA', 'GA', '0x1f01ff', '0x1F01FF', '0x10000000']);

/** Lists what is wrong with the DACL for a private key of `user`; empty when restricted. */
export function verifyRestrictedDacl(dacl: Dacl, user: WindowsUser): string[] {
  const problems: string[] = [];
  if (!dacl.protected) {
    problems.push('it inherits its folder\'s permissions');
  }
  for (const ace of dacl.aces) {
    if (ace.type !== 'A') {
      continue; // deny entries take access away, never give it
    }
    if (ace.sid !== user.sid) {
      problems.push(`${ace.sid} has access ${ace.rights}`);
    } else if (ace.flags.includes('ID')) {
      problems.push(`${user.name} has inherited access ${ace.rights}`);
    }
  }
  if (!dacl.aces.some((ace) => ace.type === 'A' && ace.sid === user.sid && FULL_ACCESS.has(ace.rights))) {
    problems.push(`${user.name} does not have full control`);
  }
  return problems;
}
