/**
 * Key-pair name rules, as the CreateKeyPair page states them: 2–64 characters, starting with a
 * letter or a Chinese character, then letters, digits, `:`, `_` and `-`, never starting with
 * `http://` or `https://`. Chinese characters are accepted after the first character too: the
 * page allows one to start a name, so refusing it later would reject names the console accepts.
 */
/** The per-region limit the CreateKeyPair page documents. */
export const KEY_PAIR_QUOTA = 10;

export type KeyPairNameProblem =
  | 'empty'
  | 'tooShort'
  | 'tooLong'
  | 'badFirstCharacter'
  | 'badCharacter'
  | 'urlPrefix';

export interface KeyPairNameCheck {
  problem: KeyPairNameProblem;
  /** The first offending character, for `badFirstCharacter` and `badCharacter`. */
  character?: string;
}

export const KEY_PAIR_NAME_MIN = 2;
export const KEY_PAIR_NAME_MAX = 64;

const CHINESE = /\p{Script=Han}/u;
const LETTER = /[A-Za-z]/;
const ALLOWED_LATER = /[A-Za-z0-9:_-]/;

/** Returns the first broken rule, or undefined when the name is valid. */
export function checkKeyPairName(name: string): KeyPairNameCheck | undefined {
  if (name.length === 0) {
    return { problem: 'empty' };
  }
  if (/^https?:\/\//i.test(name)) {
    return { problem: 'urlPrefix' };
  }
  // Count code points, not UTF-16 units, so a name of Chinese characters is measured as a user sees it.
  const characters = Array.from(name);
  const first = characters[0];
  if (!LETTER.test(first) && !CHINESE.test(first)) {
    return { problem: 'badFirstCharacter', character: first };
  }
  const bad = characters.slice(1).find((c) => !ALLOWED_LATER.test(c) && !CHINESE.test(c));
  if (bad !== undefined) {
    return { problem: 'badCharacter', character: bad };
  }
  if (characters.length < KEY_PAIR_NAME_MIN) {
    return { problem: 'tooShort' };
  }
  if (characters.length > KEY_PAIR_NAME_MAX) {
    return { problem: 'tooLong' };
  }
  return undefined;
}

/**
 * The name offered for the key pair that replaces `oldName`: `<name>-<yyyymmdd>` (UTC; a date suffix
 * already there is replaced, so rotating twice does not stack dates), cut to the length limit by
 * characters, and `-2`, `-3`, … after it while the name is taken.
 */
export function rotatedName(oldName: string, taken: ReadonlySet<string>, today: Date): string {
  const stamp = today.toISOString().slice(0, 10).replace(/-/g, '');
  const stem = Array.from(oldName.replace(/-\d{8}(-\d+)?$/, ''));
  for (let suffix = 1; ; suffix++) {
    const tail = `-${stamp}${suffix > 1 ? `-${suffix}` : ''}`;
    const name = stem.slice(0, KEY_PAIR_NAME_MAX - tail.length).join('') + tail;
    if (!taken.has(name)) {
      return name;
    }
  }
}
