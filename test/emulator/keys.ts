import { createHash, createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * How CreateKeyPair returns PrivateKeyBody. The real format is uncertain (see docs/swas-api.md,
 * "PrivateKeyBody format (uncertain)"), so the emulator can produce each plausible variant and clients
 * can be tested against all of them.
 */
export type PrivateKeyFormat =
  | 'pkcs1-pem'
  | 'pkcs8-pem'
  | 'pkcs1-base64'
  | 'pkcs8-base64'
  | 'escaped-newlines'
  | 'crlf';

export const PRIVATE_KEY_FORMATS: readonly PrivateKeyFormat[] = [
  'pkcs1-pem',
  'pkcs8-pem',
  'pkcs1-base64',
  'pkcs8-base64',
  'escaped-newlines',
  'crlf',
];

export interface GeneratedKeyPair {
  readonly privateKeyBody: string;
  /** OpenSSH public key line: `ssh-rsa AAAA…`. */
  readonly publicKey: string;
}

function formatPrivateKey(key: KeyObject, format: PrivateKeyFormat): string {
  switch (format) {
    case 'pkcs1-pem':
      return key.export({ type: 'pkcs1', format: 'pem' }).toString();
    case 'pkcs8-pem':
      return key.export({ type: 'pkcs8', format: 'pem' }).toString();
    case 'pkcs1-base64':
      return key.export({ type: 'pkcs1', format: 'der' }).toString('base64');
    case 'pkcs8-base64':
      return key.export({ type: 'pkcs8', format: 'der' }).toString('base64');
    case 'escaped-newlines':
      return key.export({ type: 'pkcs1', format: 'pem' }).toString().replace(/\n/g, '\\n');
    case 'crlf':
      return key.export({ type: 'pkcs1', format: 'pem' }).toString().replace(/\n/g, '\r\n');
  }
}

function sshString(data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

// SSH mpints are two's complement: a set top bit needs a leading zero byte to stay positive.
function sshMpint(unsigned: Buffer): Buffer {
  return sshString(unsigned[0] & 0x80 ? Buffer.concat([Buffer.from([0]), unsigned]) : unsigned);
}

export function openSshRsaPublicKey(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  if (!jwk.n || !jwk.e) {
    throw new Error('not an RSA public key');
  }
  const blob = Buffer.concat([
    sshString(Buffer.from('ssh-rsa')),
    sshMpint(Buffer.from(jwk.e, 'base64url')),
    sshMpint(Buffer.from(jwk.n, 'base64url')),
  ]);
  return `ssh-rsa ${blob.toString('base64')}`;
}

/**
 * Env: a file of RSA-2048 private keys (a JSON array of PKCS#8 PEMs, `writeRsaKeyPool`) that emulators hand out before
 * generating any. A key costs about 37 ms of CPU on Node 24 (177 on Node 20), and an integration run creates about 520
 * key pairs over a dozen extension hosts: each host takes the pool's keys in order, so none comes twice in one process
 * (as with keys generated each time); separate hosts share nothing, so seeing the same key there is harmless.
 */
export const KEY_POOL_ENV = 'SWAS_EMULATOR_KEY_POOL';

let pool: { keys: string[]; next: number } | undefined;

function nextPooledKey(): KeyObject | undefined {
  const file = process.env[KEY_POOL_ENV];
  if (!file) return undefined;
  pool ??= { keys: JSON.parse(fs.readFileSync(file, 'utf8')) as string[], next: 0 };
  const pem = pool.keys[pool.next];
  if (pem === undefined) return undefined;
  pool.next++;
  return createPrivateKey(pem);
}

/** Writes `count` new RSA-2048 private keys to `file` (mode 0600) for KEY_POOL_ENV, unless it already holds as many. */
export async function writeRsaKeyPool(file: string, count: number): Promise<void> {
  try {
    if ((JSON.parse(fs.readFileSync(file, 'utf8')) as string[]).length >= count) return;
  } catch {
    // missing or unreadable: made below
  }
  const keys = await Promise.all(Array.from({ length: count }, async () =>
    (await generateKeyPairAsync('rsa', { modulusLength: 2048 })).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()));
  const partial = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(partial, JSON.stringify(keys), { mode: 0o600 });
    fs.renameSync(partial, file);
  } finally {
    fs.rmSync(partial, { force: true });
  }
}

/**
 * A real RSA-2048 key pair, like the console creates: the next from the KEY_POOL_ENV pool, else a new one. Async so the
 * server keeps serving meanwhile.
 */
export async function generateRsaKeyPair(format: PrivateKeyFormat): Promise<GeneratedKeyPair> {
  const privateKey = nextPooledKey() ?? (await generateKeyPairAsync('rsa', { modulusLength: 2048 })).privateKey;
  return { privateKeyBody: formatPrivateKey(privateKey, format), publicKey: openSshRsaPublicKey(createPublicKey(privateKey)) };
}

class SshReader {
  private offset = 0;
  constructor(private readonly data: Buffer) {}

  string(): Buffer {
    if (this.offset + 4 > this.data.length) {
      throw new Error('truncated key blob');
    }
    const length = this.data.readUInt32BE(this.offset);
    const start = this.offset + 4;
    if (start + length > this.data.length) {
      throw new Error('truncated key blob');
    }
    this.offset = start + length;
    return this.data.subarray(start, this.offset);
  }

  get done(): boolean {
    return this.offset === this.data.length;
  }
}

function stripLeadingZeros(mpint: Buffer): Buffer {
  let start = 0;
  while (start < mpint.length - 1 && mpint[start] === 0) {
    start++;
  }
  return mpint.subarray(start);
}

/**
 * Validates an OpenSSH public key line and returns it normalised to `type base64` (comment dropped).
 * Accepted: ssh-rsa (the only type the SWAS docs name, min. 2048 bits like the console creates)
 * and ssh-ed25519 (what current ssh-keygen makes by default; the sister ECS ImportKeyPair takes it).
 * ECDSA and DSA are refused so that clients exercise the rejection path. The key material is loaded
 * with node:crypto, so a blob that merely looks right is still refused.
 */
export function parseOpenSshPublicKey(line: string): { readonly publicKey: string; readonly blob: Buffer } {
  const [type, base64] = line.trim().split(/\s+/);
  if (!base64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
    throw new Error('not an OpenSSH public key line');
  }
  const blob = Buffer.from(base64, 'base64');
  const reader = new SshReader(blob);
  if (reader.string().toString() !== type) {
    throw new Error('key type does not match the key blob');
  }
  if (type === 'ssh-rsa') {
    const e = stripLeadingZeros(reader.string());
    const n = stripLeadingZeros(reader.string());
    if (!reader.done || n.length * 8 < 2048) {
      throw new Error('RSA key must be a single key of at least 2048 bits');
    }
    createPublicKey({ key: { kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') }, format: 'jwk' });
  } else if (type === 'ssh-ed25519') {
    const x = reader.string();
    if (!reader.done || x.length !== 32) {
      throw new Error('Ed25519 key must be 32 bytes');
    }
    createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: x.toString('base64url') }, format: 'jwk' });
  } else {
    throw new Error(`unsupported key type ${type}`);
  }
  return { publicKey: `${type} ${blob.toString('base64')}`, blob };
}

/** MD5 of the public key blob as colon-separated hex, as `ssh-keygen -l -E md5` prints it. */
export function md5Fingerprint(publicKeyLine: string): string {
  const { blob } = parseOpenSshPublicKey(publicKeyLine);
  return createHash('md5').update(blob).digest('hex').match(/../g)!.join(':');
}
