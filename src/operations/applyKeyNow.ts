import * as vscode from 'vscode';
import type { Instance, SwasClient } from '../cloud/client';
import { runScriptToEnd } from '../cloud/cloudAssistant';
import { runCommand } from '../commandRegistry';
import type { Services } from '../services';
import { readSettings } from '../settings';
import { addKeyScript, parseScriptOutput, removeKeyScript, ScriptInputError, type ScriptOutput } from '../ssh/authorizedKeysScript';
import { publicKeyParts } from '../ssh/keyFormat';
import { sshTarget } from '../ssh/loginCheck';
import { consentToScript, reasonNotRun, type ServerNotReady } from './cloudAssistantAccess';
import { restartServers } from './restart';
import { pinServerHostKeys } from './trustHostKey';

/*
 * "Apply Now": an attached key pair takes effect only at the server's next restart (docs/swas-api.md, "Restart
 * rule"); Cloud Assistant (docs/swas-api.md, "Cloud Assistant") can put the same public key into the login
 * user's authorized_keys at once, as root, with no restart, and read the server's host keys on the way, which
 * are pinned in known_hosts so the first connection is verified. AttachKeyPair has run before: the console and
 * the tree show the pair, and the next restart applies the same key.
 */

/**
 * A server the key is applied to, its SSH host (for pinning the host keys) when one was written, and the key pair
 * the attach replaced there, whose key comes off once the new one is on.
 */
export interface ApplyTarget {
  instance: Instance;
  alias?: string;
  replaces?: { keyPairName: string; publicKey?: string };
}

/** What applying did on one server. */
export type AppliedOn =
  | { instance: Instance; applied: true; alreadyThere: boolean; pinned?: string; hostKeyWarning?: string }
  | { instance: Instance; applied: false; reason: string };

/** What one script run through Cloud Assistant printed on a server, or why it did not run to the end there. */
type ScriptRun = { instance: Instance; output: ScriptOutput } | { instance: Instance; reason: string };

/** Runs `script` on each server in turn, one progress message each; the log gets the outcome's kind only. */
async function runOnEach(services: Services, client: SwasClient, regionId: string, script: { content: string; name: string }, servers: Instance[], progressTitle: (instance: Instance) => string): Promise<ScriptRun[]> {
  const runs: ScriptRun[] = [];
  for (const instance of servers) {
    const outcome = await services.prompter.progress(progressTitle(instance), () => runScriptToEnd(client, regionId, instance.instanceId, script, { clock: services.clock }));
    services.log.info(`Cloud Assistant ${script.name} on ${instance.instanceId}: ${outcome.kind}.`);
    runs.push(outcome.kind === 'ok' ? { instance, output: parseScriptOutput(outcome.output) } : { instance, reason: reasonNotRun(outcome, instance, regionId) });
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
  const consentDetail = vscode.l10n.t(
    'It adds the public key of "{0}" to the authorized_keys of {1} once, changes no other line, and prints the server\'s SSH host keys so that the first connection is verified. It holds no private key. You are asked once; the setting swas.applyKeyWith chooses restarts instead.\n\n{2}',
    keyPair.keyPairName,
    user,
    script,
  );
  if (!(await consentToScript(services, targets.map((t) => t.instance), consentDetail))) {
    return undefined;
  }
  const servers = targets.map((t) => t.instance);
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
  try {
    const pinned = await pinServerHostKeys(services, await sshTarget(alias, readSettings().remoteSshConfigFile), hostKeys);
    if (pinned.kind === 'mismatch') {
      return { pinned: pinned.knownHostsFile, hostKeyWarning: vscode.l10n.t('Warning: the host key answering at {0} is not the one the server itself has. Someone may be in between: do not connect until you know why.', pinned.name) };
    }
    return { pinned: pinned.knownHostsFile };
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
    lines.push(...(await removeReplaced(services, client, regionId, targets.filter((t) => applied.some((r) => r.instance === t.instance)))));
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
/**
 * The key pairs the attach replaced on servers that now have the new key: their keys come off, as the restart
 * would have done. The lines say where they no longer log in, and where they still do until a restart.
 */
async function removeReplaced(services: Services, client: SwasClient, regionId: string, targets: ApplyTarget[]): Promise<string[]> {
  const lines: string[] = [];
  for (const name of new Set(targets.flatMap((t) => (t.replaces ? [t.replaces.keyPairName] : [])))) {
    const replacing = targets.filter((t) => t.replaces?.keyPairName === name);
    const results = (await removeKeyNow(services, client, regionId, replacing[0].replaces!, replacing.map((t) => t.instance))) ?? [];
    const removed = results.filter((r) => r.removed).map((r) => r.instance.instanceName);
    const kept = results.flatMap((r) => (r.removed ? [] : [r.reason]));
    if (removed.length > 0) {
      lines.push(vscode.l10n.t('"{0}", which it replaced, no longer logs in to {1}.', name, removed.join(', ')));
    }
    if (kept.length > 0) {
      lines.push(vscode.l10n.t('"{0}" still logs in until a restart: {1}.', name, kept.join('; ')));
    }
  }
  return lines;
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
    // A listed key this extension cannot read still leaves our marked line to remove.
    script = removeKeyScript(keyPair.keyPairName, user, keyPair.publicKey && publicKeyParts(keyPair.publicKey) ? keyPair.publicKey : undefined);
  } catch (error) {
    if (!(error instanceof ScriptInputError)) {
      throw error;
    }
    return servers.map((instance) => ({ instance, removed: false, reason: error.message }));
  }
  const consentDetail = vscode.l10n.t(
    'It removes the key of "{0}" from the authorized_keys of {1}: the line Apply Now added and the line a restart wrote for it. Lines with options and other keys stay byte for byte. You are asked once; the setting swas.applyKeyWith chooses restarts instead.\n\n{2}',
    keyPair.keyPairName,
    user,
    script,
  );
  if (!(await consentToScript(services, servers, consentDetail))) {
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

/** Where the pair no longer logs in, and where it still does until a restart (with why): the report's lines. */
export function removalSummary(keyPairName: string, results: RemovedOn[], notReady: ServerNotReady[]): { lines: string[]; failed: { instance: Instance; reason: string }[] } {
  const removed = results.filter((r) => r.removed);
  const failed = [...results.flatMap((r) => (r.removed ? [] : [r])), ...notReady];
  const lines: string[] = [];
  if (removed.length > 0) {
    lines.push(vscode.l10n.t('"{0}" no longer logs in to {1}, with no restart.', keyPairName, removed.map((r) => r.instance.instanceName).join(', ')));
  }
  if (failed.length > 0) {
    lines.push(vscode.l10n.t('Not removed: {0}. "{1}" logs in there until a restart.', failed.map((r) => r.reason).join('; '), keyPairName));
  }
  return { lines, failed };
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
  const { lines, failed } = removalSummary(keyPair.keyPairName, results, notReady);
  const restart = vscode.l10n.t('Restart');
  const choice = await services.prompter.message(failed.length > 0 ? 'warning' : 'info', lines.join(' '), ...(failed.length > 0 ? [restart] : []));
  if (choice === restart) {
    await restartServers(services, regionId, failed.map((r) => r.instance));
  }
  return results;
}
