import { randomUUID } from 'crypto';
import * as vscode from 'vscode';
import type { Instance } from '../cloud/client';
import type { Services } from '../services';
import { showCloudError } from '../ui/showCloudError';

export interface RestartArgs {
  regionId: string;
  instance: Instance;
}

/** Restarts a server after asking: an attached key pair only takes effect after a restart. */
export async function restartServer(services: Services, args: RestartArgs): Promise<boolean> {
  const { prompter } = services;
  const restart = vscode.l10n.t('Restart');
  const choice = await prompter.confirm(
    vscode.l10n.t('Restart {0} ({1})?', args.instance.instanceName, args.instance.instanceId),
    vscode.l10n.t('Programs running on it stop, and it is unreachable for about a minute.'),
    restart,
  );
  if (choice !== restart) {
    return false;
  }
  try {
    const client = services.client(await services.credentials());
    await prompter.progress(vscode.l10n.t('Restarting {0}…', args.instance.instanceName), () =>
      client.rebootInstance(args.regionId, args.instance.instanceId, randomUUID()),
    );
  } catch (error) {
    await showCloudError(services, error, args.regionId);
    return false;
  }
  services.notifyChanged();
  void prompter.message('info', vscode.l10n.t('{0} is restarting. The key pair works once it is running again.', args.instance.instanceName));
  return true;
}

export function registerRestartServer(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand('swas.restartServer', (args: RestartArgs) => restartServer(services, args));
}
