import * as vscode from 'vscode';
import { registerSwasCommand } from '../commandRegistry';
import type { Instance, KeyPair, PerServerResult } from '../cloud/client';
import { supportsKeyPairs } from '../cloud/regionList';
import type { Services } from '../services';
import { attachInBatches, resultLines } from '../operations/attach';
import { restartServers } from '../operations/restart';
import { applyKeyNowAndReport, type AppliedOn } from '../operations/applyKeyNow';
import { cloudAssistantReadiness } from '../operations/cloudAssistantAccess';
import { localPrivateKey, readSshConfig, sshPaths } from '../local/machine';
import { removeEntriesUnderOtherKeyPairs, writeKeyPairBlock } from '../local/keyPairBlocks';
import { clientOrExplain, keyPairTarget, listInstancesOrExplain } from '../ui/pickers';
import type { KeyPairArgs } from '../commandArgs';
import { readSettings } from '../settings';

export interface AttachOutcome {
  results: PerServerResult[];
  /** Instance ID → SSH alias written for it. */
  aliases: Map<string, string>;
  restarted: Instance[];
  /** What Apply Now did, when it was chosen (undefined also when its script was declined). */
  applied?: AppliedOn[];
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
  const replacedPair = (instance: Instance) => keyPairs.find((k) => k.instanceIds.includes(instance.instanceId));
  const currentKeyPair = (instance: Instance) => replacedPair(instance)?.keyPairName;
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
  const settings = readSettings();
  const paths = sshPaths(settings);
  const config = await readSshConfig(paths);
  const moved = await removeEntriesUnderOtherKeyPairs(services, paths, regionId, keyPair.keyPairName, attached.map((i) => i.instanceId));
  lines.push(...moved.problems);
  let aliases = new Map<string, string>();
  const privateKey = attached.length > 0 ? await localPrivateKey(paths, config, services.writtenKeyFiles, regionId, keyPair) : undefined;
  if (privateKey) {
    const block = await writeKeyPairBlock(services, paths, { regionId, keyPairName: keyPair.keyPairName, privateKeyPath: privateKey, user: settings.defaultUser, servers: attached });
    if ('problem' in block) {
      lines.push(block.problem);
    } else {
      aliases = block.aliases;
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
  const { ready, notReady } = keyPair.publicKey ? await cloudAssistantReadiness(services, client, regionId, attached) : { ready: [], notReady: [] };
  const applyTo = () =>
    applyKeyNowAndReport(services, client, regionId, { keyPairName: keyPair.keyPairName, publicKey: keyPair.publicKey! }, ready.map((instance) => ({ instance, alias: aliases.get(instance.instanceId), replaces: replacedPair(instance) })), notReady);
  if (ready.length > 0 && !failed && readSettings().applyKeyWith === 'cloudAssistant') {
    return { results, aliases, restarted: [], applied: await applyTo() };
  }
  const applyNow = vscode.l10n.t('Apply Now');
  const restart = vscode.l10n.t('Restart Servers…');
  const heading = vscode.l10n.t('Attach "{0}":', keyPair.keyPairName);
  if (ready.length > 0) {
    lines.push(vscode.l10n.t('Apply Now puts the key on {0} with Cloud Assistant, with no restart.', ready.map((i) => i.instanceName).join(', ')));
  }
  const choice = await prompter.message(failed ? 'warning' : 'info', [heading, ...lines].join(' '), ...(ready.length > 0 ? [applyNow] : []), ...(attached.length > 0 ? [restart] : []));
  if (choice === applyNow) {
    return { results, aliases, restarted: [], applied: await applyTo() };
  }
  const restarted = choice === restart ? (await restartServers(services, regionId, attached)).map((o) => o.instance) : [];
  return { results, aliases, restarted };
}

export function registerAttachKeyPair(services: Services): vscode.Disposable {
  return registerSwasCommand(services, 'swas.attachKeyPair', (args?) => attachKeyPair(services, args));
}
