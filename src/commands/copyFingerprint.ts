import * as vscode from 'vscode';
import { registerSwasCommand } from '../commandRegistry';
import type { Services } from '../services';
import { md5Fingerprint, sha256Fingerprint } from '../ssh/keyFormat';
import type { KeyPairArgs } from '../commandArgs';
import { keyPairTarget } from '../ui/pickers';

/** SWAS: Copy Fingerprint. SHA256 as `ssh-keygen -lf` and `ssh -v` show it; the MD5 form is in the tooltip. */
export async function copyFingerprint(services: Services, args?: KeyPairArgs): Promise<string | undefined> {
  const target = await keyPairTarget(services, args, vscode.l10n.t('Copy Fingerprint'));
  if (!target) {
    return undefined;
  }
  let fingerprint: string;
  try {
    fingerprint = sha256Fingerprint(target.keyPair.publicKey ?? '');
  } catch {
    void services.prompter.message('error', vscode.l10n.t('Alibaba Cloud returned no readable public key for "{0}".', target.keyPair.keyPairName));
    return undefined;
  }
  await services.prompter.writeClipboard(fingerprint);
  void services.prompter.message('info', vscode.l10n.t('Copied the fingerprint of "{0}": {1} (MD5 {2}).', target.keyPair.keyPairName, fingerprint, md5Fingerprint(target.keyPair.publicKey!)));
  return fingerprint;
}

export function registerCopyFingerprint(services: Services): vscode.Disposable {
  return registerSwasCommand(services, 'swas.copyFingerprint', (args?) => copyFingerprint(services, args));
}
