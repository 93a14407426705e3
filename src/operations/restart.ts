import * as vscode from 'vscode';
import { runCommand } from '../commandRegistry';
import type { Instance, SwasClient } from '../cloud/client';
import { waitUntilRunning, type RestartWaitOutcome } from '../cloud/restartWait';
import type { Services } from '../services';
import { readSettings } from '../settings';
import { callWithRetry, showCloudError } from '../ui/showCloudError';
import { clientOrExplain } from '../ui/pickers';

/** Between two status reads: a restart takes about a minute, ListInstances is cheap. */
const POLL_INTERVAL_MS = 2_000;
/** RebootInstance answers before the server leaves Running (restartWait.ts). */
const RUNNING_GRACE_MS = 20_000;

export interface RestartOutcome {
  instance: Instance;
  wait: RestartWaitOutcome;
}

/**
 * Restarts servers after one modal naming each of them (an attached key pair only takes effect
 * after a restart), then follows their status until each is Running again, with Cancel and a
 * timeout. Returns the servers whose restart was requested, with how the wait ended.
 */
export async function restartServers(services: Services, regionId: string, instances: Instance[]): Promise<RestartOutcome[]> {
  const { prompter } = services;
  if (instances.length === 0) {
    return [];
  }
  // Settings and credentials first: no question is asked for a restart that cannot be sent.
  const client = await clientOrExplain(services);
  if (!client) {
    return [];
  }
  const restart = vscode.l10n.t('Restart');
  const names = instances.map((i) => `${i.instanceName} (${i.instanceId})`);
  const choice = await prompter.confirm(
    instances.length === 1 ? vscode.l10n.t('Restart {0}?', names[0]) : vscode.l10n.t('Restart {0} servers: {1}?', instances.length, names.join(', ')),
    vscode.l10n.t('Programs running on them stop, and they are unreachable for about a minute.'),
    restart,
  );
  if (choice !== restart) {
    return [];
  }
  const outcomes = await restartAndWait(services, client, regionId, instances, (_, error) => showCloudError(services, error, regionId, { offerRetry: true }));
  await reportRestarts(services, regionId, outcomes, readSettings().restartTimeoutMs);
  return outcomes;
}

/**
 * RebootInstance for each server (no question: the caller has the user's consent), then follows
 * their status until each is Running again, with Cancel and swas.restartTimeout. A refused restart
 * goes to `onRefused`, which may answer 'retry' (sent with the same ClientToken after a transient
 * failure, so a restart the service did start is not started twice); the others come back with how
 * their wait ended.
 */
export async function restartAndWait(
  services: Services,
  client: SwasClient,
  regionId: string,
  instances: Instance[],
  onRefused: (instance: Instance, error: unknown) => Promise<'retry' | undefined>,
): Promise<RestartOutcome[]> {
  const { prompter } = services;
  const restarted: Instance[] = [];
  for (const instance of instances) {
    const reboot = (clientToken: string) =>
      prompter.progress(vscode.l10n.t('Restarting {0}…', instance.instanceName), () => client.rebootInstance(regionId, instance.instanceId, clientToken)).then(() => true);
    if (await callWithRetry(services, regionId, reboot, (error) => onRefused(instance, error))) {
      restarted.push(instance);
    }
  }
  services.notifyChanged(regionId);
  if (restarted.length === 0) {
    return [];
  }
  const timeoutMs = readSettings().restartTimeoutMs;
  const title = vscode.l10n.t('Waiting for {0} to be running again…', restarted.map((i) => i.instanceName).join(', '));
  const outcomes = await prompter.cancellableProgress(title, (signal, report) => {
    const statuses = new Map<string, string>();
    return Promise.all(
      restarted.map(async (instance): Promise<RestartOutcome> => {
        const wait = await waitUntilRunning({
          status: () => client.instanceStatus(regionId, instance.instanceId),
          timeoutMs,
          intervalMs: POLL_INTERVAL_MS,
          graceMs: RUNNING_GRACE_MS,
          signal,
          clock: services.clock,
          onStatus: (status) => {
            statuses.set(instance.instanceName, status ?? '?');
            report([...statuses].map(([name, s]) => `${name}: ${s}`).join(', '));
          },
        });
        services.log.info(`Restart of ${instance.instanceId}: ${wait.kind}${wait.kind === 'timeout' ? ` (last status ${wait.lastStatus ?? 'unknown'})` : ''}.`);
        if (wait.kind === 'running') {
          await services.pendingRestarts.restarted(regionId, instance.instanceId);
        }
        return { instance, wait };
      }),
    );
  });
  services.notifyChanged(regionId);
  return outcomes;
}

/** One message for the servers that are back (offering the login check and Connect), one for the others. */
async function reportRestarts(services: Services, regionId: string, outcomes: RestartOutcome[], timeoutMs: number): Promise<void> {
  const { prompter } = services;
  const names = (kind: RestartWaitOutcome['kind']) => outcomes.filter((o) => o.wait.kind === kind).map((o) => o.instance.instanceName).join(', ');
  const late = outcomes.filter((o) => o.wait.kind === 'timeout');
  if (late.length > 0) {
    const states = late.map((o) => `${o.instance.instanceName} (${o.wait.kind === 'timeout' ? (o.wait.lastStatus ?? '?') : ''})`).join(', ');
    void prompter.message(
      'warning',
      vscode.l10n.t(
        '{0} not running again after {1} seconds. Some restarts take longer: check the server in the Simple Application Server console, and once it shows Running, use Test SSH Connection on it.',
        states,
        Math.round(timeoutMs / 1000),
      ),
    );
  }
  if (names('cancelled')) {
    void prompter.message('info', vscode.l10n.t('Stopped waiting for {0}; the restart goes on. Use Test SSH Connection once it is running.', names('cancelled')));
  }
  const back = outcomes.filter((o) => o.wait.kind === 'running');
  if (back.length === 0) {
    return;
  }
  const test = vscode.l10n.t('Test SSH Connection');
  const connect = vscode.l10n.t('Connect with Remote-SSH');
  const choice = await prompter.message('info', vscode.l10n.t('{0} running again. An attached key pair now takes effect.', names('running')), test, ...(back.length === 1 ? [connect] : []));
  const target = { regionId, instance: back[0].instance };
  if (choice === test) {
    for (const { instance } of back) {
      await runCommand('swas.testSshConnection', { regionId, instance });
    }
  } else if (choice === connect) {
    await runCommand('swas.connectServer', target);
  }
}
