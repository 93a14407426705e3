import * as vscode from 'vscode';
import type { Instance, PerServerResult, SwasClient } from '../cloud/client';
import type { Services } from '../services';
import { callWithRetry } from '../ui/showCloudError';

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
