import * as vscode from 'vscode';
import type { Instance } from '../cloud/client';
import type { Services } from '../services';
import { readSettings } from '../settings';
import { blockWithoutServers, blockWithServers } from '../ssh/hostEntries';
import { identityFileForConfig } from '../ssh/paths';
import { updateSshConfig } from '../ssh/sshConfig';
import { sshPlaces } from './targets';
import { describeSshConfigError } from '../ui/errorMessages';

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
    const result = await updateSshConfig(
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
    await updateSshConfig(places.configPath, (current) => current && blockWithoutServers(current, instanceIds), {
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
