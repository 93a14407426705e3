import * as vscode from 'vscode';
import { registerSwasCommand } from '../commandRegistry';
import { chooseHandOff, galleryProvider, providerName, sshRemoteAuthority } from '../remote/remoteSshProviders';
import type { ConnectArgs } from '../commandArgs';
import type { Services } from '../services';

/**
 * Opens a new window on `alias` through the remote-SSH extension installed in this editor
 * (Microsoft's, open-remote-ssh, Cursor's, Windsurf's), offering to install the one this editor's
 * gallery carries when there is none.
 */
export async function connectWithRemoteSsh(services: Services, args: ConnectArgs): Promise<boolean> {
  const { prompter } = services;
  if (args.needsRestart) {
    const connectAnyway = vscode.l10n.t('Connect Anyway');
    const choice = await prompter.message('warning', vscode.l10n.t('The server must be restarted before the new key works. Connect anyway?'), connectAnyway);
    if (choice !== connectAnyway) {
      return false;
    }
  }
  let chosen = await chooseHandOff(services.log);
  if (!chosen) {
    const id = galleryProvider(vscode.env.appName, vscode.env.uriScheme);
    const install = vscode.l10n.t('Install Remote-SSH');
    const choice = await prompter.message('info', vscode.l10n.t('Connecting needs a Remote - SSH extension. Install {0} now?', providerName(id)), install);
    if (choice !== install) {
      return false;
    }
    services.log.info(`Installing ${id}.`);
    await vscode.commands.executeCommand('workbench.extensions.installExtension', id);
    chosen = await chooseHandOff(services.log);
    if (!chosen) {
      void prompter.message('warning', vscode.l10n.t('{0} is installed but not running yet. Reload the window, then connect again.', providerName(id)));
      return false;
    }
  }
  const { extensionId, handOff } = chosen;
  if (handOff.kind === 'command') {
    services.log.info(`Opening ${args.alias} with ${extensionId} (${handOff.command}).`);
    await vscode.commands.executeCommand(handOff.command, { host: args.alias });
  } else {
    const remoteAuthority = sshRemoteAuthority(args.alias);
    services.log.info(`Opening ${args.alias} with ${extensionId} (new window on ${remoteAuthority}).`);
    await services.openRemoteWindow(remoteAuthority);
  }
  return true;
}

export function registerConnectWithRemoteSsh(services: Services): vscode.Disposable {
  return registerSwasCommand(services, 'swas.connectWithRemoteSsh', (args) => connectWithRemoteSsh(services, args));
}
