import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { sha256Fingerprint } from './keyFormat';
import { ensureKeyDirectory, keyFileBaseName, placeKeyFiles } from './keyPlacement';
import { runProcess } from './process';

export type LocalKeyType = 'rsa' | 'ed25519';

export interface GeneratedKey {
  privateKeyPath: string;
  publicKeyPath: string;
  /** OpenSSH public key line, without a newline. */
  publicKey: string;
  fingerprint: string;
  /** Temp names of the key that could not be removed after it was placed. */
  strayTempFiles: string[];
}

async function sshKeygen(args: string[]): Promise<void> {
  const result = await runProcess('ssh-keygen', args, { timeoutMs: 60_000 });
  if (result.code !== 0) {
    throw new Error(`ssh-keygen failed: ${result.stderr.trim() || `exit ${result.code}`}`);
  }
}

/**
 * Makes a new key pair on this machine with `ssh-keygen` (no passphrase, so Remote-SSH can use it
 * unattended) and stores it as `<dir>/<name>.pem` + `.pub`, or `<name>-N.*` when taken, through the
 * same placement as created keys. ssh-keygen writes into a private scratch folder in the key folder
 * (so the key never leaves it). A pair whose `.pub` cannot be written is removed whole: it is not
 * in use anywhere yet, and a lone private key would only be clutter.
 */
export async function generateLocalKeyPair(options: { directory: string; keyPairName: string; region: string; type: LocalKeyType }): Promise<GeneratedKey> {
  const directory = path.resolve(options.directory);
  await ensureKeyDirectory(directory);
  const scratch = await fs.mkdtemp(path.join(directory, '.swas-keygen-'));
  try {
    const scratchKey = path.join(scratch, 'key');
    const typeArgs = options.type === 'rsa' ? ['-t', 'rsa', '-b', '4096'] : ['-t', 'ed25519'];
    await sshKeygen([...typeArgs, '-N', '', '-q', '-C', `swas:${options.region}/${options.keyPairName}`, '-f', scratchKey]);
    const privateKey = await fs.readFile(scratchKey, 'utf8');
    const publicKey = (await fs.readFile(`${scratchKey}.pub`, 'utf8')).trim();
    const placed = await placeKeyFiles(directory, keyFileBaseName(options.keyPairName), privateKey, `${publicKey}\n`);
    if (placed.publicKeyFailure) {
      await fs.rm(placed.privateKeyPath, { force: true });
      await Promise.all(placed.strayTempFiles.map((file) => fs.rm(file, { force: true })));
      throw placed.publicKeyFailure;
    }
    const { privateKeyPath, publicKeyPath, strayTempFiles } = placed;
    return { privateKeyPath, publicKeyPath, publicKey, fingerprint: sha256Fingerprint(publicKey), strayTempFiles };
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
