import { promises as fs } from 'fs';
import * as vscode from 'vscode';
import type { KeyPair } from '../cloud/client';
import { regionsToShow } from '../cloud/regionList';
import { findLocalPrivateKey } from '../ssh/localKey';
import { expandHome } from '../ssh/paths';
import type { WrittenKeyFiles } from '../ssh/writtenKeyFiles';
import { findManagedBlock, ManagedBlock, resolveSshConfigPath } from '../ssh/sshConfig';
import type { Services } from '../services';
import { homeDirectory, readSettings, Settings, sshTildeDirectory } from '../settings';

/**
 * What is on this machine and in this editor's settings: where the SSH files are, our managed
 * blocks, the private keys found here, the regions shown. The sidebar and the commands both ask here.
 */

/** The regions the sidebar shows. */
export async function shownRegions(services: Services): Promise<string[]> {
  const settings = readSettings();
  let cliRegion: string | undefined;
  try {
    cliRegion = (await services.credentials()).cliRegionId;
  } catch {
    // No credentials: the welcome view shows instead of regions.
  }
  const inspected = vscode.workspace.getConfiguration('swas').inspect<string[]>('regions');
  // The commands write the user setting, so that is the one that counts (and syncs).
  const configured = inspected?.globalValue;
  return regionsToShow(configured, [settings.defaultRegion || cliRegion, services.regionCache.lastRegion()]);
}

/** Where this machine's SSH files are. */
export interface SshPaths {
  /** What OpenSSH expands `~` to in the config (may differ from $HOME). */
  tildeHome: string;
  keyDirectory: string;
  configPath: string;
  /** `remote.SSH.configFile` resolved, the file Remote-SSH passes to ssh with -F; unset, plain ssh. */
  remoteSshConfigFile: string | undefined;
  knownHostsPath: string;
}

/** Where the SSH files are, from the settings the caller read once for its whole run. */
export function sshPaths(settings: Settings): SshPaths {
  const home = homeDirectory();
  const configPath = resolveSshConfigPath(settings.remoteSshConfigFile, home);
  return {
    tildeHome: sshTildeDirectory(),
    keyDirectory: expandHome(settings.sshKeyDirectory, home),
    configPath,
    remoteSshConfigFile: settings.remoteSshConfigFile ? configPath : undefined,
    knownHostsPath: expandHome('~/.ssh/known_hosts', home),
  };
}

/** What the SSH config said when it was read: a write since then is not in it. */
export interface SshConfigSnapshot {
  /** '' when the file is missing or unreadable. */
  text: string;
}

export async function readSshConfig(paths: SshPaths): Promise<SshConfigSnapshot> {
  return { text: await fs.readFile(paths.configPath, 'utf8').catch(() => '') };
}

/** Our block for the key pair, or undefined (also when the config's markers are broken). */
export function managedBlockOf(config: SshConfigSnapshot, regionId: string, keyPairName: string): ManagedBlock | undefined {
  try {
    return findManagedBlock(config.text, regionId, keyPairName);
  } catch {
    return undefined;
  }
}

/**
 * The key pair's private key on this machine: where its SSH config block points, in the key folder, or
 * wherever this extension saved it (a Save As elsewhere, found even after the block is gone). Each
 * candidate counts only if its public half is the key pair's.
 */
export async function localPrivateKey(
  paths: SshPaths,
  config: SshConfigSnapshot,
  written: WrittenKeyFiles,
  regionId: string,
  keyPair: KeyPair,
): Promise<string | undefined> {
  if (!keyPair.publicKey) {
    return undefined;
  }
  const block = managedBlockOf(config, regionId, keyPair.keyPairName);
  return findLocalPrivateKey({
    directory: paths.keyDirectory,
    keyPairName: keyPair.keyPairName,
    publicKey: keyPair.publicKey,
    extraCandidates: [...(block ? [expandHome(block.identityFile, paths.tildeHome)] : []), ...written.privateKeys()],
  });
}
