import * as vscode from 'vscode';
import { registerSwasCommand } from '../commandRegistry';
import { withRegion } from '../cloud/regionList';
import type { Services } from '../services';
import { BACK } from '../ui/prompter';
import { shownRegions } from '../local/machine';
import { allRegions, clientOrExplain, regionDescription } from '../ui/pickers';

/** SWAS: Add Region… Stored in `swas.regions` (user settings, so it syncs). */
export async function addRegion(services: Services): Promise<string | undefined> {
  const client = await clientOrExplain(services);
  if (!client) {
    return undefined;
  }
  const shown = await shownRegions(services);
  const items = allRegions(services, client).then((regions) =>
    regions.filter((r) => !shown.includes(r.regionId)).map((r) => ({ label: r.regionId, description: regionDescription(r), value: r.regionId })),
  );
  const picked = await services.prompter.quickPick<string>({
    title: vscode.l10n.t('Add Region to the SWAS View'),
    step: 1,
    totalSteps: 1,
    placeholder: vscode.l10n.t('Region (type to filter, e.g. ap-southeast-1)'),
    items,
  });
  if (picked === undefined || picked === BACK) {
    return undefined;
  }
  await vscode.workspace.getConfiguration('swas').update('regions', withRegion(shown, picked), vscode.ConfigurationTarget.Global);
  return picked;
}

export function registerAddRegion(services: Services): vscode.Disposable {
  return registerSwasCommand(services, 'swas.addRegion', () => addRegion(services));
}
