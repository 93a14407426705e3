import * as crypto from 'node:crypto';

/*
 * SSH key formats, and the one place that reads or writes SSH's binary wire format (RFC 4251
 * strings and mpints, RFC 4253 public key blobs, the openssh-key-v1 private key file): private
 * keys as CreateKeyPair sends them, OpenSSH public key lines, fingerprints, the public half of a
 * private key file. Pure.
 *
 * Node's crypto parses and exports PEM and DER (PKCS#1, PKCS#8) and gives a key's public numbers as
 * JWK, so that is what is used for them; it knows no SSH encoding, hence the few lines below. sshpk
 * would do all of it, but bundled with its dependencies it weighs 191 KiB minified (62 KiB gzipped)
 * against this module's 4.5 KiB (2 KiB), in a bundle whose budget of 900 KiB has 823 KiB used.
 */

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

/** RFC 4251 string: a uint32 length, then the bytes. */
function sshString(data: Buffer | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/**
 * RFC 4251 mpint of a JWK number (`n`, `e`). JWK gives them in the fewest octets and never zero
 * (RFC 7518 6.3.1), as an mpint wants them; an mpint is two's complement, so a number whose high
 * bit is set gets a 0x00 byte in front.
 */
function sshMpint(jwkNumber: string): Buffer {
  const magnitude = Buffer.from(jwkNumber, 'base64url');
  return sshString(magnitude[0] & 0x80 ? Buffer.concat([Buffer.from([0]), magnitude]) : magnitude);
}

/** The RFC 4251 string at `offset`, and where the next field starts; undefined when the data ends first. */
function readSshString(buffer: Buffer, offset: number): { value: Buffer; next: number } | undefined {
  if (offset + 4 > buffer.length) {
    return undefined;
  }
  const length = buffer.readUInt32BE(offset);
  const end = offset + 4 + length;
  return end > buffer.length ? undefined : { value: buffer.subarray(offset + 4, end), next: end };
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
      sshMpint(jwk.e),
      sshMpint(jwk.n),
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

/** The key type a public key blob names in its first field; RFC 4250 4.6.1 allows at most 64 characters. */
function blobKeyType(blob: Buffer): string | undefined {
  const field = readSshString(blob, 0);
  if (!field || field.value.length === 0 || field.value.length > 64) {
    return undefined;
  }
  const type = field.value.toString('latin1');
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

/**
 * The key of an OpenSSH public key line (`[options] type base64 [comment]`) as `type` and canonical `base64`,
 * when the blob is well formed and names the same type; undefined otherwise.
 */
export function publicKeyParts(line: string): { type: string; base64: string } | undefined {
  const parsed = parsePublicKeyLine(line);
  return parsed && publicKeyOfBlob(parsed.type, parsed.blob) ? { type: parsed.type, base64: parsed.blob.toString('base64') } : undefined;
}

const ECDSA_CURVES: Readonly<Record<string, { curve: string; jwkCurve: string; coordinateBytes: number }>> = {
  'ecdsa-sha2-nistp256': { curve: 'nistp256', jwkCurve: 'P-256', coordinateBytes: 32 },
  'ecdsa-sha2-nistp384': { curve: 'nistp384', jwkCurve: 'P-384', coordinateBytes: 48 },
  'ecdsa-sha2-nistp521': { curve: 'nistp521', jwkCurve: 'P-521', coordinateBytes: 66 },
};

/** The RFC 4251 strings of `blob` after its type field, when they fill it exactly. */
function blobFields(blob: Buffer): Buffer[] | undefined {
  const fields: Buffer[] = [];
  let offset = readSshString(blob, 0)?.next;
  while (offset !== undefined && offset < blob.length) {
    const field = readSshString(blob, offset);
    if (!field) {
      return undefined;
    }
    fields.push(field.value);
    offset = field.next;
  }
  return offset === undefined ? undefined : fields;
}

/** An mpint's magnitude (its sign byte dropped), as JWK wants it; undefined for a negative or padded one. */
function mpintMagnitude(mpint: Buffer): Buffer | undefined {
  if (mpint.length === 0 || mpint[0] & 0x80 || (mpint[0] === 0 && !(mpint.length > 1 && mpint[1] & 0x80))) {
    return undefined;
  }
  return mpint[0] === 0 ? mpint.subarray(1) : mpint;
}

/**
 * The public key a blob holds (RFC 4253 ssh-rsa, RFC 8709 ssh-ed25519, RFC 5656 ecdsa-sha2-nistp*), read by Node's
 * crypto, so a cut-off or garbled blob is refused, not only one with a wrong type word.
 */
function publicKeyOfBlob(type: string, blob: Buffer): crypto.KeyObject | undefined {
  const fields = blobFields(blob);
  let jwk: crypto.JsonWebKey | undefined;
  if (type === 'ssh-ed25519' && fields?.length === 1 && fields[0].length === 32) {
    jwk = { kty: 'OKP', crv: 'Ed25519', x: fields[0].toString('base64url') };
  } else if (type === 'ssh-rsa' && fields?.length === 2) {
    const [e, n] = fields.map(mpintMagnitude);
    jwk = e && n ? { kty: 'RSA', e: e.toString('base64url'), n: n.toString('base64url') } : undefined;
  } else if (Object.hasOwn(ECDSA_CURVES, type) && fields?.length === 2) {
    const { curve, jwkCurve, coordinateBytes } = ECDSA_CURVES[type];
    const point = fields[1];
    if (fields[0].toString('latin1') === curve && point.length === 1 + 2 * coordinateBytes && point[0] === 4) {
      const coordinate = (start: number) => point.subarray(start, start + coordinateBytes).toString('base64url');
      jwk = { kty: 'EC', crv: jwkCurve, x: coordinate(1), y: coordinate(1 + coordinateBytes) };
    }
  }
  try {
    return jwk && crypto.createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    return undefined;
  }
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

const OPENSSH_MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');
const OPENSSH_PEM = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/;

/**
 * The public key stored in clear in an `openssh-key-v1` file (what ssh-keygen writes), read
 * without decrypting: this works for passphrase-protected keys too.
 */
function openSshFormatPublicKey(text: string): string | undefined {
  const match = OPENSSH_PEM.exec(text);
  const data = match && decodeStrictBase64(match[1]);
  if (!data || !data.subarray(0, OPENSSH_MAGIC.length).equals(OPENSSH_MAGIC)) {
    return undefined;
  }
  let offset = OPENSSH_MAGIC.length;
  // cipher name, KDF name, KDF options
  for (let i = 0; i < 3; i++) {
    const field = readSshString(data, offset);
    if (!field) {
      return undefined;
    }
    offset = field.next;
  }
  if (offset + 4 > data.length || data.readUInt32BE(offset) < 1) {
    return undefined;
  }
  const blob = readSshString(data, offset + 4)?.value;
  const type = blob && blobKeyType(blob);
  return type && `${type} ${blob!.toString('base64')}`;
}

/** The OpenSSH public key line of a private key file's content (PEM or OpenSSH format), if it is one. */
export function publicKeyOfPrivateKey(text: string): string | undefined {
  const fromOpenSsh = openSshFormatPublicKey(text);
  if (fromOpenSsh) {
    return fromOpenSsh;
  }
  try {
    return openSshPublicKey(text, '');
  } catch {
    return undefined;
  }
}
