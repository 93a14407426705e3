import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ensureKeyDirectory, keyFileBaseName, sha256Fingerprint } from './keyFile';

export type LocalKeyType = 'rsa' | 'ed25519';

export interface GeneratedKey {
  privateKeyPath: string;
  publicKeyPath: string;
  /** OpenSSH public key line, without a newline. */
  publicKey: string;
  fingerprint: string;
}

function sshKeygen(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('ssh-keygen', args, { timeout: 60_000, windowsHide: true }, (error, _stdout, stderr) => {
      if (error) {
        reject(new Error(`ssh-keygen failed: ${stderr.trim() || error.message}`, { cause: error }));
      } else {
        resolve();
      }
    });
  });
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes a new key pair on this machine with `ssh-keygen` (no passphrase, so Remote-SSH can use it
 * unattended; the file is 0600) and stores it as `<dir>/<name>.pem` + `.pub`, or `<name>-N.*` when
 * taken. ssh-keygen writes into a private scratch folder first, so an existing key is never overwritten.
 */
export async function generateLocalKeyPair(options: { directory: string; keyPairName: string; region: string; type: LocalKeyType }): Promise<GeneratedKey> {
  const directory = path.resolve(options.directory);
  await ensureKeyDirectory(directory);
  const scratch = await fs.mkdtemp(path.join(directory, '.swas-keygen-'));
  try {
    const scratchKey = path.join(scratch, 'key');
    const typeArgs = options.type === 'rsa' ? ['-t', 'rsa', '-b', '4096'] : ['-t', 'ed25519'];
    await sshKeygen([...typeArgs, '-N', '', '-q', '-C', `swas:${options.region}/${options.keyPairName}`, '-f', scratchKey]);
    const publicKey = (await fs.readFile(`${scratchKey}.pub`, 'utf8')).trim();
    const base = keyFileBaseName(options.keyPairName);
    for (let attempt = 1; attempt <= 1000; attempt++) {
      const stem = attempt === 1 ? base : `${base}-${attempt}`;
      const privateKeyPath = path.join(directory, `${stem}.pem`);
      const publicKeyPath = path.join(directory, `${stem}.pub`);
      if ((await exists(privateKeyPath)) || (await exists(publicKeyPath))) {
        continue;
      }
      try {
        // link fails with EEXIST instead of replacing a file created meanwhile.
        await fs.link(scratchKey, privateKeyPath);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
          continue;
        }
        throw error;
      }
      await fs.copyFile(`${scratchKey}.pub`, publicKeyPath, fs.constants.COPYFILE_EXCL);
      return { privateKeyPath, publicKeyPath, publicKey, fingerprint: sha256Fingerprint(publicKey) };
    }
    throw new Error(`No free file name for ${base}.pem in ${directory}.`);
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
