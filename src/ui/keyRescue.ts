import * as path from 'path';
import * as vscode from 'vscode';
import type { Services } from '../services';
import { KeyFormatError, normalizePrivateKey } from '../ssh/keyFormat';
import { KeySaveError, saveKeyPair, SavedKey, writeSecretFileExclusive } from '../ssh/keyPlacement';
import { describeKeySaveError } from './errorMessages';

/** A private key CreateKeyPair returned: it exists nowhere else. */
export interface KeyToKeep {
  keyDirectory: string;
  region: string;
  keyPairName: string;
  privateKeyBody: string;
}

export interface KeptKey {
  path?: string;
  saved?: SavedKey;
}

/**
 * The key exists only in memory until this returns: if the normal save fails, the user is asked
 * until the key is saved elsewhere, copied, or explicitly discarded.
 */
export async function keepPrivateKey(services: Services, input: KeyToKeep): Promise<KeptKey> {
  const { prompter, log } = services;
  let failure: string;
  let pem = input.privateKeyBody;
  try {
    const saved = await saveKeyPair({ directory: input.keyDirectory, keyPairName: input.keyPairName, region: input.region, privateKeyBody: input.privateKeyBody });
    log.info(`Key file written: ${saved.privateKeyPath} (fingerprint ${saved.fingerprint}).`);
    await services.writtenKeyFiles.remember(saved.privateKeyPath, ...(saved.publicKeyError ? [] : [saved.publicKeyPath]));
    return { path: saved.privateKeyPath, saved };
  } catch (error) {
    if (error instanceof KeyFormatError) {
      failure = vscode.l10n.t('the key returned by the service could not be read as a private key ({0})', error.message);
    } else if (error instanceof KeySaveError) {
      failure = describeKeySaveError(error);
      pem = normalizePrivateKey(input.privateKeyBody).pem;
    } else {
      throw error;
    }
    log.error(`Private key not saved: ${error.message}`);
  }

  const saveAs = vscode.l10n.t('Save As…');
  const copy = vscode.l10n.t('Copy to Clipboard');
  const discard = vscode.l10n.t('Discard Key…');
  for (;;) {
    const choice = await prompter.confirm(
      vscode.l10n.t('The private key of "{0}" could not be saved: {1}', input.keyPairName, failure),
      vscode.l10n.t('Alibaba Cloud returns it only once. Save it somewhere else or copy it now, or it is lost.'),
      saveAs,
      copy,
      discard,
    );
    if (choice === saveAs) {
      const target = await prompter.saveDialog(path.join(input.keyDirectory, `${input.keyPairName}.pem`), saveAs);
      if (!target) {
        continue;
      }
      try {
        const placed = await writeSecretFileExclusive(target, pem);
        log.info(`Key file written where the user chose: ${target}.`);
        if (placed.strayTemp) {
          log.warn(`The temporary name ${placed.strayTemp} of the key file could not be removed.`);
        }
        await services.writtenKeyFiles.remember(target);
        return { path: target };
      } catch (error) {
        failure = error instanceof KeySaveError ? describeKeySaveError(error) : String(error);
        log.error(`Private key not saved to ${target}: ${error instanceof Error ? error.message : String(error)}`);
      }
    } else if (choice === copy) {
      try {
        await prompter.writeClipboard(pem);
      } catch (error) {
        // The clipboard's error names no key material; the key is still only here, so ask again.
        const reason = error instanceof Error ? error.message : String(error);
        failure = vscode.l10n.t('it could not be copied to the clipboard either ({0})', reason);
        log.error(`Private key not copied to the clipboard: ${reason}`);
        continue;
      }
      log.info('Private key copied to the clipboard at the user\'s request.');
      return {};
    } else if (choice === discard) {
      const really = vscode.l10n.t('Discard');
      const confirmed = await prompter.confirm(
        vscode.l10n.t('Discard the private key of "{0}"?', input.keyPairName),
        vscode.l10n.t('It cannot be downloaded again. Servers using this key pair can then only be reached another way.'),
        really,
      );
      if (confirmed === really) {
        log.warn(`Private key of ${input.keyPairName} discarded by the user.`);
        return {};
      }
    }
  }
}
