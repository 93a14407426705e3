import * as vscode from 'vscode';
import { registerSwasCommand } from '../commandRegistry';
import type { ServerArgs } from '../commandArgs';
import type { Services } from '../services';
import { clientOrExplain, pickRegion, pickServer } from '../ui/pickers';
import { restartServers, type RestartOutcome } from '../operations/restart';

/** SWAS: Restart Server. From a server node, or from the palette (asks for region and server). */
export async function restartServer(services: Services, args?: ServerArgs): Promise<RestartOutcome | undefined> {
  let target = args;
  if (!target) {
    const title = vscode.l10n.t('Restart Server');
    const regionId = await pickRegion(services, title);
    const client = regionId && (await clientOrExplain(services));
    const instance = regionId && client ? await pickServer(services, client, regionId, title, false) : undefined;
    if (!regionId || !instance) {
      return undefined;
    }
    target = { regionId, instance };
  }
  return (await restartServers(services, target.regionId, [target.instance]))[0];
}

export function registerRestartServer(services: Services): vscode.Disposable {
  return registerSwasCommand(services, 'swas.restartServer', (args?) => restartServer(services, args));
}
