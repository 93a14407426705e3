import { execFile } from 'node:child_process';
import * as crypto from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { assertRestricted, CommandRunner, restrictToCurrentUser, WindowsAclError, WindowsUser } from './windowsAcl';

/** The private key text was not a usable private key. Messages never contain key material. */
export class KeyFormatError extends Error {
  readonly code = 'KEY_FORMAT';
  constructor(message: string) {
    super(message);
    this.name = 'KeyFormatError';
  }
}

/**
 * Writing or preparing a key file failed. `code` is the errno code (`ENOSPC`, `EACCES`, `EROFS`,
 * `EEXIST`, `ENOTDIR`, `EISDIR`, …), `INSECURE_MODE` when the file did not end up private, or
 * `WINDOWS_ACL` when restricting it on Windows failed.
 */
export class KeySaveError extends Error {
  constructor(
    readonly code: string,
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'KeySaveError';
  }
}

export interface NormalizedPrivateKey {
  pem: string;
  format: 'pkcs1' | 'pkcs8';
  /** Node's `asymmetricKeyType`: `rsa` or `ed25519`. */
  keyType: string;
}

export interface SavedKey {
  privateKeyPath: string;
  publicKeyPath: string;
  /** OpenSSH public key line, without a newline. */
  publicKey: string;
  /** `SHA256:…`, as `ssh-keygen -lf` shows it. */
  fingerprint: string;
  /** True when `<base>.pem` was taken and a `-2`, `-3`, … name was used. */
  renamed: boolean;
  /** Set when the private key was saved but the `.pub` file could not be written. */
  publicKeyError?: string;
  /** The key folder's mode when it is group- or world-writable (POSIX). */
  insecureDirectoryMode?: number;
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

const WINDOWS_RESERVED_NAME = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/** A file base name for the key pair that is valid on Windows, macOS and Linux. */
export function keyFileBaseName(keyPairName: string): string {
  let name = keyPairName
    .replace(/[<>:"/\\|?*\u0000-\u001f\u007f]/g, '_')
    .replace(/^\.+/, (dots) => '_'.repeat(dots.length))
    .replace(/[. ]+$/, (tail) => '_'.repeat(tail.length));
  if (name === '') {
    name = '_';
  }
  // Windows reserves these names even with an extension, so `CON.pem` is unusable too.
  return WINDOWS_RESERVED_NAME.test(name) ? `${name}_` : name;
}

function errnoCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : 'UNKNOWN';
}

function saveError(error: unknown, filePath: string, action: string): KeySaveError {
  if (error instanceof KeySaveError) {
    return error;
  }
  const code = errnoCode(error);
  // Errno messages name a syscall and a path, never file content, so they are safe to show.
  const cause = error instanceof Error ? error.message : String(error);
  return new KeySaveError(code, filePath, `Could not ${action} ${filePath} (${code}): ${cause}`);
}

/**
 * Creates the key folder (mode 0700) if missing. An existing folder is left as it is, but a
 * group- or world-writable one is reported in `insecureMode` (POSIX only).
 */
export async function ensureKeyDirectory(dir: string): Promise<{ created: boolean; insecureMode?: number }> {
  let created = false;
  let stats;
  try {
    stats = await fs.stat(dir);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') {
      throw saveError(error, dir, 'check the key folder');
    }
    try {
      created = (await fs.mkdir(dir, { recursive: true, mode: 0o700 })) !== undefined;
      stats = await fs.stat(dir);
    } catch (mkdirError) {
      throw saveError(mkdirError, dir, 'create the key folder');
    }
  }
  if (!stats.isDirectory()) {
    throw new KeySaveError('ENOTDIR', dir, `The key folder ${dir} exists but is not a folder.`);
  }
  if (process.platform !== 'win32' && (stats.mode & 0o022) !== 0) {
    return { created, insecureMode: stats.mode & 0o777 };
  }
  return { created };
}

async function removeQuietly(filePath: string): Promise<void> {
  await fs.unlink(filePath).catch(() => undefined);
}

async function pathExists(filePath: string): Promise<boolean> {
  try {
    await fs.lstat(filePath);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') {
      return false;
    }
    throw error;
  }
}

function defaultCommandRunner(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { windowsHide: true, timeout: 15_000 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
  });
}

/**
 * Gives `tmp` the name `final` without ever replacing an existing `final`. A hard link fails with
 * EEXIST if the target exists (rename would silently overwrite); rename is the fallback only
 * where the file system cannot link. Returns whether `tmp` still exists (linked) or not (renamed).
 */
async function placeWithoutOverwrite(tmp: string, final: string): Promise<'linked' | 'renamed'> {
  try {
    await fs.link(tmp, final);
    return 'linked';
  } catch (error) {
    const code = errnoCode(error);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') {
      throw error;
    }
  }
  if (await pathExists(final)) {
    throw Object.assign(new Error(`${final} already exists`), { code: 'EEXIST' });
  }
  await fs.rename(tmp, final);
  return 'renamed';
}

async function fsyncDirectory(dir: string): Promise<void> {
  // Makes the new name durable; not possible on every platform (Windows), hence best effort.
  try {
    const handle = await fs.open(dir, fsConstants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    return;
  }
}

interface ExclusiveWriteOptions {
  mode: number;
  /** Private files: restrict with ACLs on Windows, and check the result everywhere. */
  secret: boolean;
  run: CommandRunner;
}

async function writeFileExclusive(filePath: string, content: string, options: ExclusiveWriteOptions): Promise<void> {
  const dir = path.dirname(filePath);
  const tmp = path.join(dir, `.${path.basename(filePath)}.${crypto.randomBytes(6).toString('hex')}.tmp`);
  let tmpCreated = false;
  let placed = false;
  try {
    // 'wx' = O_CREAT|O_EXCL: the file is born with `mode` (umask can only clear bits), so there
    // is no moment where the content sits in a more open file.
    const handle = await fs.open(tmp, 'wx', options.mode);
    tmpCreated = true;
    let windowsUser: WindowsUser | undefined;
    try {
      // On Windows the new file inherits the folder's ACL: restrict it before it holds anything.
      if (options.secret && process.platform === 'win32') {
        windowsUser = await restrictToCurrentUser(tmp, options.run);
      }
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    const placement = await placeWithoutOverwrite(tmp, filePath);
    placed = true;
    if (placement === 'linked') {
      await fs.unlink(tmp);
    }
    tmpCreated = false;
    await fsyncDirectory(dir);
    if (windowsUser) {
      await assertRestricted(filePath, windowsUser, options.run);
    } else if (options.secret) {
      const mode = (await fs.stat(filePath)).mode & 0o777;
      if ((mode & 0o077) !== 0 || (mode & 0o400) === 0) {
        throw new KeySaveError(
          'INSECURE_MODE',
          filePath,
          `${filePath} got mode ${mode.toString(8)} instead of 600; the file system does not keep file permissions.`,
        );
      }
    }
  } catch (error) {
    if (tmpCreated) {
      await removeQuietly(tmp);
    }
    if (placed) {
      await removeQuietly(filePath);
    }
    if (error instanceof WindowsAclError) {
      throw new KeySaveError(error.code, filePath, error.message);
    }
    throw saveError(error, filePath, 'write');
  }
}

/**
 * The only way a private key touches disk: a new file readable by the current user alone
 * (mode 0600, or an owner-only ACL on Windows), never replacing an existing file, and either
 * complete or absent.
 */
export async function writeSecretFileExclusive(
  filePath: string,
  content: string,
  run: CommandRunner = defaultCommandRunner,
): Promise<void> {
  await writeFileExclusive(filePath, content, { mode: 0o600, secret: true, run });
}

const MAX_NAME_ATTEMPTS = 1000;

/**
 * Saves the key pair's private key as `<dir>/<name>.pem` (or `<name>-2.pem`, … when taken) and its
 * public key beside it as `.pub`. The key is validated before anything touches disk.
 */
export async function saveKeyPair(options: {
  directory: string;
  keyPairName: string;
  region: string;
  privateKeyBody: string;
}): Promise<SavedKey> {
  const { pem } = normalizePrivateKey(options.privateKeyBody);
  const publicKey = openSshPublicKey(pem, `swas:${options.region}/${options.keyPairName}`);
  const fingerprint = sha256Fingerprint(publicKey);
  const directory = path.resolve(options.directory);
  const { insecureMode } = await ensureKeyDirectory(directory);
  const base = keyFileBaseName(options.keyPairName);

  for (let attempt = 1; attempt <= MAX_NAME_ATTEMPTS; attempt++) {
    const stem = attempt === 1 ? base : `${base}-${attempt}`;
    const privateKeyPath = path.join(directory, `${stem}.pem`);
    const publicKeyPath = path.join(directory, `${stem}.pub`);
    try {
      if ((await pathExists(privateKeyPath)) || (await pathExists(publicKeyPath))) {
        continue;
      }
    } catch (error) {
      throw saveError(error, privateKeyPath, 'check');
    }
    try {
      await writeSecretFileExclusive(privateKeyPath, pem);
    } catch (error) {
      // Someone created the name between our check and the link: try the next one.
      if (error instanceof KeySaveError && error.code === 'EEXIST') {
        continue;
      }
      throw error;
    }
    const saved: SavedKey = { privateKeyPath, publicKeyPath, publicKey, fingerprint, renamed: attempt > 1 };
    if (insecureMode !== undefined) {
      saved.insecureDirectoryMode = insecureMode;
    }
    try {
      await writeFileExclusive(publicKeyPath, `${publicKey}\n`, {
        mode: 0o644,
        secret: false,
        run: defaultCommandRunner,
      });
    } catch (error) {
      // The private key is the irreplaceable part; keep it and report the .pub problem.
      saved.publicKeyError = error instanceof Error ? error.message : String(error);
    }
    return saved;
  }
  throw new KeySaveError('EEXIST', directory, `No free file name for ${base}.pem in ${directory}.`);
}
