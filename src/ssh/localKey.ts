import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { openSshPublicKey, samePublicKey } from './keyFormat';
import { keyFileBaseName } from './keyPlacement';

const OPENSSH_MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');
const OPENSSH_PEM = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/;

function readSshString(buffer: Buffer, offset: number): { value: Buffer; next: number } | undefined {
  if (offset + 4 > buffer.length) {
    return undefined;
  }
  const length = buffer.readUInt32BE(offset);
  const end = offset + 4 + length;
  return end > buffer.length ? undefined : { value: buffer.subarray(offset + 4, end), next: end };
}

/**
 * The public key stored in clear in an `openssh-key-v1` file (what ssh-keygen writes), read
 * without decrypting: this works for passphrase-protected keys too.
 */
function openSshFormatPublicKey(text: string): string | undefined {
  const match = OPENSSH_PEM.exec(text);
  if (!match) {
    return undefined;
  }
  const data = Buffer.from(match[1].replace(/\s+/g, ''), 'base64');
  if (!data.subarray(0, OPENSSH_MAGIC.length).equals(OPENSSH_MAGIC)) {
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
  const blob = readSshString(data, offset + 4);
  const type = blob && readSshString(blob.value, 0);
  return blob && type ? `${type.value.toString('latin1')} ${blob.value.toString('base64')}` : undefined;
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

export interface FindLocalKeyOptions {
  directory: string;
  keyPairName: string;
  /** The key pair's public key as ListKeyPairs returns it. */
  publicKey: string;
  /** Other files to consider first, e.g. the IdentityFile of the key pair's SSH config block. */
  extraCandidates?: string[];
}

/**
 * The private key file on this machine that belongs to the key pair: `<name>.pem` or
 * `<name>-N.pem` (as saveKeyPair names them) in `directory`, or an extra candidate, whose public
 * key is the one the service holds. A file with the right name but another key does not count.
 */
export async function findLocalPrivateKey(options: FindLocalKeyOptions): Promise<string | undefined> {
  const base = keyFileBaseName(options.keyPairName);
  const sameName = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(-\\d+)?\\.pem$`);
  let names: string[] = [];
  try {
    names = (await fs.readdir(options.directory)).filter((name) => sameName.test(name)).sort();
  } catch {
    // A missing or unreadable key folder simply holds no key.
  }
  const candidates = [...(options.extraCandidates ?? []), ...names.map((name) => path.join(options.directory, name))];
  for (const candidate of candidates) {
    let text: string;
    try {
      const stat = await fs.stat(candidate);
      // Private keys are a few KB; anything large is not one.
      if (!stat.isFile() || stat.size > 64 * 1024) {
        continue;
      }
      text = await fs.readFile(candidate, 'utf8');
    } catch {
      continue;
    }
    const publicKey = publicKeyOfPrivateKey(text);
    if (publicKey && samePublicKey(publicKey, options.publicKey)) {
      return candidate;
    }
  }
  return undefined;
}
