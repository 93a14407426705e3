import * as vscode from 'vscode';
import type { Instance, SwasClient } from '../cloud/client';
import { agentStatus, type CloudAssistantOutcome } from '../cloud/cloudAssistant';
import { toCloudError } from '../cloud/errors';
import { supportsKeyPairs } from '../cloud/regionList';
import type { Services } from '../services';
import { readSettings } from '../settings';
import { describeCloudError } from '../ui/errorMessages';

/*
 * What every use of Cloud Assistant (docs/swas-api.md, "Cloud Assistant") goes through first: whether a server can
 * run a script now, the user's one consent to scripts run as root, and why a script did not run, in words.
 */

/** globalState: the user has seen a script and agreed to run this extension's scripts as root through Cloud Assistant. */
const CONSENT_KEY = 'swas.cloudAssistantConsent';

export interface ServerNotReady {
  instance: Instance;
  reason: string;
}

/**
 * Which of `servers` can run a script through Cloud Assistant now (Running, Linux, agent running), with why
 * the others cannot. Nothing is asked when the user chose restarts (`swas.applyKeyWith`).
 */
export async function cloudAssistantReadiness(services: Services, client: SwasClient, regionId: string, servers: Instance[]): Promise<{ ready: Instance[]; notReady: ServerNotReady[] }> {
  if (readSettings().applyKeyWith === 'restart' || servers.length === 0) {
    return { ready: [], notReady: [] };
  }
  const notReady: ServerNotReady[] = [];
  const candidates = servers.filter((instance) => {
    if (instance.status !== 'Running') {
      notReady.push({ instance, reason: vscode.l10n.t('{0} is not running ({1})', instance.instanceName, instance.status) });
      return false;
    }
    return supportsKeyPairs(instance.osType);
  });
  if (candidates.length === 0) {
    return { ready: [], notReady };
  }
  let running: Map<string, boolean>;
  try {
    running = await agentStatus(client, regionId, candidates.map((i) => i.instanceId));
  } catch (error) {
    const reason = describeCloudError(toCloudError(error, 'DescribeCloudAssistantAttributes'), regionId).text;
    services.log.warn(`DescribeCloudAssistantAttributes ${regionId} failed: ${reason}`);
    return { ready: [], notReady: [...notReady, ...candidates.map((instance) => ({ instance, reason }))] };
  }
  const ready = candidates.filter((i) => running.get(i.instanceId) === true);
  for (const instance of candidates.filter((i) => !ready.includes(i))) {
    notReady.push({ instance, reason: vscode.l10n.t('Cloud Assistant is not running on {0}', instance.instanceName) });
  }
  return { ready, notReady };
}

/** Why a script did not run through to its end on `instance`, for a message (the log gets the kind only). */
export function reasonNotRun(outcome: Exclude<CloudAssistantOutcome, { kind: 'ok' }>, instance: Instance, regionId: string): string {
  const name = instance.instanceName;
  switch (outcome.kind) {
    case 'agentNotRunning':
      return vscode.l10n.t('Cloud Assistant is not running on {0}', name);
    case 'deliveryTimeout':
      return vscode.l10n.t('the command did not reach {0} in time', name);
    case 'nonZeroExit':
      return vscode.l10n.t('the script failed on {0} (exit code {1})', name, String(outcome.exitCode ?? '?'));
    case 'timeout':
      return vscode.l10n.t('the script did not finish on {0} in time', name);
    case 'notRunning':
      return vscode.l10n.t('{0} is not running', name);
    case 'forbidden':
      return vscode.l10n.t('your RAM user may not use Cloud Assistant ({0})', describeCloudError(outcome.error, regionId).text);
    case 'cancelled':
      return vscode.l10n.t('cancelled');
    case 'failed':
      return vscode.l10n.t('Cloud Assistant failed on {0}: {1}', name, outcome.error ? describeCloudError(outcome.error, regionId).text : [outcome.status, outcome.errorCode, outcome.message].filter(Boolean).join(', '));
  }
}

/** Whether the user has agreed to Cloud Assistant scripts before (then nothing is asked). */
export function hasCloudAssistantConsent(services: Services): boolean {
  return services.context.globalState.get<boolean>(CONSENT_KEY) === true;
}

/**
 * The first script shows itself (in `detail`, which says what it does and holds the exact script about to run)
 * and asks; the answer Run Script is kept for every later script.
 */
export async function consentToScript(services: Services, servers: Instance[], detail: string): Promise<boolean> {
  if (hasCloudAssistantConsent(services)) {
    return true;
  }
  const run = vscode.l10n.t('Run Script');
  const answer = await services.prompter.confirm(
    vscode.l10n.t('Run this script as root on {0} through Cloud Assistant?', servers.map((i) => i.instanceName).join(', ')),
    detail,
    run,
  );
  if (answer !== run) {
    return false;
  }
  await services.context.globalState.update(CONSENT_KEY, true);
  return true;
}
