import * as vscode from 'vscode';
import { registerSwasCommand } from '../commandRegistry';
import type { Services } from '../services';
import type { ServerArgs } from '../commandArgs';
import { clientOrExplain, pickRegion, pickServer } from '../ui/pickers';

/** SWAS: Copy Public IP. */
export async function copyPublicIp(services: Services, args?: ServerArgs): Promise<string | undefined> {
  let instance = args?.instance;
  if (!instance) {
    const title = vscode.l10n.t('Copy Public IP');
    const regionId = await pickRegion(services, title);
    const client = regionId && (await clientOrExplain(services));
    instance = regionId && client ? await pickServer(services, client, regionId, title, false) : undefined;
  }
  if (!instance) {
    return undefined;
  }
  if (!instance.publicIpAddress) {
    void services.prompter.message('info', vscode.l10n.t('{0} has no public IP address.', instance.instanceName));
    return undefined;
  }
  await services.prompter.writeClipboard(instance.publicIpAddress);
  void services.prompter.message('info', vscode.l10n.t('Copied {0} ({1}).', instance.publicIpAddress, instance.instanceName));
  return instance.publicIpAddress;
}

export function registerCopyPublicIp(services: Services): vscode.Disposable {
  return registerSwasCommand(services, 'swas.copyPublicIp', (args?) => copyPublicIp(services, args));
}
