import * as crypto from 'node:crypto';

/**
 * Finds secrets in text (logs, messages, files) in any form they are likely to take there: a private key as
 * PEM with LF or CRLF line breaks, with escaped `\n` (JSON strings), URL-encoded, re-encoded as another
 * PEM/DER type, as bare base64 or hex of its DER, its JWK private fields, or only part of one line; and
 * literal secrets (AccessKeySecret, STS token, request signature) raw, JSON-escaped or URL-encoded, whole or
 * a long enough piece. Reports where, never what (the report itself is printed into test logs).
 */

export interface LeakSources {
  /** Private keys in whatever form the cloud or the user gave them (PEM, escaped PEM, bare base64 DER). */
  readonly privateKeys?: readonly string[];
  /** Literal secrets: AccessKeySecret, STS token, signatures. */
  readonly secrets?: readonly string[];
}

export interface Leak {
  readonly kind: 'private key' | 'secret';
  /** Index into `privateKeys` or `secrets`. */
  readonly index: number;
}

/**
 * 24 base64 characters are 18 bytes of key material: below any chance match, yet shorter than a third of one
 * PEM line, so a partial line is caught.
 */
export const KEY_WINDOW = 24;
/** A piece of a literal secret this long is a leak (a masked prefix like `LTAI****` is not). */
export const SECRET_WINDOW = 12;

/** Undoes the escapes a secret picks up on its way into JSON, logs or URLs. */
function unescape(text: string): string {
  return text
    .replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/\\+[nrt]/g, '\n')
    .replace(/\\+(["'/\\])/g, '$1');
}

function urlDecode(text: string): string {
  return text.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Only the characters base64, base64url and hex use: joins a key split by line breaks, indents or quotes. */
function base64Stream(text: string): string {
  return urlDecode(unescape(text)).replace(/[^A-Za-z0-9+/=_-]/g, '');
}

function toKeyObject(privateKey: string): crypto.KeyObject {
  const text = unescape(privateKey).trim();
  if (text.includes('-----BEGIN')) return crypto.createPrivateKey(text);
  const der = Buffer.from(text.replace(/\s/g, ''), 'base64');
  for (const type of ['pkcs1', 'pkcs8', 'sec1'] as const) {
    try {
      return crypto.createPrivateKey({ key: der, format: 'der', type });
    } catch {
      // not this DER type: try the next
    }
  }
  throw new Error('leakDetector: a private key in none of PEM, PKCS#1, PKCS#8 or SEC1 DER');
}

function encodings(bytes: Buffer): string[] {
  // no base64url: it differs from base64 only in '-' and '_', and a key's base64 is long enough to have
  // windows without either
  return [bytes.toString('base64'), bytes.toString('hex'), bytes.toString('hex').toUpperCase()];
}

/** `bytes` as base64 at each of the three byte alignments, so a structure embedded anywhere is covered. */
function alignedEncodings(bytes: Buffer): string[] {
  return [0, 1, 2].flatMap((offset) => encodings(bytes.subarray(offset)));
}

/** Every text form of the key's private material, and of its public half (whose windows are not leaks). */
function keyForms(privateKey: string): { secretForms: string[]; publicForms: string[] } {
  const key = toKeyObject(privateKey);
  const publicKey = crypto.createPublicKey(key);
  // PKCS#8 holds the PKCS#1 (RSA) or SEC1 (EC) structure, and the JWK's private fields are the same
  // bytes: its three byte alignments cover all of those encodings too
  const pkcs8 = key.export({ format: 'der', type: 'pkcs8' });
  const pem = key.export({ format: 'pem', type: 'pkcs8' }) as string;
  return {
    secretForms: [
      ...alignedEncodings(pkcs8),
      // a PEM text base64-encoded again, e.g. inside a Kubernetes-style secret
      ...[pem, ...(key.asymmetricKeyType === 'rsa' ? [key.export({ format: 'pem', type: 'pkcs1' }) as string] : [])]
        .map((text) => Buffer.from(text).toString('base64')),
    ],
    // the SPKI holds every public field (n, e; or x, y), and so every byte of the authorized_keys line's key
    publicForms: alignedEncodings(publicKey.export({ format: 'der', type: 'spki' })),
  };
}

function windows(text: string, size: number): string[] {
  const found: string[] = [];
  for (let start = 0; start + size <= text.length; start++) found.push(text.slice(start, start + size));
  return found;
}

/** First position where any of `pieces` (all `size` long) occurs in `text`, or -1. */
function firstHit(text: string, pieces: ReadonlySet<string>, size: number): number {
  for (let start = 0; start + size <= text.length; start++) {
    if (pieces.has(text.slice(start, start + size))) return start;
  }
  return -1;
}

/** Every leak of `sources` in `text`, one per source at most; [] when the text is clean. */
export function findLeaks(text: string, sources: LeakSources): Leak[] {
  const leaks: Leak[] = [];
  const stream = base64Stream(text);
  (sources.privateKeys ?? []).forEach((privateKey, index) => {
    const { secretForms, publicForms } = keyForms(privateKey);
    const publicWindows = new Set(publicForms.flatMap((form) => windows(form, KEY_WINDOW)));
    const secretWindows = new Set(secretForms.flatMap((form) => windows(form, KEY_WINDOW)).filter((w) => !publicWindows.has(w)));
    if (firstHit(stream, secretWindows, KEY_WINDOW) >= 0) leaks.push({ kind: 'private key', index });
  });
  const decoded = urlDecode(unescape(text));
  (sources.secrets ?? []).forEach((secret, index) => {
    const size = Math.min(secret.length, SECRET_WINDOW);
    if (firstHit(decoded, new Set(windows(secret, size)), size) >= 0) leaks.push({ kind: 'secret', index });
  });
  return leaks;
}

/** One line per leak for an assertion message: where and which source, never the secret itself. */
export function describeLeaks(where: string, leaks: readonly Leak[]): string {
  return leaks.map((leak) => `${where}: ${leak.kind} #${leak.index}`).join('\n');
}
