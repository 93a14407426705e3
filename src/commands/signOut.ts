import * as vscode from 'vscode';
import { registerSwasCommand } from '../commandRegistry';
import type { Services } from '../services';

/** SWAS: Sign Out. Forgets the AccessKey kept in SecretStorage; other credential sources stay as they are. */
export async function signOut(services: Services): Promise<void> {
  const stored = await services.signedInCredentials();
  await services.storeSignedInCredentials(undefined);
  void services.prompter.message(
    'info',
    stored
      ? vscode.l10n.t('Signed out: the AccessKey stored in VS Code was removed. Credentials from the environment or the aliyun CLI, if any, are still used.')
      : vscode.l10n.t('No AccessKey was stored in VS Code. Credentials from the environment or the aliyun CLI, if any, are still used.'),
  );
}

export function registerSignOut(services: Services): vscode.Disposable {
  return registerSwasCommand(services, 'swas.signOut', () => signOut(services));
}
