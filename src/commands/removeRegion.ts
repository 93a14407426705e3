import * as vscode from 'vscode';
import { registerSwasCommand } from '../commandRegistry';
import { withoutRegion } from '../cloud/regionList';
import type { Services } from '../services';
import { shownRegions } from '../local/machine';
import { pickRegion } from '../ui/pickers';

/** SWAS: Remove Region. Only hides it in the view; nothing in the cloud changes, so no question. */
export async function removeRegion(services: Services, args?: { regionId: string }): Promise<string | undefined> {
  const regionId = args?.regionId ?? (await pickRegion(services, vscode.l10n.t('Remove Region from the SWAS View')));
  if (!regionId) {
    return undefined;
  }
  const remaining = withoutRegion(await shownRegions(services), regionId);
  await vscode.workspace.getConfiguration('swas').update('regions', remaining, vscode.ConfigurationTarget.Global);
  return regionId;
}

export function registerRemoveRegion(services: Services): vscode.Disposable {
  return registerSwasCommand(services, 'swas.removeRegion', (args?) => removeRegion(services, args));
}
