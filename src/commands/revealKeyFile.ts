import * as vscode from 'vscode';
import { registerSwasCommand } from '../commandRegistry';
import type { Services } from '../services';
import type { KeyPairArgs } from '../commandArgs';
import { localPrivateKey, readSshConfig, sshPaths } from '../local/machine';
import { keyPairTarget } from '../ui/pickers';
import { readSettings } from '../settings';

/** SWAS: Reveal Key File. Shows the private key file in the OS file manager (never opens it). */
export async function revealKeyFile(services: Services, args?: KeyPairArgs & { localKeyPath?: string }): Promise<string | undefined> {
  const target = await keyPairTarget(services, args, vscode.l10n.t('Reveal Key File'));
  if (!target) {
    return undefined;
  }
  const paths = sshPaths(readSettings());
  const file = args?.localKeyPath ?? (await localPrivateKey(paths, await readSshConfig(paths), services.writtenKeyFiles, target.regionId, target.keyPair));
  if (!file) {
    void services.prompter.message('info', vscode.l10n.t('The private key of "{0}" is not on this machine.', target.keyPair.keyPairName));
    return undefined;
  }
  await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(file));
  return file;
}

export function registerRevealKeyFile(services: Services): vscode.Disposable {
  return registerSwasCommand(services, 'swas.revealKeyFile', (args?) => revealKeyFile(services, args));
}
