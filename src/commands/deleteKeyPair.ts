import type * as vscode from 'vscode';
import { registerSwasCommand } from '../commandRegistry';
import { deleteKeyPair } from '../operations/delete';
import type { Services } from '../services';

/** SWAS: Delete Key Pair…, whose flow Rotate offers too (src/operations/delete.ts). */
export function registerDeleteKeyPair(services: Services): vscode.Disposable {
  return registerSwasCommand(services, 'swas.deleteKeyPair', (args?) => deleteKeyPair(services, args));
}
