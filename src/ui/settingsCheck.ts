import * as path from 'path';
import * as vscode from 'vscode';
import type { Services } from '../services';
import { homeDirectory, readSettings, Settings } from '../settings';
import { expandHome } from '../ssh/paths';
import { ACTION_OPEN_SETTINGS } from './errorMessages';

/** A setting no command may run with: using a fallback instead (the public endpoint) would be silent. */
export class SettingsError extends Error {
  constructor(
    readonly settingId: string,
    message: string,
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}

/** What is wrong with the settings, in the words the user sees; undefined when they are usable. */
export function settingsProblem(settings: Settings): SettingsError | undefined {
  if (settings.endpoint.problem) {
    return new SettingsError(
      'swas.endpoint',
      vscode.l10n.t('The "swas.endpoint" setting "{0}" is not a usable URL. Use https://host (or http://127.0.0.1:port for a local endpoint), or clear it.', settings.endpointSetting),
    );
  }
  if (!path.isAbsolute(expandHome(settings.sshKeyDirectory, homeDirectory()))) {
    return new SettingsError(
      'swas.sshKeyDirectory',
      vscode.l10n.t('The "swas.sshKeyDirectory" setting "{0}" must be an absolute path or start with ~ (for example ~/.ssh).', settings.sshKeyDirectory),
    );
  }
  return undefined;
}

/** Endpoints already warned about in this window: once is enough to decide. */
const warnedInsecure = new Set<string>();

/**
 * The settings a command runs with, read once and checked before anything else: a problem stops the
 * command with Open Settings; plain HTTP to another computer is warned about once per window.
 */
export async function checkedSettings(services: Services): Promise<Settings | undefined> {
  const settings = readSettings();
  const problem = settingsProblem(settings);
  if (problem) {
    if ((await services.prompter.message('error', problem.message, ACTION_OPEN_SETTINGS())) === ACTION_OPEN_SETTINGS()) {
      void vscode.commands.executeCommand('workbench.action.openSettings', problem.settingId);
    }
    return undefined;
  }
  if (settings.endpoint.insecure && !warnedInsecure.has(settings.endpointSetting)) {
    warnedInsecure.add(settings.endpointSetting);
    void services.prompter.message(
      'warning',
      vscode.l10n.t('"swas.endpoint" uses plain HTTP to a host that is not this computer: signed requests, with your AccessKey ID, travel unencrypted. Use https:// unless you trust that network.'),
    );
  }
  return settings;
}
