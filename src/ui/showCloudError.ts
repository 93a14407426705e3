import * as vscode from 'vscode';
import { runCommand } from '../commandRegistry';
import { ClientToken } from '../cloud/clientToken';
import { CredentialsError } from '../cloud/credentials';
import { toCloudError } from '../cloud/errors';
import type { Services } from '../services';
import { ACTION_OPEN_SETTINGS, ACTION_RETRY, ACTION_SHOW_LOG, ACTION_SIGN_IN, describeCloudError, describeCredentialsError } from './errorMessages';

/**
 * Shows an API (or credentials) failure with its next step and runs the step the user picks. With `offerRetry`,
 * a transient failure gets Retry, and 'retry' is returned when chosen: callers retry with the
 * same ClientToken, so nothing is done twice. A refusal the user can fix while the message is open
 * (a RAM permission, a full quota) gets Retry too: callers send that one with a new ClientToken.
 */
export async function showCloudError(services: Services, error: unknown, regionId: string, options: { offerRetry?: boolean } = {}): Promise<'retry' | undefined> {
  const cloudError = error instanceof CredentialsError ? undefined : toCloudError(error, 'request');
  const message = cloudError ? describeCloudError(cloudError, regionId) : describeCredentialsError(error as CredentialsError);
  const fixable = fixableRefusal(error);
  const retry = options.offerRetry === true && retryHelps(error);
  const text = retry && !fixable ? `${message.text} ${vscode.l10n.t('Retrying is safe: it cannot create or change anything twice.')}` : message.text;
  const actions = retry ? [ACTION_RETRY(), ...message.actions.filter((a) => a !== ACTION_RETRY())] : message.actions.filter((a) => a !== ACTION_RETRY());
  const choice = await services.prompter.message('error', text, ...actions);
  if (choice === ACTION_RETRY() && retry) {
    return 'retry';
  }
  if (choice === ACTION_SIGN_IN()) {
    void runCommand('swas.signIn');
  } else if (choice === ACTION_SHOW_LOG()) {
    services.log.show(true);
  } else if (choice === ACTION_OPEN_SETTINGS()) {
    void vscode.commands.executeCommand('workbench.action.openSettings', 'swas.endpoint');
  }
  return undefined;
}

/** A refusal the user can fix while the message is open: a RAM permission, a full quota. */
function fixableRefusal(error: unknown): boolean {
  const kind = error instanceof CredentialsError ? undefined : toCloudError(error, 'request').kind;
  return kind === 'forbidden' || kind === 'quotaExceeded';
}

/** Whether `showCloudError` with `offerRetry` offers Retry for this failure. */
export function retryHelps(error: unknown): boolean {
  return fixableRefusal(error) || (!(error instanceof CredentialsError) && toCloudError(error, 'request').transient);
}

/**
 * Runs `call` until it succeeds, or until the user does not take the Retry that `showCloudError`
 * (or the caller's `onFailure`) offers where retrying is safe (then undefined), by the ClientToken
 * rule (src/cloud/clientToken.ts).
 */
export async function callWithRetry<T>(
  services: Services,
  regionId: string,
  call: (clientToken: string) => Promise<T>,
  onFailure: (error: unknown) => Promise<'retry' | undefined> = (error) => showCloudError(services, error, regionId, { offerRetry: true }),
): Promise<T | undefined> {
  const clientToken = new ClientToken();
  for (;;) {
    try {
      return await call(clientToken.value);
    } catch (error) {
      if ((await onFailure(error)) !== 'retry') {
        return undefined;
      }
      clientToken.beforeRetryAfter(error);
    }
  }
}
