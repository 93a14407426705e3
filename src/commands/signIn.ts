import * as vscode from 'vscode';
import { registerSwasCommand } from '../commandRegistry';
import { resolveCredentials } from '../cloud/credentials';
import { toCloudError } from '../cloud/errors';
import type { Services } from '../services';
import { readSettings } from '../settings';
import { describeCloudError } from '../ui/errorMessages';
import { BACK } from '../ui/prompter';

/** AccessKey IDs are 16–32 letters and digits, usually starting with LTAI; STS ids start with STS. */
const ACCESS_KEY_ID = /^[A-Za-z0-9.]{16,64}$/;

/**
 * SWAS: Sign In. Keeps an AccessKey pair in VS Code's SecretStorage (the OS keychain on
 * desktop), never in settings or a plain file, and checks it with one signed call first.
 */
export async function signIn(services: Services): Promise<boolean> {
  const { prompter } = services;
  const title = vscode.l10n.t('Sign In to Alibaba Cloud (SWAS)');
  let accessKeyId = '';
  for (;;) {
    const id = await prompter.inputBox({
      title,
      step: 1,
      totalSteps: 2,
      prompt: vscode.l10n.t('AccessKey ID of a RAM user allowed to use SWAS (swas-open:*).'),
      value: accessKeyId,
      validate: (value) => (ACCESS_KEY_ID.test(value.trim()) ? undefined : vscode.l10n.t('An AccessKey ID is 16 or more letters and digits, e.g. LTAI5t…')),
    });
    if (id === undefined || id === BACK) {
      return false;
    }
    accessKeyId = id.trim();
    const secret = await prompter.inputBox({
      title,
      step: 2,
      totalSteps: 2,
      prompt: vscode.l10n.t('AccessKey secret. It is stored in VS Code\'s secret storage on this machine.'),
      password: true,
      validate: (value) => (value.trim().length >= 16 ? undefined : vscode.l10n.t('An AccessKey secret is 16 or more characters.')),
    });
    if (secret === undefined) {
      return false;
    }
    if (secret === BACK) {
      continue;
    }
    const credentials = { accessKeyId, accessKeySecret: secret.trim() };
    const regionId = readSettings().defaultRegion || 'cn-hangzhou';
    try {
      const client = services.client(await resolveCredentials(credentials));
      await prompter.progress(vscode.l10n.t('Checking the AccessKey…'), () => client.listKeyPairs(regionId));
    } catch (raw) {
      const error = toCloudError(raw, 'ListKeyPairs');
      // Only a verdict on the key itself stops sign-in; a network problem should not lose what was typed.
      if (['accessKeyNotFound', 'accessKeyInactive', 'signatureMismatch'].includes(error.kind)) {
        // not awaited: a toast settles only when closed, and the ID box must open again beside it at once
        void prompter.message('error', describeCloudError(error, regionId).text);
        continue;
      }
      services.log.warn(`Sign-in check could not reach the service (${error.kind}); storing the AccessKey anyway.`);
    }
    await services.storeSignedInCredentials(credentials);
    services.log.info(`Signed in with AccessKey ID ${accessKeyId.slice(0, 8)}…`);
    void prompter.message('info', vscode.l10n.t('Signed in to Alibaba Cloud with AccessKey ID {0}.', accessKeyId));
    return true;
  }
}

export function registerSignIn(services: Services): vscode.Disposable {
  return registerSwasCommand(services, 'swas.signIn', () => signIn(services));
}
