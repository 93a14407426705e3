import * as vscode from 'vscode';
import { registerConnectWithRemoteSsh } from './commands/connectWithRemoteSsh';
import { registerCreateKeyPair } from './commands/createKeyPair';
import { registerRestartServer } from './commands/restartServer';
import { registerSignIn } from './commands/signIn';
import { registerSignOut } from './commands/signOut';
import { Services } from './services';
import type { Prompter } from './ui/prompter';

/** Only returned to the extension's own integration tests (ExtensionMode.Test). */
export interface TestApi {
  services: Services;
  setPrompter(prompter: Prompter): void;
}

export function activate(context: vscode.ExtensionContext): TestApi | undefined {
  const log = vscode.window.createOutputChannel('SWAS Key Pairs', { log: true });
  const services = new Services(context, log);
  context.subscriptions.push(
    log,
    registerCreateKeyPair(services),
    registerSignIn(services),
    registerSignOut(services),
    registerConnectWithRemoteSsh(services),
    registerRestartServer(services),
  );
  if (context.extensionMode === vscode.ExtensionMode.Test) {
    return { services, setPrompter: (prompter) => (services.prompter = prompter) };
  }
  return undefined;
}

export function deactivate(): void {}
