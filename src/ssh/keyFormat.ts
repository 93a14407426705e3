import * as crypto from 'node:crypto';

/* Key formats: private keys as CreateKeyPair sends them, OpenSSH public key lines, fingerprints. Pure. */

/** The private key text was not a usable private key. Messages never contain key material. */
export class KeyFormatError extends Error {
  readonly code = 'KEY_FORMAT';
  constructor(message: string) {
    super(message);
    this.name = 'KeyFormatError';
  }
}

export interface NormalizedPrivateKey {
  pem: string;
  format: 'pkcs1' | 'pkcs8';
  /** Node's `asymmetricKeyType`: `rsa` or `ed25519`. */
  keyType: string;
}

const PEM_LABEL_FORMAT: Record<string, 'pkcs1' | 'pkcs8'> = {
  'RSA PRIVATE KEY': 'pkcs1',
  'PRIVATE KEY': 'pkcs8',
};

// Key types whose OpenSSH public key we can build.
const SUPPORTED_KEY_TYPES = new Set(['rsa', 'ed25519']);

function decodeStrictBase64(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, '');
  if (compact === '' || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    return undefined;
  }
  return Buffer.from(compact, 'base64');
}

function parseDer(der: Buffer, format: 'pkcs1' | 'pkcs8'): crypto.KeyObject | undefined {
  try {
    return crypto.createPrivateKey({ key: der, format: 'der', type: format });
  } catch {
    return undefined;
  }
}

/**
 * Accepts the private key as CreateKeyPair may send it (PEM or bare base64, PKCS#1 or PKCS#8,
 * literal `\n`, CRLF, any line width) and returns a canonical PEM in the same encoding.
 */
export function normalizePrivateKey(body: string): NormalizedPrivateKey {
  const text = body
    .replace(/\\r\\n|\\n|\\r/g, '\n')
    .replace(/\r\n?/g, '\n')
    .trim();
  if (text === '') {
    throw new KeyFormatError('The private key is empty.');
  }

  let der: Buffer | undefined;
  let formats: Array<'pkcs1' | 'pkcs8'>;
  if (text.includes('-----BEGIN')) {
    const pem = text.match(/^-----BEGIN ([A-Z0-9 ]+)-----\n([\s\S]*?)\n?-----END \1-----$/);
    if (!pem) {
      throw new KeyFormatError('The private key has malformed or mismatched PEM armor.');
    }
    const format = PEM_LABEL_FORMAT[pem[1]];
    if (!format) {
      throw new KeyFormatError(`Unsupported PEM type "${pem[1]}"; expected RSA PRIVATE KEY or PRIVATE KEY.`);
    }
    if (pem[2].includes(':')) {
      throw new KeyFormatError('Encrypted PEM private keys are not supported.');
    }
    der = decodeStrictBase64(pem[2]);
    formats = [format];
  } else {
    der = decodeStrictBase64(text);
    // PKCS#8 first: OpenSSL 3 treats Node's `type: 'pkcs1'` as a hint and also accepts PKCS#8 DER
    // with it, while `'pkcs8'` rejects PKCS#1, so this order tells the two apart.
    formats = ['pkcs8', 'pkcs1'];
  }
  if (!der) {
    throw new KeyFormatError('The private key is not valid base64.');
  }

  for (const format of formats) {
    const key = parseDer(der, format);
    if (!key) {
      continue;
    }
    const keyType = key.asymmetricKeyType ?? 'unknown';
    if (!SUPPORTED_KEY_TYPES.has(keyType)) {
      throw new KeyFormatError(`Unsupported private key type "${keyType}".`);
    }
    assertKeyPairConsistent(key);
    return { pem: key.export({ format: 'pem', type: format }) as string, format, keyType };
  }
  throw new KeyFormatError('The private key could not be parsed as PKCS#1 or PKCS#8.');
}

// A parsable key can still be corrupt (e.g. mismatched RSA components); a signature that
// does not verify against its own public key proves it unusable before we save it.
function assertKeyPairConsistent(key: crypto.KeyObject): void {
  const probe = Buffer.from('swas key check');
  const algorithm = key.asymmetricKeyType === 'rsa' ? 'sha256' : null;
  let valid = false;
  try {
    valid = crypto.verify(algorithm, probe, crypto.createPublicKey(key), crypto.sign(algorithm, probe, key));
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new KeyFormatError('The private key is corrupt: its parts do not match.');
  }
}

function sshString(data: Buffer | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

// RFC 4251 mpint: two's complement, so a positive number with its high bit set needs a 0x00 prefix.
function sshMpint(unsignedBigEndian: Buffer): Buffer {
  let start = 0;
  while (start < unsignedBigEndian.length - 1 && unsignedBigEndian[start] === 0) {
    start++;
  }
  const magnitude = unsignedBigEndian.subarray(start);
  if (magnitude.length === 1 && magnitude[0] === 0) {
    return sshString(Buffer.alloc(0));
  }
  return sshString(magnitude[0] & 0x80 ? Buffer.concat([Buffer.from([0]), magnitude]) : magnitude);
}

/** The OpenSSH public key line (`ssh-rsa AAAA… comment`) for a PEM private key. */
export function openSshPublicKey(privatePem: string, comment: string): string {
  let jwk: crypto.JsonWebKey;
  try {
    jwk = crypto.createPublicKey(crypto.createPrivateKey(privatePem)).export({ format: 'jwk' });
  } catch {
    throw new KeyFormatError('The private key could not be parsed.');
  }
  let type: string;
  let blob: Buffer;
  if (jwk.kty === 'RSA' && jwk.n && jwk.e) {
    type = 'ssh-rsa';
    blob = Buffer.concat([
      sshString(type),
      sshMpint(Buffer.from(jwk.e, 'base64url')),
      sshMpint(Buffer.from(jwk.n, 'base64url')),
    ]);
  } else if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && jwk.x) {
    type = 'ssh-ed25519';
    blob = Buffer.concat([sshString(type), sshString(Buffer.from(jwk.x, 'base64url'))]);
  } else {
    throw new KeyFormatError(`Unsupported key type for an OpenSSH public key (${jwk.kty ?? 'unknown'}).`);
  }
  // A line break would end the authorized_keys line early.
  const safeComment = comment.replace(/[\r\n]+/g, ' ').trim();
  return `${type} ${blob.toString('base64')}${safeComment ? ` ${safeComment}` : ''}`;
}

interface ParsedPublicKey {
  type: string;
  blob: Buffer;
}

function blobKeyType(blob: Buffer): string | undefined {
  if (blob.length < 4) {
    return undefined;
  }
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || 4 + length > blob.length) {
    return undefined;
  }
  const type = blob.subarray(4, 4 + length).toString('latin1');
  return /^[a-z0-9@.-]+$/.test(type) ? type : undefined;
}

/**
 * Finds the key in an OpenSSH public key line: `[options] type base64 [comment]`, or a bare
 * base64 blob. The blob names its own type, which must match the type word when present.
 */
function parsePublicKeyLine(line: string): ParsedPublicKey | undefined {
  const words = line.trim().split(/\s+/);
  for (let i = 0; i < words.length; i++) {
    const blob = decodeStrictBase64(words[i]);
    const type = blob && blobKeyType(blob);
    if (!blob || !type) {
      continue;
    }
    if (i === 0 || words[i - 1] === type) {
      return { type, blob };
    }
  }
  return undefined;
}

function requirePublicKey(line: string): ParsedPublicKey {
  const parsed = parsePublicKeyLine(line);
  if (!parsed) {
    throw new KeyFormatError('Not an OpenSSH public key.');
  }
  return parsed;
}

/** `SHA256:<base64 without padding>`, as `ssh-keygen -lf` prints it. */
export function sha256Fingerprint(publicKeyLine: string): string {
  const digest = crypto.createHash('sha256').update(requirePublicKey(publicKeyLine).blob).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/** Colon-separated lowercase hex MD5, the older form (`ab:cd:…`) some APIs show. */
export function md5Fingerprint(publicKeyLine: string): string {
  const digest = crypto.createHash('md5').update(requirePublicKey(publicKeyLine).blob).digest('hex');
  return digest.match(/../g)!.join(':');
}

/** Whether two public key lines hold the same key; comments and options are ignored. */
export function samePublicKey(a: string, b: string): boolean {
  const left = parsePublicKeyLine(a);
  const right = parsePublicKeyLine(b);
  return !!left && !!right && left.type === right.type && left.blob.equals(right.blob);
}
