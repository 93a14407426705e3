import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  currentUserSidArgs,
  icaclsRestrictArgs,
  icaclsSaveArgs,
  parseDacl,
  parseIcaclsSave,
  parseWhoamiUser,
  systemToolPath,
  verifyRestrictedDacl,
  WindowsAclError,
  WindowsUser,
} from './windowsAclFormat';

/* Restricting a file to the current Windows user with icacls, and checking the result by SID. */

export type CommandRunner = (command: string, args: string[]) => Promise<string>;

/** Fails unless only `user` can access `filePath`, read from the SDDL `icacls /save` writes. */
export async function assertRestricted(filePath: string, user: WindowsUser, run: CommandRunner): Promise<void> {
  const aclFile = path.join(os.tmpdir(), `swas-acl-${randomBytes(6).toString('hex')}.txt`);
  let bytes: Buffer;
  try {
    await run(systemToolPath('icacls'), icaclsSaveArgs(filePath, aclFile));
    bytes = await fs.readFile(aclFile);
  } finally {
    await fs.rm(aclFile, { force: true });
  }
  const problems = verifyRestrictedDacl(parseDacl(parseIcaclsSave(bytes)), user);
  if (problems.length > 0) {
    throw new WindowsAclError(`${filePath} is accessible to others: ${problems.join('; ')}`);
  }
}

/** Restricts `filePath` to the current user, checks the result, and returns that user. */
export async function restrictToCurrentUser(filePath: string, run: CommandRunner): Promise<WindowsUser> {
  const user = parseWhoamiUser(await run(systemToolPath('whoami'), currentUserSidArgs()));
  await run(systemToolPath('icacls'), icaclsRestrictArgs(filePath, user.sid));
  await assertRestricted(filePath, user, run);
  return user;
}
