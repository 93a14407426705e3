import * as vscode from 'vscode';
import type { Services } from '../services';

/** Remote-SSH and the open-source fork with the same command contract. */
const REMOTE_SSH_EXTENSIONS = ['ms-vscode-remote.remote-ssh', 'jeanp413.open-remote-ssh'];

export interface ConnectArgs {
  alias: string;
  /** The key was attached but the server not restarted yet: the login would fail. */
  needsRestart?: boolean;
}

/** Opens a new window connected to `alias` through Remote-SSH, offering to install it first. */
export async function connectWithRemoteSsh(services: Services, args: ConnectArgs): Promise<boolean> {
  const { prompter } = services;
  if (args.needsRestart) {
    const connectAnyway = vscode.l10n.t('Connect Anyway');
    const choice = await prompter.message('warning', vscode.l10n.t('The server must be restarted before the new key works. Connect anyway?'), connectAnyway);
    if (choice !== connectAnyway) {
      return false;
    }
  }
  if (!REMOTE_SSH_EXTENSIONS.some((id) => vscode.extensions.getExtension(id))) {
    const install = vscode.l10n.t('Install Remote-SSH');
    const choice = await prompter.message('info', vscode.l10n.t('Connecting needs the Remote - SSH extension. Install it now?'), install);
    if (choice !== install) {
      return false;
    }
    const id = vscode.env.appName.includes('Visual Studio Code') ? REMOTE_SSH_EXTENSIONS[0] : REMOTE_SSH_EXTENSIONS[1];
    await vscode.commands.executeCommand('workbench.extensions.installExtension', id);
  }
  services.log.info(`Opening a Remote-SSH window for ${args.alias}.`);
  await vscode.commands.executeCommand('opensshremotes.openEmptyWindow', { host: args.alias });
  return true;
}

export function registerConnectWithRemoteSsh(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand('swas.connectWithRemoteSsh', (args: ConnectArgs) => connectWithRemoteSsh(services, args));
}
