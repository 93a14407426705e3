import * as vscode from 'vscode';
import type { SwasCommandId, SwasCommands } from './commandIds';
import type { Services } from './services';

/** Runs one of our commands, its arguments checked against the command's own types. */
export function runCommand<K extends SwasCommandId>(id: K, ...args: SwasCommands[K]): Thenable<unknown> {
  return vscode.commands.executeCommand(id, ...args);
}

/**
 * The only way a command is registered: `handler` runs inside one error boundary. An error no step
 * handled (a bug, or arguments another extension passed wrongly) is logged with its stack and shown
 * once, translated, with the log a click away, instead of VS Code's bare "command failed"; the
 * command then resolves to undefined.
 */
export function registerSwasCommand<K extends SwasCommandId>(
  services: Services,
  id: K,
  handler: (...args: SwasCommands[K]) => unknown,
): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: SwasCommands[K]) => {
    try {
      return await handler(...args);
    } catch (error) {
      services.log.error(`${id} stopped on an unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      const showLog = vscode.l10n.t('Show Log');
      void services.prompter
        .message(
          'error',
          vscode.l10n.t('The command stopped on an unexpected error: {0}. Nothing more was done. The log (Output → SWAS Key Pairs) has the details; please include it when you report this.', error instanceof Error ? error.message : String(error)),
          showLog,
        )
        .then((choice) => choice === showLog && services.log.show());
      return undefined;
    }
  });
}
