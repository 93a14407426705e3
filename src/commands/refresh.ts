import * as vscode from 'vscode';
import { registerSwasCommand } from '../commandRegistry';
import type { Services } from '../services';
import type { SwasTreeProvider } from '../tree/provider';

/** SWAS: Refresh (the whole view) and Refresh Region (one region node). */
export function registerRefresh(services: Services, tree: SwasTreeProvider): vscode.Disposable {
  return vscode.Disposable.from(
    registerSwasCommand(services, 'swas.refresh', () => refresh(services, tree)),
    registerSwasCommand(services, 'swas.refreshRegion', (args?) => refresh(services, tree, args?.regionId)),
  );
}

/** Asks again, fresh answers or not, and asks again for pay-as-you-go servers where there were none. */
function refresh(services: Services, tree: SwasTreeProvider, regionId?: string): void {
  services.payAsYouGoRegions.forget(regionId);
  if (regionId) {
    tree.refreshRegion(regionId);
  } else {
    tree.refresh();
  }
}
