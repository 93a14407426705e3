import * as vscode from 'vscode';
import { registerSwasCommand } from '../commandRegistry';
import type { Services } from '../services';
import type { SwasTreeProvider } from '../tree/provider';

/** SWAS: Refresh (the whole view) and Refresh Region (one region node). */
export function registerRefresh(services: Services, tree: SwasTreeProvider): vscode.Disposable {
  return vscode.Disposable.from(
    registerSwasCommand(services, 'swas.refresh', () => tree.refresh()),
    registerSwasCommand(services, 'swas.refreshRegion', (args?) => (args ? tree.refreshRegion(args.regionId) : tree.refresh())),
  );
}
