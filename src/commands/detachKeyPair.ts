import * as vscode from 'vscode';
import { registerSwasCommand } from '../commandRegistry';
import type { Instance, PerServerResult } from '../cloud/client';
import type { Services } from '../services';
import { restartServers } from '../operations/restart';
import type { KeyPairArgs } from '../commandArgs';
import { clientOrExplain, keyPairTarget, listInstancesOrExplain } from '../ui/pickers';
import { resultLines } from '../operations/attach';
import { detachFrom } from '../operations/detach';
import { removeKeyNowAndReport, type RemovedOn } from '../operations/applyKeyNow';
import { cloudAssistantReadiness } from '../operations/cloudAssistantAccess';
import { readSettings } from '../settings';

export interface DetachOutcome {
  results: PerServerResult[];
  restarted: Instance[];
  /** What Remove Now did, when it was chosen (undefined also when its script was declined). */
  removed?: RemovedOn[];
}

/** SWAS: Detach Key Pair from Server… */
export async function detachKeyPair(services: Services, args?: KeyPairArgs): Promise<DetachOutcome | undefined> {
  const { prompter } = services;
  const title = vscode.l10n.t('Detach Key Pair from Server');
  const target = await keyPairTarget(services, args, title);
  const client = target && (await clientOrExplain(services));
  if (!target || !client) {
    return undefined;
  }
  const instances = await listInstancesOrExplain(services, client, target.regionId);
  if (!instances) {
    return undefined;
  }
  const using = instances.filter((i) => target.keyPair.instanceIds.includes(i.instanceId));
  if (using.length === 0) {
    void prompter.message('info', vscode.l10n.t('"{0}" is not attached to any server.', target.keyPair.keyPairName));
    return undefined;
  }
  const chosen = await prompter.multiPick<Instance>({
    title,
    placeholder: vscode.l10n.t('Servers to detach "{0}" from', target.keyPair.keyPairName),
    items: using.map((i) => ({ label: i.instanceName, description: [i.publicIpAddress ?? '', i.status].join(' · '), detail: i.instanceId, value: i })),
    picked: using,
  });
  if (!chosen || chosen.length === 0) {
    return undefined;
  }
  const results = await detachFrom(services, client, target, chosen);
  if (!results) {
    return undefined;
  }
  const done = chosen.filter((i) => results.some((r) => r.success && r.instanceId === i.instanceId));
  const failed = results.some((r) => !r.success);
  const { ready, notReady } = await cloudAssistantReadiness(services, client, target.regionId, done);
  const removeFrom = () => removeKeyNowAndReport(services, client, target.regionId, target.keyPair, ready, notReady);
  if (ready.length > 0 && !failed && readSettings().applyKeyWith === 'cloudAssistant') {
    return { results, restarted: [], removed: await removeFrom() };
  }
  const removeNow = vscode.l10n.t('Remove Now');
  const restart = vscode.l10n.t('Restart Servers…');
  const lines = [vscode.l10n.t('Detach "{0}":', target.keyPair.keyPairName), ...resultLines(results, chosen), vscode.l10n.t('It takes effect after a restart.')];
  if (ready.length > 0) {
    lines.push(vscode.l10n.t('Remove Now takes its key off {0} with Cloud Assistant, with no restart.', ready.map((i) => i.instanceName).join(', ')));
  }
  const choice = await prompter.message(failed ? 'warning' : 'info', lines.join(' '), ...(ready.length > 0 ? [removeNow] : []), ...(done.length > 0 ? [restart] : []));
  if (choice === removeNow) {
    return { results, restarted: [], removed: await removeFrom() };
  }
  const restarted = choice === restart ? (await restartServers(services, target.regionId, done)).map((o) => o.instance) : [];
  return { results, restarted };
}

export function registerDetachKeyPair(services: Services): vscode.Disposable {
  return registerSwasCommand(services, 'swas.detachKeyPair', (args?) => detachKeyPair(services, args));
}
