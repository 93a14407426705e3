import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { publicKeyOfPrivateKey, samePublicKey } from './keyFormat';
import { keyFileBaseName } from './keyPlacement';

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
