import * as vscode from 'vscode';
import type { Instance, PerServerResult, SwasClient } from '../cloud/client';
import type { KeyPairArgs } from '../commandArgs';
import { sshPaths } from '../local/machine';
import { removeServerEntries } from '../local/keyPairBlocks';
import type { Services } from '../services';
import { readSettings } from '../settings';
import { callWithRetry } from '../ui/showCloudError';

/**
 * Detaches the key pair from `servers` after a modal naming them, then drops their SSH config
 * entries. Shared with Delete, which must detach first.
 */
export async function detachFrom(services: Services, client: SwasClient, args: KeyPairArgs, servers: Instance[]): Promise<PerServerResult[] | undefined> {
  const { prompter } = services;
  const { regionId, keyPair } = args;
  const detach = vscode.l10n.t('Detach');
  const answer = await prompter.confirm(
    vscode.l10n.t('Detach "{0}" from {1}?', keyPair.keyPairName, servers.map((s) => `${s.instanceName} (${s.instanceId})`).join(', ')),
    vscode.l10n.t('After the restart, logging in to these servers with this key pair no longer works.'),
    detach,
  );
  if (answer !== detach) {
    return undefined;
  }
  const results = await callWithRetry(services, regionId, (clientToken) =>
    prompter.progress(vscode.l10n.t('Detaching "{0}"…', keyPair.keyPairName), () =>
      client.detachKeyPair(regionId, keyPair.keyPairName, servers.map((s) => s.instanceId), clientToken),
    ),
  );
  if (!results) {
    return undefined;
  }
  const detached = results.filter((r) => r.success).map((r) => r.instanceId);
  for (const r of results) {
    services.log.info(`DetachKeyPair ${regionId} ${keyPair.keyPairName} ✕ ${r.instanceId}: ${r.success ? 'ok' : `failed (${r.code ?? ''})`}`);
  }
  if (detached.length > 0) {
    const problem = await removeServerEntries(services, sshPaths(readSettings()), regionId, keyPair.keyPairName, detached);
    if (problem) {
      void prompter.message('warning', problem);
    }
  }
  services.notifyChanged(regionId);
  return results;
}
