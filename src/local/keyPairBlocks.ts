import { promises as fs } from 'fs';
import * as vscode from 'vscode';
import type { Instance } from '../cloud/client';
import type { Services } from '../services';
import { blockWithoutServers, blockWithServers } from '../ssh/hostEntries';
import { publicKeyOfPrivateKey } from '../ssh/keyFormat';
import { identityFileForConfig } from '../ssh/paths';
import {
  formatProblems,
  listManagedBlocks,
  ManagedBlock,
  repairSshConfig,
  SshConfigError,
  SshConfigRepair,
  updateSshConfig,
  UpdateSshConfigOptions,
  UpdateSshConfigResult,
} from '../ssh/sshConfig';
import type { SshPaths } from './machine';
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
async function updateSshConfigWithRepairs(
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

export interface KeyPairBlockRequest {
  regionId: string;
  keyPairName: string;
  privateKeyPath: string;
  /** `User` of a new block (`swas.defaultUser`); a block that has one keeps it. */
  user: string;
  /** Servers that use the key pair now: one Host each (those without a public IP are left out). */
  servers: readonly Instance[];
  /**
   * For a key pair just created or imported: Host entries a block of the same name still holds
   * point at servers that do not have this key, so only its first alias is kept.
   */
  fresh?: boolean;
}

export type KeyPairBlockResult =
  | { aliases: Map<string, string>; firstAlias?: string; verified: UpdateSshConfigResult['verified'] }
  | { problem: string };

function problemOf(services: Services, paths: SshPaths, error: unknown): { problem: string } {
  services.log.error(`SSH config not updated: ${error instanceof Error ? error.message : String(error)}`);
  return { problem: vscode.l10n.t('The SSH config ({0}) was not changed: {1}.', paths.configPath, describeSshConfigError(error, paths.configPath)) };
}

/**
 * The one way every command writes a key pair's block: IdentityFile pointing at the local private
 * key, one Host entry per server (a "no server yet" one when there is none). Returns the alias of each
 * server, or why the config was not changed.
 */
export async function writeKeyPairBlock(services: Services, paths: SshPaths, request: KeyPairBlockRequest): Promise<KeyPairBlockResult> {
  const { regionId, keyPairName } = request;
  const targets = request.servers
    .filter((s) => s.publicIpAddress)
    .map((s) => ({ instanceId: s.instanceId, instanceName: s.instanceName, publicIpAddress: s.publicIpAddress! }));
  try {
    // Every key written here was matched or made by its public key; the path stands in for a key file unreadable now.
    const publicKey = publicKeyOfPrivateKey(await fs.readFile(request.privateKeyPath, 'utf8').catch(() => '')) ?? request.privateKeyPath;
    const identityFile = identityFileForConfig(request.privateKeyPath, paths.tildeHome, process.platform);
    const base = { region: regionId, keyPairName, user: request.user, identityFile };
    const result = await updateSshConfigWithRepairs(
      services,
      paths.configPath,
      (current, text) => {
        const kept = current && request.fresh ? { ...current, hosts: current.hosts.slice(0, 1).map((h) => ({ alias: h.alias })) } : current;
        return blockWithServers(text, kept, base, targets, publicKey);
      },
      { region: regionId, keyPairName, logger: services.log },
    );
    const aliases = new Map<string, string>();
    for (const host of result.block?.hosts ?? []) {
      if (host.instanceId) {
        aliases.set(host.instanceId, host.alias);
      }
    }
    return { aliases, firstAlias: result.block?.hosts[0]?.alias, verified: result.verified };
  } catch (error) {
    return problemOf(services, paths, error);
  }
}

/** Drops the servers' Host entries from the key pair's block, if it has any. */
export async function removeServerEntries(services: Services, paths: SshPaths, regionId: string, keyPairName: string, instanceIds: string[]): Promise<string | undefined> {
  try {
    await updateSshConfigWithRepairs(services, paths.configPath, (current) => current && blockWithoutServers(current, instanceIds), {
      region: regionId,
      keyPairName,
      logger: services.log,
    });
    return undefined;
  } catch (error) {
    return problemOf(services, paths, error).problem;
  }
}

/** Removes the key pair's whole block. */
export async function removeKeyPairBlock(services: Services, paths: SshPaths, regionId: string, keyPairName: string): Promise<string | undefined> {
  try {
    await updateSshConfigWithRepairs(services, paths.configPath, () => undefined, { region: regionId, keyPairName, logger: services.log });
    return undefined;
  } catch (error) {
    return problemOf(services, paths, error).problem;
  }
}

export interface EntriesRemoved {
  /** Per key pair whose block held Host entries of these servers: the aliases removed. */
  removed: { keyPairName: string; aliases: string[] }[];
  /** Why a block could not be changed, as shown to the user. */
  problems: string[];
}

/**
 * A server holds one key pair, and an attach replaces the one it had: once the servers use
 * `keyPairName` (undefined: none), their Host entries under our other key pairs log in with a key
 * they no longer trust. Removes those entries, whatever changed the key pair (this editor, the
 * console, another machine).
 */
export async function removeEntriesUnderOtherKeyPairs(
  services: Services,
  paths: SshPaths,
  regionId: string,
  keyPairName: string | undefined,
  instanceIds: readonly string[],
): Promise<EntriesRemoved> {
  const result: EntriesRemoved = { removed: [], problems: [] };
  let blocks: ManagedBlock[];
  try {
    // Read now: the command may have written the file since it started.
    blocks = listManagedBlocks(await fs.readFile(paths.configPath, 'utf8'));
  } catch {
    // No file, or broken markers: nothing to remove here; a write reports the markers.
    return result;
  }
  for (const block of blocks) {
    const stale = block.hosts.filter((h) => h.instanceId && instanceIds.includes(h.instanceId));
    if (block.region !== regionId || block.keyPairName === keyPairName || stale.length === 0) {
      continue;
    }
    const problem = await removeServerEntries(services, paths, regionId, block.keyPairName, stale.map((h) => h.instanceId!));
    if (problem) {
      result.problems.push(problem);
    } else {
      services.log.info(`Removed the SSH hosts ${stale.map((h) => h.alias).join(', ')} of "${block.keyPairName}": their servers use ${keyPairName ? `"${keyPairName}"` : 'no key pair'} now.`);
      result.removed.push({ keyPairName: block.keyPairName, aliases: stale.map((h) => h.alias) });
    }
  }
  return result;
}
