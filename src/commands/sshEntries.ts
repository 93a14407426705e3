import * as vscode from 'vscode';
import type { Instance } from '../cloud/client';
import type { Services } from '../services';
import { readSettings } from '../settings';
import { blockWithoutServers, blockWithServers } from '../ssh/hostEntries';
import { identityFileForConfig } from '../ssh/paths';
import {
  formatProblems,
  ManagedBlock,
  repairSshConfig,
  SshConfigError,
  SshConfigRepair,
  updateSshConfig,
  UpdateSshConfigOptions,
  UpdateSshConfigResult,
} from '../ssh/sshConfig';
import { sshPlaces } from './targets';
import { describeSshConfigError } from '../ui/errorMessages';

/** The repair that makes OpenSSH accept the file, when the refusal has one. */
function repairFor(error: unknown): SshConfigRepair | undefined {
  if (!(error instanceof SshConfigError)) {
    return undefined;
  }
  if (error.code === 'BOM') {
    return { kind: 'removeBom' };
  }
  return error.code === 'CONFIG_INVALID' && error.unknownOptions.length > 0 ? { kind: 'ignoreUnknown', options: error.unknownOptions } : undefined;
}

/** Asks before repairing the user's file: it is their config, and the change stays after our block is gone. */
async function consentTo(services: Services, repair: SshConfigRepair, error: SshConfigError, configPath: string): Promise<boolean> {
  if (repair.kind === 'removeBom') {
    const action = vscode.l10n.t('Remove BOM and Retry');
    return (await services.prompter.confirm(
      vscode.l10n.t('{0} starts with a UTF-8 byte order mark (BOM). OpenSSH reads it as part of the first keyword and rejects the whole file, so an entry there could not be used. Nothing was changed.', configPath),
      vscode.l10n.t('Remove the BOM and add the entry? The file as it is now is kept as {0}.', `${error.path ?? configPath}.swas-backup-bom`),
      action,
    )) === action;
  }
  const action = vscode.l10n.t('Add IgnoreUnknown and Retry');
  return (await services.prompter.confirm(
    vscode.l10n.t('OpenSSH on this computer rejects {0} as it is, before any change: {1}. Nothing was changed.', configPath, formatProblems(error.problems)),
    vscode.l10n.t('Add "IgnoreUnknown {0}" as the first line, so OpenSSH here skips these options (OpenSSH that knows them, such as macOS\'s for UseKeychain, still uses them), then add the entry? The file as it is now is kept as {1}.', repair.options.join(','), `${error.path ?? configPath}.swas-backup-ignore-unknown`),
    action,
  )) === action;
}

/**
 * updateSshConfig, and when OpenSSH already rejects the file for a reason we can repair (a UTF-8
 * BOM, or options it does not know such as macOS's UseKeychain), offers that repair once, with a
 * backup, and tries again. Declined or not repairable: the refusal is thrown, nothing changed.
 */
export async function updateSshConfigWithRepairs(
  services: Services,
  configPath: string,
  change: (current: ManagedBlock | undefined, text: string) => ManagedBlock | undefined,
  options: UpdateSshConfigOptions,
): Promise<UpdateSshConfigResult> {
  const offered = new Set<SshConfigRepair['kind']>();
  for (;;) {
    try {
      return await updateSshConfig(configPath, change, options);
    } catch (error) {
      const repair = repairFor(error);
      if (!repair || offered.has(repair.kind) || !(await consentTo(services, repair, error as SshConfigError, configPath))) {
        throw error;
      }
      offered.add(repair.kind);
      await repairSshConfig(configPath, repair, { logger: services.log });
    }
  }
}

/**
 * Adds (or refreshes) one Host entry per server to the key pair's block, pointing at the local
 * private key. Returns the alias of each server, or a reason the config was not changed.
 */
export async function addServerEntries(
  services: Services,
  regionId: string,
  keyPairName: string,
  privateKeyPath: string,
  servers: Instance[],
): Promise<{ aliases: Map<string, string> } | { problem: string }> {
  const places = await sshPlaces();
  const targets = servers.filter((s) => s.publicIpAddress).map((s) => ({ instanceId: s.instanceId, instanceName: s.instanceName, publicIpAddress: s.publicIpAddress! }));
  try {
    const identityFile = identityFileForConfig(privateKeyPath, places.tildeHome, process.platform);
    const result = await updateSshConfigWithRepairs(
      services,
      places.configPath,
      (current, text) => blockWithServers(text, current, { region: regionId, keyPairName, user: readSettings().defaultUser, identityFile }, targets),
      { region: regionId, keyPairName, logger: services.log },
    );
    const aliases = new Map<string, string>();
    for (const host of result.block?.hosts ?? []) {
      if (host.instanceId) {
        aliases.set(host.instanceId, host.alias);
      }
    }
    return { aliases };
  } catch (error) {
    services.log.error(`SSH config not updated: ${error instanceof Error ? error.message : String(error)}`);
    return { problem: vscode.l10n.t('The SSH config ({0}) was not changed: {1}.', places.configPath, describeSshConfigError(error, places.configPath)) };
  }
}

/** Drops the servers' Host entries from the key pair's block, if it has any. */
export async function removeServerEntries(services: Services, regionId: string, keyPairName: string, instanceIds: string[]): Promise<string | undefined> {
  const places = await sshPlaces();
  try {
    await updateSshConfigWithRepairs(services, places.configPath, (current) => current && blockWithoutServers(current, instanceIds), {
      region: regionId,
      keyPairName,
      logger: services.log,
    });
    return undefined;
  } catch (error) {
    services.log.error(`SSH config not updated: ${error instanceof Error ? error.message : String(error)}`);
    return vscode.l10n.t('The SSH config ({0}) was not changed: {1}.', places.configPath, describeSshConfigError(error, places.configPath));
  }
}
