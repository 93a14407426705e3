import * as vscode from 'vscode';
import { registerAddRegion } from './commands/addRegion';
import { registerAttachKeyPair } from './commands/attachKeyPair';
import { registerConnectServer } from './commands/connectServer';
import { registerConnectWithRemoteSsh } from './commands/connectWithRemoteSsh';
import { registerCopyFingerprint } from './commands/copyFingerprint';
import { registerCopyPublicIp } from './commands/copyPublicIp';
import { registerCreateKeyPair } from './commands/createKeyPair';
import { registerDeleteKeyPair } from './commands/deleteKeyPair';
import { registerDetachKeyPair } from './commands/detachKeyPair';
import { registerImportPublicKey } from './commands/importPublicKey';
import { registerRefresh } from './commands/refresh';
import { registerRemoveRegion } from './commands/removeRegion';
import { registerRestartServer } from './commands/restartServer';
import { registerRevealKeyFile } from './commands/revealKeyFile';
import { registerRotateKeyPair } from './commands/rotateKeyPair';
import { registerSignIn } from './commands/signIn';
import { registerSignOut } from './commands/signOut';
import { registerTestSshConnection } from './commands/testSshConnection';
import { Services } from './services';
import { SwasTreeProvider, VIEW_ID } from './tree/provider';
import type { Prompter } from './ui/prompter';

/** Only returned to the extension's own integration tests (ExtensionMode.Test). */
export interface TestApi {
  services: Services;
  setPrompter(prompter: Prompter): void;
  setRemoteWindowOpener(open: (remoteAuthority: string) => Thenable<unknown>): void;
  tree: SwasTreeProvider;
}

export function activate(context: vscode.ExtensionContext): TestApi | undefined {
  const log = vscode.window.createOutputChannel('SWAS Key Pairs', { log: true });
  const services = new Services(context, log);
  const tree = new SwasTreeProvider(services);
  const view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: tree, showCollapseAll: true });
  tree.showIn(view);
  context.subscriptions.push(
    log,
    tree,
    view,
    registerCreateKeyPair(services),
    registerSignIn(services),
    registerSignOut(services),
    registerConnectWithRemoteSsh(services),
    registerRestartServer(services),
    registerRefresh(services, tree),
    registerAddRegion(services),
    registerRemoveRegion(services),
    registerImportPublicKey(services),
    registerAttachKeyPair(services),
    registerDetachKeyPair(services),
    registerDeleteKeyPair(services),
    registerRotateKeyPair(services),
    registerCopyFingerprint(services),
    registerRevealKeyFile(services),
    registerConnectServer(services),
    registerCopyPublicIp(services),
    registerTestSshConnection(services),
  );
  if (context.extensionMode === vscode.ExtensionMode.Test) {
    return {
      services,
      setPrompter: (prompter) => (services.prompter = prompter),
      setRemoteWindowOpener: (open) => (services.openRemoteWindow = open),
      tree,
    };
  }
  return undefined;
}

export function deactivate(): void {}
