import { promises as fs } from 'fs';
import * as vscode from 'vscode';
import type { Instance, KeyPair, SwasClient } from '../cloud/client';
import type { Services } from '../services';
import { hostsInKnownHosts, hostsNamedNowhereElse, removeFromKnownHosts, sshKeygenAvailable } from '../ssh/knownHosts';
import { knownHostsName, sshTarget } from '../ssh/loginCheck';
import { expandHome } from '../ssh/paths';
import type { ManagedBlock } from '../ssh/sshConfig';
import { callWithRetry } from '../ui/showCloudError';
import { detachFrom } from './detach';
import { removalSummary, removeKeyNow, type RemovedOn } from './applyKeyNow';
import { cloudAssistantReadiness, hasCloudAssistantConsent } from './cloudAssistantAccess';
import type { KeyPairArgs } from '../commandArgs';
import { localPrivateKey, managedBlockOf, readSshConfig, SshPaths, sshPaths } from '../local/machine';
import { clientOrExplain, keyPairTarget, listInstancesOrExplain } from '../ui/pickers';
import { removeKeyPairBlock } from '../local/keyPairBlocks';
import { readSettings } from '../settings';

/* Delete Key Pair's whole flow: the command runs it, and Rotate offers it for the old key pair. */

export interface DeleteOutcome {
  deleted: boolean;
  /** What was removed from this computer afterwards, as listed to the user. */
  removedLocally: string[];
  /** Where Cloud Assistant took the detached pair's key off the server, or why not. */
  removedFromServers?: RemovedOn[];
}

interface LocalLeftover {
  label: string;
  remove: () => Promise<void>;
}

async function existing(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

/**
 * What this computer still holds for the key pair: the key files this extension wrote (never a
 * file the user had, such as an imported `id_ed25519.pub` and its private half), our SSH config
 * block, known_hosts lines of its servers.
 */
async function localLeftovers(services: Services, regionId: string, keyPair: KeyPair, serverIps: string[]): Promise<LocalLeftover[]> {
  const paths = sshPaths(readSettings());
  const config = await readSshConfig(paths);
  const leftovers: LocalLeftover[] = [];
  const privateKey = await localPrivateKey(paths, config, services.writtenKeyFiles, regionId, keyPair);
  if (privateKey && services.writtenKeyFiles.wasPlaced(privateKey)) {
    const publicKey = privateKey.replace(/\.pem$/, '') + '.pub';
    const withPublic = publicKey !== privateKey && services.writtenKeyFiles.wasPlaced(publicKey) && (await existing(publicKey));
    for (const file of [privateKey, ...(withPublic ? [publicKey] : [])]) {
      leftovers.push({
        label: vscode.l10n.t('Key file {0}', file),
        remove: async () => {
          await fs.rm(file);
          await services.writtenKeyFiles.forget(file);
        },
      });
    }
  }
  const block = managedBlockOf(config, regionId, keyPair.keyPairName);
  if (block) {
    leftovers.push({
      label: vscode.l10n.t('SSH config entry for "{0}" ({1}) in {2}', keyPair.keyPairName, block.hosts.map((h) => h.alias).join(', '), paths.configPath),
      remove: async () => {
        const problem = await removeKeyPairBlock(services, paths, regionId, keyPair.keyPairName);
        if (problem) {
          throw new Error(problem);
        }
      },
    });
  }
  const ownHostNames = block?.hosts.flatMap((h) => (h.hostName ? [h.hostName] : [])) ?? [];
  const candidates = [...new Set([...serverIps, ...ownHostNames])];
  const hosts = hostsNamedNowhereElse(config.text, candidates, ownHostNames);
  if (hosts.length < candidates.length) {
    services.log.info(`Keeping known_hosts lines for ${candidates.filter((h) => !hosts.includes(h)).join(', ')}: other SSH config entries connect there.`);
  }
  if (hosts.length > 0 && (await sshKeygenAvailable())) {
    for (const [file, names] of await knownHostsNames(services, paths, block, hosts)) {
      const known = (await existing(file)) ? await hostsInKnownHosts(names, file) : [];
      if (known.length > 0) {
        leftovers.push({
          label: vscode.l10n.t('known_hosts lines for {0} in {1}', known.join(', '), file),
          remove: async () => {
            await removeFromKnownHosts(known, file);
          },
        });
      }
    }
  }
  return leftovers;
}

/**
 * known_hosts file → the names the hosts have there, as OpenSSH itself resolves them (`ssh -G`):
 * through our alias for the host when the block has one, else the bare address, so the user's
 * `UserKnownHostsFile` and `Port` count, and a host off port 22 is `[ip]:port`.
 */
async function knownHostsNames(services: Services, paths: SshPaths, block: ManagedBlock | undefined, hosts: string[]): Promise<Map<string, string[]>> {
  const byFile = new Map<string, string[]>();
  const add = (file: string, name: string) => byFile.set(file, [...new Set([...(byFile.get(file) ?? []), name])]);
  for (const host of hosts) {
    const alias = block?.hosts.find((h) => h.hostName === host)?.alias ?? host;
    try {
      const where = await sshTarget(alias, paths.remoteSshConfigFile);
      where.knownHostsFiles.forEach((file) => add(expandHome(file, paths.tildeHome), knownHostsName(where.hostName, where.port)));
    } catch (error) {
      // No ssh to ask: OpenSSH's default file and name.
      services.log.warn(`ssh -G ${alias} failed (${error instanceof Error ? error.message : String(error)}); looking in ${paths.knownHostsPath} only.`);
      add(paths.knownHostsPath, host);
    }
  }
  return byFile;
}

/**
 * SWAS: Delete Key Pair… Refuses while attached (offering to detach first), asks with a modal
 * naming the key pair, then offers to remove what this computer keeps for it, each item listed.
 */
export async function deleteKeyPair(services: Services, args?: KeyPairArgs): Promise<DeleteOutcome | undefined> {
  const { prompter } = services;
  const title = vscode.l10n.t('Delete Key Pair');
  const target = await keyPairTarget(services, args, title);
  const client = target && (await clientOrExplain(services));
  if (!target || !client) {
    return undefined;
  }
  const { regionId } = target;
  const name = target.keyPair.keyPairName;
  // The node may be stale: ask the service who uses the key pair now.
  let keyPair = target.keyPair;
  try {
    keyPair = (await client.listKeyPairs(regionId, name)).find((k) => k.keyPairName === name) ?? keyPair;
  } catch (error) {
    services.log.warn(`ListKeyPairs ${regionId} before delete failed: ${String(error)}`);
  }
  const instances = await listInstancesOrExplain(services, client, regionId);
  if (!instances) {
    return undefined;
  }
  const attached = instances.filter((i) => keyPair.instanceIds.includes(i.instanceId));
  const serverIps = attached.flatMap((i) => (i.publicIpAddress ? [i.publicIpAddress] : []));
  let removedFromServers: RemovedOn[] | undefined;

  if (keyPair.instanceIds.length > 0) {
    const detachFirst = vscode.l10n.t('Detach and Continue…');
    const names = attached.map((i) => i.instanceName).join(', ') || keyPair.instanceIds.join(', ');
    const choice = await prompter.message('warning', vscode.l10n.t('"{0}" is attached to {1}. Detach it before deleting.', name, names), detachFirst);
    if (choice !== detachFirst) {
      return { deleted: false, removedLocally: [] };
    }
    const results = await detachFrom(services, client, { regionId, keyPair }, attached);
    if (!results || results.some((r) => !r.success) || attached.length < keyPair.instanceIds.length) {
      void prompter.message('error', vscode.l10n.t('"{0}" is still attached to a server, so it was not deleted.', name));
      return { deleted: false, removedLocally: [] };
    }
    removedFromServers = await removeFromServers(services, client, regionId, keyPair, attached);
  }

  const remove = vscode.l10n.t('Delete');
  const answer = await prompter.confirm(
    vscode.l10n.t('Delete key pair "{0}" in {1}?', name, regionId),
    vscode.l10n.t('It is removed from Alibaba Cloud and cannot be restored. Local files are not touched unless you choose so next.'),
    remove,
  );
  if (answer !== remove) {
    return { deleted: false, removedLocally: [], removedFromServers };
  }
  const deleted = await callWithRetry(services, regionId, (clientToken) =>
    prompter.progress(vscode.l10n.t('Deleting "{0}"…', name), () => client.deleteKeyPairs(regionId, [name], clientToken)).then(() => true),
  );
  if (!deleted) {
    return { deleted: false, removedLocally: [], removedFromServers };
  }
  services.log.info(`Deleted key pair ${regionId}/${name}.`);
  services.notifyChanged(regionId);

  const leftovers = await localLeftovers(services, regionId, keyPair, serverIps);
  const removedLocally: string[] = [];
  if (leftovers.length === 0) {
    void prompter.message('info', vscode.l10n.t('Key pair "{0}" deleted from {1}.', name, regionId));
    return { deleted: true, removedLocally, removedFromServers };
  }
  const removeLocal = vscode.l10n.t('Remove These');
  const localAnswer = await prompter.confirm(
    vscode.l10n.t('Key pair "{0}" deleted. Also remove from this computer:', name),
    leftovers.map((l) => `• ${l.label}`).join('\n'),
    removeLocal,
  );
  if (localAnswer === removeLocal) {
    const failures: string[] = [];
    for (const leftover of leftovers) {
      try {
        await leftover.remove();
        removedLocally.push(leftover.label);
        services.log.info(`Removed: ${leftover.label}`);
      } catch (error) {
        failures.push(`${leftover.label}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    void prompter.message(
      failures.length > 0 ? 'warning' : 'info',
      [vscode.l10n.t('Removed {0} of {1} items.', removedLocally.length, leftovers.length), ...failures].join(' '),
    );
  }
  return { deleted: true, removedLocally, removedFromServers };
}

/**
 * A detached pair still logs in until each server restarts; where Cloud Assistant runs (and the user did not choose
 * restarts), its key comes off at once. Delete asks enough already: this needs the user's consent to Cloud
 * Assistant scripts on record (given at Apply Now, Remove Now or a verified first connection), and asks nothing.
 */
async function removeFromServers(services: Services, client: SwasClient, regionId: string, keyPair: KeyPair, servers: Instance[]): Promise<RemovedOn[] | undefined> {
  if (!hasCloudAssistantConsent(services)) {
    return undefined;
  }
  const { ready, notReady } = await cloudAssistantReadiness(services, client, regionId, servers);
  const results = ready.length > 0 ? await removeKeyNow(services, client, regionId, keyPair, ready) : undefined;
  const { lines, failed } = removalSummary(keyPair.keyPairName, results ?? [], notReady);
  if (lines.length > 0) {
    void services.prompter.message(failed.length > 0 ? 'warning' : 'info', lines.join(' '));
  }
  return results;
}
