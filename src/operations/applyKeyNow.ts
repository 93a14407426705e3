import * as vscode from 'vscode';
import type { Instance, SwasClient } from '../cloud/client';
import { runScriptToEnd } from '../cloud/cloudAssistant';
import { runCommand } from '../commandRegistry';
import type { Services } from '../services';
import { readSettings } from '../settings';
import { addKeyScript, parseScriptOutput, ScriptInputError } from '../ssh/authorizedKeysScript';
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

/** A server the key is applied to, and its SSH host (for pinning the host keys) when one was written. */
export interface ApplyTarget {
  instance: Instance;
  alias?: string;
}

/** What applying did on one server. */
export type AppliedOn =
  | { instance: Instance; applied: true; alreadyThere: boolean; pinned?: string; hostKeyWarning?: string }
  | { instance: Instance; applied: false; reason: string };

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
  const results: AppliedOn[] = [];
  for (const { instance, alias } of targets) {
    const outcome = await services.prompter.progress(vscode.l10n.t('Applying "{0}" on {1} with Cloud Assistant…', keyPair.keyPairName, instance.instanceName), () =>
      runScriptToEnd(client, regionId, instance.instanceId, { content: script, name: `swas-add-key-${keyPair.keyPairName}` }, { clock: services.clock }),
    );
    services.log.info(`Cloud Assistant on ${instance.instanceId}: ${outcome.kind}.`);
    if (outcome.kind !== 'ok') {
      results.push({ instance, applied: false, reason: reasonNotRun(outcome, instance, regionId) });
      continue;
    }
    const output = parseScriptOutput(outcome.output);
    if (output.status?.kind !== 'added' && output.status?.kind !== 'alreadyPresent') {
      results.push({ instance, applied: false, reason: vscode.l10n.t('the script could not write the authorized_keys of {0} on {1} ({2})', user, instance.instanceName, output.status?.kind ?? '?') });
      continue;
    }
    await services.pendingRestarts.restarted(regionId, instance.instanceId);
    results.push({ instance, applied: true, alreadyThere: output.status.kind === 'alreadyPresent', ...(await pinFor(services, instance.publicIpAddress ? alias : undefined, output.hostKeys, output.hostKeysComplete)) });
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
