import { checkKeyPairName } from '../cloud/keyPairName';
import { publicKeyParts } from './keyFormat';

/*
 * The POSIX `sh` scripts Cloud Assistant runs as root on a server (RunCommand, RunShellScript) to put a key
 * pair's public key into a login user's authorized_keys, take it out again, and read the server's host keys.
 * RunCommand has no ClientToken, so each script may run twice: adding finds its own line and adds nothing,
 * removing finds nothing left. Written for dash (Debian's /bin/sh) and busybox: no bashisms. Pure.
 */

/** The comment that ends our authorized_keys line, and only ours: `<type> <base64> swas-keypair:<name>`. */
export function keyPairMarker(keyPairName: string): string {
  return `swas-keypair:${keyPairName}`;
}

export const HOST_KEYS_BEGIN = '-----BEGIN SWAS HOST KEYS-----';
export const HOST_KEYS_END = '-----END SWAS HOST KEYS-----';
/** The line that says what the script did to authorized_keys: `SWAS-AUTHORIZED-KEYS <status> [count]`. */
const STATUS_PREFIX = 'SWAS-AUTHORIZED-KEYS';

/** A login name as useradd accepts it; anything else could not be trusted inside the script. */
const LOGIN_USER = /^[a-z_][a-z0-9_-]{0,31}$/;

export class ScriptInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScriptInputError';
  }
}

/**
 * One shell word, single-quoted: nothing inside is special to sh. The inputs are validated before
 * (names cannot hold a quote), this keeps the script safe even if a rule there loosens.
 */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function checkedUser(loginUser: string): string {
  if (!LOGIN_USER.test(loginUser)) {
    throw new ScriptInputError(`Not a login user name: ${JSON.stringify(loginUser)}`);
  }
  return loginUser;
}

function checkedName(keyPairName: string): string {
  const problem = checkKeyPairName(keyPairName);
  if (problem) {
    throw new ScriptInputError(`Not a key pair name (${problem.problem}): ${JSON.stringify(keyPairName)}`);
  }
  return keyPairName;
}

/** Finds the user's home and uid:gid from the passwd database (not $HOME: the script runs as root). */
const RESOLVE_USER = `
entry=$(getent passwd "$login_user" 2>/dev/null || awk -F: -v u="$login_user" '$1 == u' /etc/passwd)
entry=$(printf '%s\\n' "$entry" | head -n 1)
if [ -z "$entry" ]; then
  echo "${STATUS_PREFIX} no-such-user"
  exit 3
fi
home=$(printf '%s\\n' "$entry" | cut -d: -f6)
owner=$(printf '%s\\n' "$entry" | cut -d: -f3,4)
if [ -z "$home" ] || [ ! -d "$home" ]; then
  echo "${STATUS_PREFIX} no-home"
  exit 3
fi
keys_file="$home/.ssh/authorized_keys"
`;

/*
 * The awk that recognises our line: its blank-separated words (a CR at the end dropped) are exactly
 * `<type> <base64> <marker>`, the marker read from the environment so no byte of the name is awk or sh syntax.
 */
const OUR_LINE_AWK = `{ line = $0; sub(/\\r$/, "", line); n = split(line, word, " ") }
n == 3 && word[3] == ENVIRON["SWAS_MARKER"]`;

/** Our line for the pair, or (SWAS_KEY set) a line whose first two words are the pair's key: no options before it. */
const PAIR_LINE_AWK = `{ line = $0; sub(/\\r$/, "", line); n = split(line, word, " ") }
(n == 3 && word[3] == ENVIRON["SWAS_MARKER"]) || (ENVIRON["SWAS_KEY"] != "" && n >= 2 && (word[1] " " word[2]) == ENVIRON["SWAS_KEY"])`;

/*
 * One of our scripts at a time per user: RunCommand has no ClientToken, so a call retried after a lost answer
 * runs the script twice, maybe at once, and two look-then-append runs would both append. mkdir is atomic on
 * every POSIX system (flock is not everywhere); a lock older than a minute is a run that was killed.
 */
const TAKE_LOCK = `
lock_dir="$home/.ssh/.swas-authorized-keys.lock"
tries=0
until mkdir "$lock_dir" 2>/dev/null; do
  find "$lock_dir" -maxdepth 0 -mmin +1 -exec rmdir {} \\; 2>/dev/null
  tries=$((tries + 1))
  if [ "$tries" -ge 30 ]; then
    echo "${STATUS_PREFIX} busy"
    exit 4
  fi
  sleep 1
done
trap 'rmdir "$lock_dir" 2>/dev/null' EXIT
`;

const PRINT_HOST_KEYS = `
echo '${HOST_KEYS_BEGIN}'
for host_key in /etc/ssh/ssh_host_*_key.pub; do
  if [ -r "$host_key" ]; then
    awk '{ print }' "$host_key"
  fi
done
echo '${HOST_KEYS_END}'
`;

/**
 * Adds `publicKeyLine`'s key to `loginUser`'s authorized_keys as `<type> <base64> swas-keypair:<name>` when that
 * line is not there yet, then prints the host keys. Creates ~/.ssh (0700) and authorized_keys (0600), owned by
 * the user, only when missing; appends with `>>`, so no other byte of the file changes. A file without a final
 * newline gets `\n<our line>` and still none, so removing our line gives back the very same bytes.
 */
export function addKeyScript(publicKeyLine: string, keyPairName: string, loginUser = 'root'): string {
  const key = publicKeyParts(publicKeyLine);
  if (!key) {
    throw new ScriptInputError('Not an OpenSSH public key.');
  }
  const ourLine = `${key.type} ${key.base64} ${keyPairMarker(checkedName(keyPairName))}`;
  return `set -u
login_user=${shellQuote(checkedUser(loginUser))}
our_line=${shellQuote(ourLine)}
SWAS_MARKER=${shellQuote(keyPairMarker(keyPairName))}
export SWAS_MARKER
${RESOLVE_USER}
if [ ! -d "$home/.ssh" ]; then
  mkdir -p -m 700 "$home/.ssh" || exit 4
  chown "$owner" "$home/.ssh" || exit 4
fi
${TAKE_LOCK}
if [ ! -e "$keys_file" ]; then
  (umask 077 && : >> "$keys_file") || exit 4
  chown "$owner" "$keys_file" || exit 4
fi
SWAS_KEY=$(printf '%s\\n' "$our_line" | cut -d' ' -f1,2)
export SWAS_KEY
if awk '${OUR_LINE_AWK} && (word[1] " " word[2]) == ENVIRON["SWAS_KEY"] { found = 1 } END { exit found ? 0 : 1 }' "$keys_file"; then
  echo "${STATUS_PREFIX} already-present"
else
  if [ -n "$(tail -c 1 "$keys_file")" ]; then
    printf '\\n%s' "$our_line" >> "$keys_file" || exit 4
  else
    printf '%s\\n' "$our_line" >> "$keys_file" || exit 4
  fi
  echo "${STATUS_PREFIX} added"
fi
${PRINT_HOST_KEYS}`;
}

/**
 * Removes exactly the lines that end with our marker for `keyPairName` (see `addKeyScript`) from `loginUser`'s
 * authorized_keys and, given the pair's public key, the lines that hold that key with no options in front: the line
 * a restart writes for an attached pair (docs/swas-api.md, "Restart rule"), which a detach would take away at the
 * next restart anyway. A line with options (`command=…`) or another key is never touched; every other byte stays,
 * CRLF lines and a missing final newline included. The new content goes to a temp file in the same folder that
 * `cp -p` made a copy of the file (its mode and owner), then `mv` replaces the file at once. Nothing is written
 * when no line matches.
 */
export function removeKeyScript(keyPairName: string, loginUser = 'root', publicKeyLine?: string): string {
  const key = publicKeyLine === undefined ? undefined : publicKeyParts(publicKeyLine);
  if (publicKeyLine !== undefined && !key) {
    throw new ScriptInputError('Not an OpenSSH public key.');
  }
  return `set -u
login_user=${shellQuote(checkedUser(loginUser))}
SWAS_MARKER=${shellQuote(keyPairMarker(checkedName(keyPairName)))}
SWAS_KEY=${shellQuote(key ? `${key.type} ${key.base64}` : '')}
export SWAS_MARKER SWAS_KEY
${RESOLVE_USER}
if [ ! -f "$keys_file" ]; then
  echo "${STATUS_PREFIX} absent 0"
  exit 0
fi
if [ -L "$keys_file" ]; then
  echo "${STATUS_PREFIX} symlink"
  exit 5
fi
${TAKE_LOCK}
ours=$(awk '${PAIR_LINE_AWK} { count++ } END { print count + 0 }' "$keys_file")
if [ "$ours" -eq 0 ]; then
  echo "${STATUS_PREFIX} absent 0"
  exit 0
fi
if [ -n "$(tail -c 1 "$keys_file")" ]; then final_newline=0; else final_newline=1; fi
temp_file=$(mktemp "$home/.ssh/.authorized_keys.swas-XXXXXX") || exit 4
if cp -p "$keys_file" "$temp_file" &&
  awk -v final_newline="$final_newline" '${PAIR_LINE_AWK} { next }
    { kept[++count] = $0 }
    END { for (i = 1; i <= count; i++) printf "%s%s", kept[i], (i < count || final_newline) ? "\\n" : "" }' "$keys_file" > "$temp_file" &&
  mv -f "$temp_file" "$keys_file"; then
  echo "${STATUS_PREFIX} removed $ours"
else
  rm -f "$temp_file"
  exit 4
fi
`;
}

/** Prints the server's host public keys and changes nothing. */
export function readHostKeysScript(): string {
  return `set -u
${PRINT_HOST_KEYS}`;
}

export type AuthorizedKeysStatus =
  | { kind: 'added' }
  | { kind: 'alreadyPresent' }
  | { kind: 'removed'; count: number }
  | { kind: 'absent' }
  | { kind: 'noSuchUser' }
  | { kind: 'noHome' }
  | { kind: 'symlink' }
  /** Another of our scripts held the lock for half a minute. */
  | { kind: 'busy' };

export interface ScriptOutput {
  /** What the script did to authorized_keys; undefined for the read-only script or output cut short. */
  status?: AuthorizedKeysStatus;
  /** Valid host public keys between the markers, as `<type> <base64>` (their comments dropped). */
  hostKeys: string[];
  /** Whether the host keys' end marker was seen: without it the list may be cut short. */
  hostKeysComplete: boolean;
}

function parseStatus(words: string[]): AuthorizedKeysStatus | undefined {
  switch (words[0]) {
    case 'added':
      return { kind: 'added' };
    case 'already-present':
      return { kind: 'alreadyPresent' };
    case 'removed':
      return { kind: 'removed', count: Number(words[1]) };
    case 'absent':
      return { kind: 'absent' };
    case 'no-such-user':
      return { kind: 'noSuchUser' };
    case 'no-home':
      return { kind: 'noHome' };
    case 'symlink':
      return { kind: 'symlink' };
    case 'busy':
      return { kind: 'busy' };
    default:
      return undefined;
  }
}

/** Reads what one of the scripts above printed (Cloud Assistant's decoded Output). */
export function parseScriptOutput(text: string): ScriptOutput {
  const output: ScriptOutput = { hostKeys: [], hostKeysComplete: false };
  let inHostKeys = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '').trim();
    if (line === HOST_KEYS_BEGIN) {
      inHostKeys = true;
    } else if (line === HOST_KEYS_END) {
      output.hostKeysComplete = inHostKeys;
      inHostKeys = false;
    } else if (inHostKeys) {
      const key = publicKeyParts(line);
      if (key && !output.hostKeys.includes(`${key.type} ${key.base64}`)) {
        output.hostKeys.push(`${key.type} ${key.base64}`);
      }
    } else if (line.startsWith(`${STATUS_PREFIX} `)) {
      output.status = parseStatus(line.slice(STATUS_PREFIX.length + 1).split(/\s+/));
    }
  }
  return output;
}
