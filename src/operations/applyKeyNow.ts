import * as vscode from 'vscode';
import type { Instance, SwasClient } from '../cloud/client';
import { agentStatus, runScriptToEnd, type CloudAssistantOutcome } from '../cloud/cloudAssistant';
import { toCloudError } from '../cloud/errors';
import { describeCloudError } from '../ui/errorMessages';
import { runCommand } from '../commandRegistry';
import type { Services } from '../services';
import { readSettings } from '../settings';
import { addKeyScript, parseScriptOutput, removeKeyScript, ScriptInputError, type ScriptOutput } from '../ssh/authorizedKeysScript';
import { compareHostKeys, pinHostKeys } from '../ssh/knownHosts';
import { knownHostsName, scanHostKeys, sshTarget } from '../ssh/loginCheck';
import { supportsKeyPairs } from '../cloud/regionList';
import { restartServers } from './restart';
import { CONNECT_TIMEOUT_SECONDS } from './trustHostKey';

/*
 * "Apply Now": an attached key pair takes effect only at the server's next restart (docs/swas-api.md, "Restart
 * rule"); Cloud Assistant (docs/swas-api.md, "Cloud Assistant") can put the same public key into the login
 * user's authorized_keys at once, as root, with no restart, and read the server's host keys on the way, which
 * are pinned in known_hosts so the first connection is verified. AttachKeyPair has run before: the console and
 * the tree show the pair, and the next restart applies the same key.
 */

/** globalState: the user has seen the script and agreed to run it as root through Cloud Assistant. */
const CONSENT_KEY = 'swas.cloudAssistantConsent';

/** A server the key is applied to, and its SSH host (for pinning the host keys) when one was written. */
export interface ApplyTarget {
  instance: Instance;
  alias?: string;
}

export interface ServerNotReady {
  instance: Instance;
  reason: string;
}

/**
 * Which of `servers` can take a key through Cloud Assistant now (Running, Linux, agent running), with why
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

/** What applying did on one server. */
export type AppliedOn =
  | { instance: Instance; applied: true; alreadyThere: boolean; pinned?: string; hostKeyWarning?: string }
  | { instance: Instance; applied: false; reason: string };

/** Why the key did not reach a server, for the message (the log gets the kind only). */
function reasonOf(outcome: Exclude<CloudAssistantOutcome, { kind: 'ok' }>, instance: Instance, regionId: string): string {
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

/** The first use shows the exact script, what it does first, and asks; the answer is kept. */
async function consentToRun(services: Services, script: string, servers: Instance[], whatItDoes: string): Promise<boolean> {
  const state = services.context.globalState;
  if (state.get<boolean>(CONSENT_KEY)) {
    return true;
  }
  const run = vscode.l10n.t('Run Script');
  const answer = await services.prompter.confirm(
    vscode.l10n.t('Run this script as root on {0} through Cloud Assistant?', servers.map((i) => i.instanceName).join(', ')),
    `${whatItDoes}\n\n${script}`,
    run,
  );
  if (answer !== run) {
    return false;
  }
  await state.update(CONSENT_KEY, true);
  return true;
}

/** What one script run through Cloud Assistant printed on a server, or why it did not run to the end there. */
type ScriptRun = { instance: Instance; output: ScriptOutput } | { instance: Instance; reason: string };

/** Runs `script` on each server in turn, one progress message each; the log gets the outcome's kind only. */
async function runOnEach(services: Services, client: SwasClient, regionId: string, script: { content: string; name: string }, servers: Instance[], progressTitle: (instance: Instance) => string): Promise<ScriptRun[]> {
  const runs: ScriptRun[] = [];
  for (const instance of servers) {
    const outcome = await services.prompter.progress(progressTitle(instance), () => runScriptToEnd(client, regionId, instance.instanceId, script, { clock: services.clock }));
    services.log.info(`Cloud Assistant ${script.name} on ${instance.instanceId}: ${outcome.kind}.`);
    runs.push(outcome.kind === 'ok' ? { instance, output: parseScriptOutput(outcome.output) } : { instance, reason: reasonOf(outcome, instance, regionId) });
  }
  return runs;
}

/**
 * Puts the key pair's public key into the login user's authorized_keys on each server with Cloud Assistant
 * and pins the host keys it read for the server's SSH host. Undefined when the user declined the script.
 */
export async function applyKeyNow(
  services: Services,
  client: SwasClient,
  regionId: string,
  keyPair: { keyPairName: string; publicKey: string },
  targets: ApplyTarget[],
): Promise<AppliedOn[] | undefined> {
  const settings = readSettings();
  const user = settings.defaultUser;
  let script: string;
  try {
    script = addKeyScript(keyPair.publicKey, keyPair.keyPairName, user);
  } catch (error) {
    if (!(error instanceof ScriptInputError)) {
      throw error;
    }
    return targets.map(({ instance }) => ({ instance, applied: false, reason: error.message }));
  }
  const whatItDoes = vscode.l10n.t(
    'It adds the public key of "{0}" to the authorized_keys of {1} once, changes no other line, and prints the server\'s SSH host keys so that the first connection is verified. It holds no private key. You are asked once; the setting swas.applyKeyWith chooses restarts instead.',
    keyPair.keyPairName,
    user,
  );
  const servers = targets.map((t) => t.instance);
  if (!(await consentToRun(services, script, servers, whatItDoes))) {
    return undefined;
  }
  const runs = await runOnEach(services, client, regionId, { content: script, name: `swas-add-key-${keyPair.keyPairName}` }, servers, (instance) =>
    vscode.l10n.t('Applying "{0}" on {1} with Cloud Assistant…', keyPair.keyPairName, instance.instanceName),
  );
  const results: AppliedOn[] = [];
  for (const run of runs) {
    const { instance } = run;
    if ('reason' in run) {
      results.push({ instance, applied: false, reason: run.reason });
      continue;
    }
    const status = run.output.status?.kind;
    if (status !== 'added' && status !== 'alreadyPresent') {
      results.push({ instance, applied: false, reason: vscode.l10n.t('the script could not write the authorized_keys of {0} on {1} ({2})', user, instance.instanceName, status ?? '?') });
      continue;
    }
    await services.pendingRestarts.restarted(regionId, instance.instanceId);
    const alias = targets.find((t) => t.instance === instance)?.alias;
    results.push({ instance, applied: true, alreadyThere: status === 'alreadyPresent', ...(await pinFor(services, instance.publicIpAddress ? alias : undefined, run.output.hostKeys, run.output.hostKeysComplete)) });
  }
  return results;
}

/**
 * The host keys the server itself printed go into known_hosts for the SSH host's HostName (none without a public
 * IP: the entry has no HostName then, and ssh would name the host by the alias, which it never uses once the IP comes). An ssh-keyscan that
 * answers with another key is someone else at that address: the pin stays (ssh then refuses that host) and the
 * user is told. A keyscan that gets no answer proves nothing either way.
 */
async function pinFor(services: Services, alias: string | undefined, hostKeys: string[], complete: boolean): Promise<{ pinned?: string; hostKeyWarning?: string }> {
  if (!alias || hostKeys.length === 0 || !complete) {
    return {};
  }
  const configFile = readSettings().remoteSshConfigFile;
  try {
    const where = await sshTarget(alias, configFile);
    await pinHostKeys(where.knownHostsFile, where.hostName, where.port, hostKeys, { hashed: where.hashKnownHosts });
    const name = knownHostsName(where.hostName, where.port);
    services.log.info(`Pinned ${hostKeys.length} host key(s) of ${name} read by Cloud Assistant in ${where.knownHostsFile}.`);
    const scanned = await scanHostKeys(where.hostName, where.port, false, CONNECT_TIMEOUT_SECONDS);
    const comparison = scanned.lines.length > 0 ? compareHostKeys(hostKeys, scanned.lines) : undefined;
    if (comparison?.kind === 'mismatch') {
      services.log.error(`The ${comparison.keyType} host key answering at ${name} is not the one the server has: possible man in the middle.`);
      return { pinned: where.knownHostsFile, hostKeyWarning: vscode.l10n.t('Warning: the host key answering at {0} is not the one the server itself has. Someone may be in between: do not connect until you know why.', name) };
    }
    return { pinned: where.knownHostsFile };
  } catch (error) {
    services.log.warn(`Could not pin the host keys for ${alias}: ${String(error)}`);
    return {};
  }
}

/**
 * Applies the key with Cloud Assistant and says how it went: where it works now (with Connect when there is
 * one SSH host), and where it did not (or could not be tried: `notReady`), why, with Restart as the way that remains.
 */
export async function applyKeyNowAndReport(
  services: Services,
  client: SwasClient,
  regionId: string,
  keyPair: { keyPairName: string; publicKey: string },
  targets: ApplyTarget[],
  notReady: ServerNotReady[] = [],
): Promise<AppliedOn[] | undefined> {
  const results = await applyKeyNow(services, client, regionId, keyPair, targets);
  if (!results) {
    return undefined;
  }
  const applied = results.filter((r) => r.applied);
  const failed = [...results.flatMap((r) => (r.applied ? [] : [r])), ...notReady];
  const lines: string[] = [];
  if (applied.length > 0) {
    lines.push(vscode.l10n.t('"{0}" works on {1} now, with no restart.', keyPair.keyPairName, applied.map((r) => r.instance.instanceName).join(', ')));
    const pinned = applied.flatMap((r) => (r.applied && r.pinned ? [r.pinned] : []));
    if (pinned.length > 0) {
      lines.push(vscode.l10n.t('The host keys the server read itself are in {0}, so the first connection is verified.', pinned[0]));
    }
    lines.push(...applied.flatMap((r) => (r.applied && r.hostKeyWarning ? [r.hostKeyWarning] : [])));
  }
  if (failed.length > 0) {
    lines.push(vscode.l10n.t('Not applied: {0}. Restart for the key to take effect there.', failed.map((r) => r.reason).join('; ')));
  }
  const connectTo = applied.length === 1 && !applied.some((r) => r.applied && r.hostKeyWarning) ? targets.find((t) => t.instance === applied[0].instance)?.alias : undefined;
  const connect = vscode.l10n.t('Connect');
  const restart = vscode.l10n.t('Restart');
  const warn = failed.length > 0 || applied.some((r) => r.applied && r.hostKeyWarning);
  const choice = await services.prompter.message(warn ? 'warning' : 'info', lines.join(' '), ...(connectTo ? [connect] : []), ...(failed.length > 0 ? [restart] : []));
  if (choice === connect && connectTo) {
    await runCommand('swas.connectWithRemoteSsh', { alias: connectTo, needsRestart: false });
  } else if (choice === restart) {
    await restartServers(services, regionId, failed.map((r) => r.instance));
  }
  return results;
}

/** What taking a key pair's key off one server did: `count` lines removed (0: none was there). */
export type RemovedOn = { instance: Instance; removed: true; count: number } | { instance: Instance; removed: false; reason: string };

/**
 * Takes the key pair's lines out of the login user's authorized_keys on each server with Cloud Assistant: the one
 * Apply Now added and, given the pair's public key, the one a restart wrote; never another line. Detached (or
 * replaced) before, the pair would stop working there only at the next restart. Undefined when the user declined.
 */
export async function removeKeyNow(
  services: Services,
  client: SwasClient,
  regionId: string,
  keyPair: { keyPairName: string; publicKey?: string },
  servers: Instance[],
): Promise<RemovedOn[] | undefined> {
  const user = readSettings().defaultUser;
  let script: string;
  try {
    script = removeKeyScript(keyPair.keyPairName, user, keyPair.publicKey);
  } catch (error) {
    if (!(error instanceof ScriptInputError)) {
      throw error;
    }
    return servers.map((instance) => ({ instance, removed: false, reason: error.message }));
  }
  const whatItDoes = vscode.l10n.t(
    'It removes the key of "{0}" from the authorized_keys of {1}: the line Apply Now added and the line a restart wrote for it. Lines with options and other keys stay byte for byte. You are asked once; the setting swas.applyKeyWith chooses restarts instead.',
    keyPair.keyPairName,
    user,
  );
  if (!(await consentToRun(services, script, servers, whatItDoes))) {
    return undefined;
  }
  const runs = await runOnEach(services, client, regionId, { content: script, name: `swas-remove-key-${keyPair.keyPairName}` }, servers, (instance) =>
    vscode.l10n.t('Removing "{0}" from {1} with Cloud Assistant…', keyPair.keyPairName, instance.instanceName),
  );
  return runs.map((run): RemovedOn => {
    const { instance } = run;
    if ('reason' in run) {
      return { instance, removed: false, reason: run.reason };
    }
    const status = run.output.status;
    if (status?.kind === 'removed') {
      return { instance, removed: true, count: status.count };
    }
    if (status?.kind === 'absent') {
      return { instance, removed: true, count: 0 };
    }
    return { instance, removed: false, reason: vscode.l10n.t('the script could not change the authorized_keys of {0} on {1} ({2})', user, instance.instanceName, status?.kind ?? '?') };
  });
}

/**
 * Removes the key with Cloud Assistant and says how it went: where the pair no longer logs in, and where it still
 * does until a restart (or could not be tried: `notReady`), why, with Restart as the way that remains.
 */
export async function removeKeyNowAndReport(
  services: Services,
  client: SwasClient,
  regionId: string,
  keyPair: { keyPairName: string; publicKey?: string },
  servers: Instance[],
  notReady: ServerNotReady[] = [],
): Promise<RemovedOn[] | undefined> {
  const results = await removeKeyNow(services, client, regionId, keyPair, servers);
  if (!results) {
    return undefined;
  }
  const removed = results.filter((r) => r.removed);
  const failed = [...results.flatMap((r) => (r.removed ? [] : [r])), ...notReady];
  const lines: string[] = [];
  if (removed.length > 0) {
    lines.push(vscode.l10n.t('"{0}" no longer logs in to {1}, with no restart.', keyPair.keyPairName, removed.map((r) => r.instance.instanceName).join(', ')));
  }
  if (failed.length > 0) {
    lines.push(vscode.l10n.t('Not removed: {0}. "{1}" logs in there until a restart.', failed.map((r) => r.reason).join('; '), keyPair.keyPairName));
  }
  const restart = vscode.l10n.t('Restart');
  const choice = await services.prompter.message(failed.length > 0 ? 'warning' : 'info', lines.join(' '), ...(failed.length > 0 ? [restart] : []));
  if (choice === restart) {
    await restartServers(services, regionId, failed.map((r) => r.instance));
  }
  return results;
}
