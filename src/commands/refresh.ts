import * as vscode from 'vscode';
import type { SwasTreeProvider } from '../tree/provider';

/** SWAS: Refresh (the whole view) and Refresh Region (one region node). */
export function registerRefresh(tree: SwasTreeProvider): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand('swas.refresh', () => tree.refresh()),
    vscode.commands.registerCommand('swas.refreshRegion', (args?: { regionId: string }) => (args ? tree.refreshRegion(args.regionId) : tree.refresh())),
  );
}
