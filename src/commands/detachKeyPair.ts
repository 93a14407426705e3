import * as vscode from 'vscode';
import { registerSwasCommand } from '../commandRegistry';
import type { Instance, PerServerResult } from '../cloud/client';
import type { Services } from '../services';
import { restartServers } from '../operations/restart';
import type { KeyPairArgs } from '../commandArgs';
import { clientOrExplain, keyPairTarget, listInstancesOrExplain } from '../ui/pickers';
import { resultLines } from '../operations/attach';
import { detachFrom } from '../operations/detach';

export interface DetachOutcome {
  results: PerServerResult[];
  restarted: Instance[];
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
  const restart = vscode.l10n.t('Restart Servers…');
  const choice = await prompter.message(
    results.some((r) => !r.success) ? 'warning' : 'info',
    [vscode.l10n.t('Detach "{0}":', target.keyPair.keyPairName), ...resultLines(results, chosen), vscode.l10n.t('It takes effect after a restart.')].join(' '),
    ...(done.length > 0 ? [restart] : []),
  );
  const restarted = choice === restart ? (await restartServers(services, target.regionId, done)).map((o) => o.instance) : [];
  return { results, restarted };
}

export function registerDetachKeyPair(services: Services): vscode.Disposable {
  return registerSwasCommand(services, 'swas.detachKeyPair', (args?) => detachKeyPair(services, args));
}
