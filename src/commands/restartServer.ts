import { randomUUID } from 'crypto';
import * as vscode from 'vscode';
import type { Instance } from '../cloud/client';
import type { ServerArgs } from '../commandArgs';
import type { Services } from '../services';
import { showCloudError } from '../ui/showCloudError';
import { clientOrExplain, pickRegion, pickServer } from '../ui/pickers';

/**
 * Restarts servers after one modal naming each of them: an attached key pair only takes effect
 * after a restart. Returns the servers that were restarted.
 */
export async function restartServers(services: Services, regionId: string, instances: Instance[]): Promise<Instance[]> {
  const { prompter } = services;
  if (instances.length === 0) {
    return [];
  }
  const restart = vscode.l10n.t('Restart');
  const names = instances.map((i) => `${i.instanceName} (${i.instanceId})`);
  const choice = await prompter.confirm(
    instances.length === 1 ? vscode.l10n.t('Restart {0}?', names[0]) : vscode.l10n.t('Restart {0} servers: {1}?', instances.length, names.join(', ')),
    vscode.l10n.t('Programs running on them stop, and they are unreachable for about a minute.'),
    restart,
  );
  if (choice !== restart) {
    return [];
  }
  const client = await clientOrExplain(services);
  if (!client) {
    return [];
  }
  const restarted: Instance[] = [];
  for (const instance of instances) {
    try {
      await prompter.progress(vscode.l10n.t('Restarting {0}…', instance.instanceName), () => client.rebootInstance(regionId, instance.instanceId, randomUUID()));
      restarted.push(instance);
    } catch (error) {
      await showCloudError(services, error, regionId);
    }
  }
  services.notifyChanged(regionId);
  if (restarted.length > 0) {
    void prompter.message(
      'info',
      vscode.l10n.t('{0} restarting. The key pair works once it is running again.', restarted.map((i) => i.instanceName).join(', ')),
    );
  }
  return restarted;
}

/** SWAS: Restart Server. From a server node, or from the palette (asks for region and server). */
export async function restartServer(services: Services, args?: ServerArgs): Promise<boolean> {
  let target = args;
  if (!target) {
    const title = vscode.l10n.t('Restart Server');
    const regionId = await pickRegion(services, title);
    const client = regionId && (await clientOrExplain(services));
    const instance = regionId && client ? await pickServer(services, client, regionId, title, false) : undefined;
    if (!regionId || !instance) {
      return false;
    }
    target = { regionId, instance };
  }
  return (await restartServers(services, target.regionId, [target.instance])).length === 1;
}

export function registerRestartServer(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand('swas.restartServer', (args?: ServerArgs) => restartServer(services, args));
}
