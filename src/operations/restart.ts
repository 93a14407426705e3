import * as vscode from 'vscode';
import { runCommand } from '../commandRegistry';
import type { Instance, SwasClient } from '../cloud/client';
import { mayHaveActed } from '../cloud/clientToken';
import { RATE_WINDOW_MS, budgetOf } from '../cloud/rateBudget';
import { sharedStatusReader, waitUntilRunning, type RestartWaitOutcome } from '../cloud/restartWait';
import type { Services } from '../services';
import { readSettings } from '../settings';
import { callWithRetry, showCloudError } from '../ui/showCloudError';
import { clientOrExplain } from '../ui/pickers';

/** A restart takes about a minute: the first status read after 10 s. */
const FIRST_POLL_MS = 10_000;
/** Then as often as the status call's rate budget allows, for one wait at a time (8 a minute: every 7.5 s). */
const POLL_INTERVAL_MS = Math.ceil(RATE_WINDOW_MS / budgetOf('ListInstanceStatus'));
/** RebootInstance answers before the server leaves Running (restartWait.ts). */
const RUNNING_GRACE_MS = 20_000;

export interface RestartOutcome {
  instance: Instance;
  wait: RestartWaitOutcome;
}

/**
 * Restarts servers after one modal naming each of them (an attached key pair only takes effect
 * after a restart), then follows their status until each is Running again, with Cancel and a
 * timeout. Only a Running server can be restarted (docs/swas-api.md, "Restart rule"): a Stopped one
 * is offered Start instead, and any other state is explained, not sent. Returns the servers whose
 * restart (or start) was requested, with how the wait ended.
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
  const current = await currentStatuses(services, client, regionId, instances);
  const running = current.filter((i) => i.status === 'Running' || i.status === '');
  const stopped = current.filter((i) => i.status === 'Stopped');
  const busy = current.filter((i) => !running.includes(i) && !stopped.includes(i));
  if (busy.length > 0) {
    void prompter.message(
      'info',
      vscode.l10n.t(
        '{0}: only a Running server can be restarted. Try again once the Simple Application Server console shows it Running.',
        busy.map((i) => `${i.instanceName} (${i.status})`).join(', '),
      ),
    );
  }
  const onRefused = (_: Instance[], error: unknown) => showCloudError(services, error, regionId, { offerRetry: true });
  const outcomes: RestartOutcome[] = [];
  if (running.length > 0) {
    const restart = vscode.l10n.t('Restart');
    const names = running.map((i) => `${i.instanceName} (${i.instanceId})`);
    const choice = await prompter.confirm(
      running.length === 1 ? vscode.l10n.t('Restart {0}?', names[0]) : vscode.l10n.t('Restart {0} servers: {1}?', running.length, names.join(', ')),
      vscode.l10n.t('Programs running on them stop, and they are unreachable for about a minute.'),
      restart,
    );
    if (choice === restart) {
      outcomes.push(...(await restartAndWait(services, client, regionId, running, onRefused)));
    }
  }
  if (stopped.length > 0) {
    const start = vscode.l10n.t('Start');
    const choice = await prompter.confirm(
      vscode.l10n.t('{0} stopped, so it cannot be restarted. Start it?', stopped.map((i) => i.instanceName).join(', ')),
      vscode.l10n.t('An attached key pair takes effect when the server starts.'),
      start,
    );
    if (choice === start) {
      outcomes.push(...(await startAndWait(services, client, regionId, stopped)));
    }
  }
  if (outcomes.length > 0) {
    await reportRestarts(services, regionId, outcomes, readSettings().restartTimeoutMs);
  }
  return outcomes;
}

/** The servers with their status now (one call for all); as given when it cannot be read. */
async function currentStatuses(services: Services, client: SwasClient, regionId: string, instances: Instance[]): Promise<Instance[]> {
  try {
    const statuses = await client.instanceStatuses(regionId, instances.map((i) => i.instanceId));
    return instances.map((i) => ({ ...i, status: statuses.get(i.instanceId) ?? i.status }));
  } catch (error) {
    services.log.warn(`Restart: the servers' statuses could not be read (${String(error)}); going by the listed ones.`);
    return instances;
  }
}

/**
 * Restarts Running servers (no question: the caller has the user's consent) with one call,
 * RebootInstance for one server and RebootInstances for several, then follows their status until
 * each is Running again, with Cancel and swas.restartTimeout. A refused restart goes to `onRefused`
 * with the servers it named, which may answer 'retry' (sent with the same ClientToken after a
 * transient failure, so a restart the service did start is not started twice); the others come back
 * with how their wait ended.
 */
export async function restartAndWait(
  services: Services,
  client: SwasClient,
  regionId: string,
  instances: Instance[],
  onRefused: (instances: Instance[], error: unknown) => Promise<'retry' | undefined>,
): Promise<RestartOutcome[]> {
  const { prompter } = services;
  const restarted: Instance[] = [];
  // RebootInstances takes up to 100 servers (the SDK's request model).
  for (let start = 0; start < instances.length; start += 100) {
    const batch = instances.slice(start, start + 100);
    const title = vscode.l10n.t('Restarting {0}…', batch.map((i) => i.instanceName).join(', '));
    const reboot = (clientToken: string) =>
      prompter
        .progress(title, () =>
          batch.length === 1
            ? client.rebootInstance(regionId, batch[0].instanceId, clientToken)
            : client.rebootInstances(regionId, batch.map((i) => i.instanceId), clientToken),
        )
        .then(() => true);
    let refusal = false;
    const sent = await callWithRetry(services, regionId, reboot, async (error) => {
      // A refusal of several servers (one of them changed state meanwhile) is not the others' fault.
      refusal = batch.length > 1 && !mayHaveActed(error);
      return refusal ? undefined : onRefused(batch, error);
    });
    if (sent) {
      restarted.push(...batch);
    } else if (refusal) {
      restarted.push(...(await restartOneByOne(services, client, regionId, batch, onRefused)));
    }
  }
  services.notifyChanged(regionId);
  return waitForRunning(services, client, regionId, restarted);
}

/** RebootInstance for each server, after RebootInstances refused them together; returns those restarted. */
async function restartOneByOne(
  services: Services,
  client: SwasClient,
  regionId: string,
  instances: Instance[],
  onRefused: (instances: Instance[], error: unknown) => Promise<'retry' | undefined>,
): Promise<Instance[]> {
  const restarted: Instance[] = [];
  for (const instance of instances) {
    const reboot = (clientToken: string) =>
      services.prompter.progress(vscode.l10n.t('Restarting {0}…', instance.instanceName), () => client.rebootInstance(regionId, instance.instanceId, clientToken)).then(() => true);
    if (await callWithRetry(services, regionId, reboot, (error) => onRefused([instance], error))) {
      restarted.push(instance);
    }
  }
  return restarted;
}

/** StartInstance for each Stopped server, then the same wait as a restart. */
async function startAndWait(services: Services, client: SwasClient, regionId: string, instances: Instance[]): Promise<RestartOutcome[]> {
  const started: Instance[] = [];
  for (const instance of instances) {
    const start = (clientToken: string) =>
      services.prompter.progress(vscode.l10n.t('Starting {0}…', instance.instanceName), () => client.startInstance(regionId, instance.instanceId, clientToken)).then(() => true);
    if (await callWithRetry(services, regionId, start)) {
      started.push(instance);
    }
  }
  services.notifyChanged(regionId);
  return waitForRunning(services, client, regionId, started);
}

/** Follows the servers' status, one status call per poll for all of them, until each is Running again. */
async function waitForRunning(services: Services, client: SwasClient, regionId: string, servers: Instance[]): Promise<RestartOutcome[]> {
  const { prompter } = services;
  if (servers.length === 0) {
    return [];
  }
  const timeoutMs = readSettings().restartTimeoutMs;
  const title = vscode.l10n.t('Waiting for {0} to be running again…', servers.map((i) => i.instanceName).join(', '));
  const status = sharedStatusReader(() => client.instanceStatuses(regionId, servers.map((i) => i.instanceId)), services.clock, POLL_INTERVAL_MS / 2);
  const outcomes = await prompter.cancellableProgress(title, (signal, report) => {
    const statuses = new Map<string, string>();
    return Promise.all(
      servers.map(async (instance): Promise<RestartOutcome> => {
        const wait = await waitUntilRunning({
          status: () => status(instance.instanceId),
          timeoutMs,
          firstDelayMs: FIRST_POLL_MS,
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
