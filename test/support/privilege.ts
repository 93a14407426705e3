import { readFileSync } from 'fs';

/**
 * How privileged the tests run: `root` (real root, as CI here), `userNamespace` (a normal user's tests inside
 * `unshare -r`: uid 0 only in a namespace of their own, so mounts and private networks work but files of other
 * users and ports below 1024 outside it do not), or `user` (a normal user, no namespace: macOS, Windows).
 */
export type Privilege = 'root' | 'userNamespace' | 'user';

/** One `inside outside count` line of /proc/self/uid_map (or gid_map). */
interface IdMapping {
  inside: number;
  outside: number;
  count: number;
}

function parseIdMap(text: string): IdMapping[] {
  return text.split('\n').filter((line) => line.trim() !== '').map((line) => {
    const [inside, outside, count] = line.trim().split(/\s+/).map(Number);
    return { inside, outside, count };
  });
}

/** The privilege from the process's uid and its /proc/self/uid_map text (undefined where there is none). */
export function privilegeOf(uid: number, uidMap: string | undefined): Privilege {
  if (uid !== 0) return 'user';
  if (uidMap === undefined) return 'root';
  // the initial namespace maps every id to itself
  return parseIdMap(uidMap).some((m) => m.inside === 0 && m.outside === 0 && m.count === 4294967295) ? 'root' : 'userNamespace';
}

function readIfPresent(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function currentPrivilege(): Privilege {
  return privilegeOf(process.getuid?.() ?? 1, readIfPresent('/proc/self/uid_map'));
}

/** The ids of the normal user outside `unshare -r` (what uid 0 in here is), for a nested namespace that maps them back. */
export function outsideIds(): { uid: number; gid: number } {
  const outside = (file: string) => parseIdMap(readFileSync(file, 'utf8')).find((m) => m.inside === 0)?.outside;
  const uid = outside('/proc/self/uid_map');
  const gid = outside('/proc/self/gid_map');
  if (uid === undefined || gid === undefined) throw new Error('uid 0 is not mapped in this user namespace');
  return { uid, gid };
}

/** `command args` in a nested user namespace where the normal user outside `unshare -r` is itself (not uid 0) again. */
export function asOutsideUser(command: string, args: string[]): { command: string; args: string[] } {
  const { uid, gid } = outsideIds();
  return { command: 'unshare', args: ['--user', `--map-user=${uid}`, `--map-group=${gid}`, command, ...args] };
}

/** The login name of the normal user outside `unshare -r`. */
export function outsideUserName(): string {
  const { uid } = outsideIds();
  const entry = readFileSync('/etc/passwd', 'utf8').split('\n').find((line) => line.split(':')[2] === String(uid));
  if (!entry) throw new Error(`uid ${uid} has no /etc/passwd entry`);
  return entry.split(':')[0];
}
