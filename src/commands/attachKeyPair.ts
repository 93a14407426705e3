import * as vscode from 'vscode';
import { registerSwasCommand } from '../commandRegistry';
import type { Instance, KeyPair, PerServerResult, SwasClient } from '../cloud/client';
import { supportsKeyPairs } from '../cloud/regionList';
import type { Services } from '../services';
import { callWithRetry } from '../ui/showCloudError';
import { restartServers } from './restartServer';
import { localPrivateKey, sshPlaces } from '../local/machine';
import { removeEntriesUnderOtherKeyPairs, writeKeyPairEntry } from '../local/sshEntries';
import { clientOrExplain, keyPairTarget, listInstancesOrExplain } from '../ui/pickers';
import type { KeyPairArgs } from '../commandArgs';
import { readSettings } from '../settings';

export interface AttachOutcome {
  results: PerServerResult[];
  /** Instance ID → SSH alias written for it. */
  aliases: Map<string, string>;
  restarted: Instance[];
}

/** The API takes at most 50 servers per call. */
const SERVERS_PER_CALL = 50;

/** One line per server: what happened to it. */
export function resultLines(results: PerServerResult[], servers: Instance[]): string[] {
  return results.map((r) => {
    const name = servers.find((s) => s.instanceId === r.instanceId)?.instanceName ?? r.instanceId;
    return r.success ? vscode.l10n.t('{0}: done', name) : vscode.l10n.t('{0}: failed ({1})', name, [r.message, r.code].filter(Boolean).join(', '));
  });
}

/**
 * AttachKeyPair in calls of at most 50 servers, each with a safe Retry; records the pending restart
 * of each server attached. Stops at a call the user gives up on: its servers get no result.
 */
export async function attachInBatches(services: Services, client: SwasClient, regionId: string, keyPairName: string, servers: readonly Instance[]): Promise<PerServerResult[]> {
  const results: PerServerResult[] = [];
  for (let start = 0; start < servers.length; start += SERVERS_PER_CALL) {
    const batch = servers.slice(start, start + SERVERS_PER_CALL).map((i) => i.instanceId);
    const batchResults = await callWithRetry(services, regionId, (clientToken) =>
      services.prompter.progress(vscode.l10n.t('Attaching "{0}"…', keyPairName), () => client.attachKeyPair(regionId, keyPairName, batch, clientToken)),
    );
    if (!batchResults) {
      break;
    }
    results.push(...batchResults);
  }
  const attached = results.filter((r) => r.success).map((r) => r.instanceId);
  await services.pendingRestarts.attached(regionId, attached, keyPairName);
  for (const r of results) {
    services.log.info(`AttachKeyPair ${regionId} ${keyPairName} → ${r.instanceId}: ${r.success ? 'ok' : `failed (${r.code ?? ''})`}`);
  }
  return results;
}

/**
 * SWAS: Attach Key Pair to Server… Several Linux servers at once; each server's result is shown,
 * the SSH config gets an entry per server when the private key is here, and a restart is offered.
 */
export async function attachKeyPair(services: Services, args?: KeyPairArgs): Promise<AttachOutcome | undefined> {
  const { prompter } = services;
  const title = vscode.l10n.t('Attach Key Pair to Server');
  const target = await keyPairTarget(services, args, title);
  const client = target && (await clientOrExplain(services));
  if (!target || !client) {
    return undefined;
  }
  const { regionId, keyPair } = target;
  const instances = await listInstancesOrExplain(services, client, regionId);
  if (!instances) {
    return undefined;
  }
  const candidates = instances.filter((i) => supportsKeyPairs(i.osType) && !keyPair.instanceIds.includes(i.instanceId));
  if (candidates.length === 0) {
    void prompter.message('info', vscode.l10n.t('There is no Linux server in {0} that "{1}" could be attached to.', regionId, keyPair.keyPairName));
    return undefined;
  }
  // Which key pair each server uses now: attaching replaces it.
  let keyPairs: KeyPair[] = [];
  try {
    keyPairs = await client.listKeyPairs(regionId);
  } catch (error) {
    services.log.warn(`ListKeyPairs ${regionId} failed before attaching: ${String(error)}`);
  }
  const currentKeyPair = (instance: Instance) => keyPairs.find((k) => k.instanceIds.includes(instance.instanceId))?.keyPairName;
  const chosen = await prompter.multiPick<Instance>({
    title,
    placeholder: vscode.l10n.t('Servers that will use "{0}" (a restart is needed for it to take effect)', keyPair.keyPairName),
    items: candidates.map((i) => {
      const current = currentKeyPair(i);
      return {
        label: i.instanceName,
        description: [i.publicIpAddress ?? vscode.l10n.t('no public IP'), i.status].join(' · '),
        detail: current ? vscode.l10n.t('{0} · uses "{1}" now (attaching replaces it)', i.instanceId, current) : i.instanceId,
        value: i,
      };
    }),
  });
  if (!chosen || chosen.length === 0) {
    return undefined;
  }
  const replacing = chosen.filter((i) => currentKeyPair(i));
  if (replacing.length > 0) {
    const replace = vscode.l10n.t('Attach and Replace');
    const answer = await prompter.confirm(
      vscode.l10n.t('Replace the key pair of {0}?', replacing.map((i) => `${i.instanceName} ("${currentKeyPair(i)}")`).join(', ')),
      vscode.l10n.t('After the restart, only "{0}" logs in to these servers; their current key pair stops working there.', keyPair.keyPairName),
      replace,
    );
    if (answer !== replace) {
      return undefined;
    }
  }

  const results = await attachInBatches(services, client, regionId, keyPair.keyPairName, chosen);
  if (results.length === 0) {
    return undefined;
  }
  const attached = chosen.filter((i) => results.some((r) => r.success && r.instanceId === i.instanceId));

  const lines = resultLines(results, chosen);
  const places = await sshPlaces(readSettings());
  const moved = await removeEntriesUnderOtherKeyPairs(services, places, regionId, keyPair.keyPairName, attached.map((i) => i.instanceId));
  lines.push(...moved.problems);
  let aliases = new Map<string, string>();
  const privateKey = attached.length > 0 ? await localPrivateKey(places, services.placedKeyFiles, regionId, keyPair) : undefined;
  if (privateKey) {
    const entries = await writeKeyPairEntry(services, places, { regionId, keyPairName: keyPair.keyPairName, privateKeyPath: privateKey, servers: attached });
    if ('problem' in entries) {
      lines.push(entries.problem);
    } else {
      aliases = entries.aliases;
      const written = attached.filter((i) => aliases.has(i.instanceId)).map((i) => aliases.get(i.instanceId)!);
      if (written.length > 0) {
        lines.push(vscode.l10n.t('SSH hosts: {0}.', written.join(', ')));
      }
    }
  } else if (attached.length > 0) {
    lines.push(vscode.l10n.t('The private key of "{0}" is not on this machine, so no SSH config entry was written.', keyPair.keyPairName));
  }

  services.notifyChanged(regionId);
  const failed = results.some((r) => !r.success);
  const restart = vscode.l10n.t('Restart Servers…');
  const heading = vscode.l10n.t('Attach "{0}":', keyPair.keyPairName);
  const choice = await prompter.message(failed ? 'warning' : 'info', [heading, ...lines].join(' '), ...(attached.length > 0 ? [restart] : []));
  const restarted = choice === restart ? (await restartServers(services, regionId, attached)).map((o) => o.instance) : [];
  return { results, aliases, restarted };
}

export function registerAttachKeyPair(services: Services): vscode.Disposable {
  return registerSwasCommand(services, 'swas.attachKeyPair', (args?) => attachKeyPair(services, args));
}
