import * as vscode from 'vscode';
import type { Instance, SwasClient } from '../cloud/client';
import { runScriptToEnd } from '../cloud/cloudAssistant';
import type { Services } from '../services';
import { readSettings } from '../settings';
import { parseScriptOutput, readHostKeysScript } from '../ssh/authorizedKeysScript';
import { compareHostKeys, hostsInKnownHosts, pinHostKeys } from '../ssh/knownHosts';
import { addKnownHosts, knownHostsName, scanHostKeys, sshTarget, type SshTarget } from '../ssh/loginCheck';
import { cloudAssistantReadiness, consentToScript, hasCloudAssistantConsent, reasonNotRun } from './cloudAssistantAccess';

/** What ssh gets for the TCP connection; the whole check is bounded in loginCheck.ts. */
export const CONNECT_TIMEOUT_SECONDS = 10;

/** The cloud side of a server: what Cloud Assistant needs to read its host keys. */
export interface ServerCloud {
  client: SwasClient;
  regionId: string;
}

export type PinnedHostKeys =
  | { kind: 'pinned'; knownHostsFile: string; name: string }
  /** ssh-keyscan got another key of a pinned type from the address: someone else may answer there. */
  | { kind: 'mismatch'; knownHostsFile: string; name: string; keyType: string };

/**
 * Pins the host keys the server itself printed (through Cloud Assistant) in known_hosts for `where`, marked as
 * ours, then compares them with what the address answers (ssh-keyscan). The pin stays on a mismatch: ssh then
 * refuses whoever answers with the other key, and nothing scanned is ever written. A keyscan with no answer, or
 * none of the pinned key types, proves nothing either way.
 */
export async function pinServerHostKeys(services: Services, where: SshTarget, hostKeys: string[]): Promise<PinnedHostKeys> {
  const name = knownHostsName(where.hostName, where.port);
  await pinHostKeys(where.knownHostsFile, where.hostName, where.port, hostKeys, { hashed: where.hashKnownHosts });
  services.log.info(`Pinned ${hostKeys.length} host key(s) of ${name} read by Cloud Assistant in ${where.knownHostsFile}.`);
  const scanned = await scanHostKeys(where.hostName, where.port, false, CONNECT_TIMEOUT_SECONDS);
  const comparison = scanned.lines.length > 0 ? compareHostKeys(hostKeys, scanned.lines) : undefined;
  if (comparison?.kind === 'mismatch') {
    services.log.error(`The ${comparison.keyType} host key answering at ${name} is not the one the server has: possible man in the middle.`);
    return { kind: 'mismatch', knownHostsFile: where.knownHostsFile, name, keyType: comparison.keyType };
  }
  return { kind: 'pinned', knownHostsFile: where.knownHostsFile, name };
}

type Verification = PinnedHostKeys | { kind: 'unverified'; reason: string };

/**
 * Reads the server's host keys with the read-only script through Cloud Assistant and pins them. `consent`: 'ask'
 * shows the script when the user has not agreed to scripts yet; 'onRecord' runs it only when they have.
 */
async function verifyThroughCloudAssistant(services: Services, cloud: ServerCloud, instance: Instance, where: SshTarget, consent: 'ask' | 'onRecord'): Promise<Verification> {
  const { client, regionId } = cloud;
  const name = knownHostsName(where.hostName, where.port);
  if (!instance.publicIpAddress) {
    return { kind: 'unverified', reason: vscode.l10n.t('{0} has no public IP address', instance.instanceName) };
  }
  if (consent === 'onRecord' && !hasCloudAssistantConsent(services)) {
    return { kind: 'unverified', reason: vscode.l10n.t('you have not allowed Cloud Assistant scripts') };
  }
  const { ready, notReady } = await cloudAssistantReadiness(services, client, regionId, [instance]);
  if (ready.length === 0) {
    const reason =
      notReady[0]?.reason ??
      (readSettings().applyKeyWith === 'restart' ? vscode.l10n.t('swas.applyKeyWith is set to "restart", so Cloud Assistant is not used') : vscode.l10n.t('Cloud Assistant cannot run on {0}', instance.instanceName));
    return { kind: 'unverified', reason };
  }
  const script = readHostKeysScript();
  const detail = vscode.l10n.t(
    'It prints the SSH host keys of {0} and changes nothing, so that the first connection is verified. It holds no private key. You are asked once; the setting swas.applyKeyWith set to "restart" stops all use of Cloud Assistant.\n\n{1}',
    instance.instanceName,
    script,
  );
  if (!(await consentToScript(services, [instance], detail))) {
    return { kind: 'unverified', reason: vscode.l10n.t('you did not allow the Cloud Assistant script') };
  }
  const outcome = await services.prompter.progress(vscode.l10n.t('Reading the host keys of {0} with Cloud Assistant…', instance.instanceName), () =>
    runScriptToEnd(client, regionId, instance.instanceId, { content: script, name: 'swas-read-host-keys' }, { clock: services.clock }),
  );
  services.log.info(`Cloud Assistant on ${instance.instanceId} (host keys): ${outcome.kind}.`);
  if (outcome.kind !== 'ok') {
    return { kind: 'unverified', reason: reasonNotRun(outcome, instance, regionId) };
  }
  const output = parseScriptOutput(outcome.output);
  if (output.hostKeys.length === 0 || !output.hostKeysComplete) {
    return { kind: 'unverified', reason: vscode.l10n.t('{0} printed no complete list of its host keys', instance.instanceName) };
  }
  services.log.info(`Read ${output.hostKeys.length} host key(s) of ${instance.instanceId} for ${name}.`);
  return pinServerHostKeys(services, where, output.hostKeys);
}

function sayManInTheMiddle(services: Services, instance: Instance, pinned: Extract<PinnedHostKeys, { kind: 'mismatch' }>): void {
  void services.prompter.message(
    'error',
    vscode.l10n.t(
      'The host key answering at {0} is not the one {1} has itself (read through Cloud Assistant): possible man in the middle. The answering key was not trusted; the server\'s own keys are in {2}, so ssh refuses the other one. Do not connect until you know why.',
      pinned.name,
      instance.instanceName,
      pinned.knownHostsFile,
    ),
  );
}

/**
 * A first connection. Where the server's Cloud Assistant runs (and the user allows its scripts), the host keys the
 * server itself prints are pinned in known_hosts, nothing is asked, and an address answering with another key is
 * refused. Otherwise the scanned key's fingerprint is shown, marked as not verified with the reason, and added to
 * known_hosts only when the user trusts it (as Remote-SSH asks). Without `cloud` Cloud Assistant is not tried.
 * Resolves to whether the host key is now known.
 */
export async function trustHostKey(services: Services, instance: Instance, alias: string, configFile: string | undefined, cloud?: ServerCloud): Promise<boolean> {
  const { prompter } = services;
  const where = await sshTarget(alias, configFile);
  const name = knownHostsName(where.hostName, where.port);
  const verified: Verification = cloud
    ? await verifyThroughCloudAssistant(services, cloud, instance, where, 'ask')
    : { kind: 'unverified', reason: vscode.l10n.t('Cloud Assistant was not asked here') };
  if (verified.kind === 'pinned') {
    return true;
  }
  if (verified.kind === 'mismatch') {
    sayManInTheMiddle(services, instance, verified);
    return false;
  }
  services.log.info(`Host key of ${name} not verified: ${verified.reason}.`);
  const scanned = await prompter.progress(vscode.l10n.t('Reading the host key of {0}…', name), () => scanHostKeys(where.hostName, where.port, where.hashKnownHosts, CONNECT_TIMEOUT_SECONDS));
  if (scanned.lines.length === 0) {
    void prompter.message('error', vscode.l10n.t('{0} ({1}) is not known yet, and its host key could not be read. Test again in a moment.', instance.instanceName, name));
    return false;
  }
  const accept = vscode.l10n.t('Trust and Continue');
  const choice = await prompter.confirm(
    vscode.l10n.t('First connection to {0} ({1}): trust its host key?', instance.instanceName, name),
    vscode.l10n.t(
      'Fingerprint: {0}. It is NOT verified: {1}. To be sure it is your server, compare it with the output of ssh-keygen -lf on its host key (remote connection in the Simple Application Server console). Trusting adds it to {2}.',
      scanned.fingerprints.join(', '),
      verified.reason,
      where.knownHostsFile,
    ),
    accept,
  );
  if (choice !== accept) {
    return false;
  }
  await addKnownHosts(where.knownHostsFile, scanned.lines);
  services.log.info(`Trusted the host key of ${name} (${scanned.fingerprints.join(', ')}) in ${where.knownHostsFile}.`);
  return true;
}

/**
 * Before Remote-SSH's first connection to `alias` (no known_hosts line for its host yet): where the user has
 * allowed Cloud Assistant scripts and it runs on the server, pins the host keys the server prints, so Remote-SSH
 * asks nothing. Connect does not ask for the consent itself: without it, Remote-SSH asks its own question.
 * False when an address answers with another key (the user was told).
 */
export async function pinBeforeFirstConnection(services: Services, cloud: ServerCloud, instance: Instance, alias: string, configFile: string | undefined): Promise<boolean> {
  if (!hasCloudAssistantConsent(services)) {
    return true;
  }
  const where = await sshTarget(alias, configFile);
  const name = knownHostsName(where.hostName, where.port);
  for (const file of where.knownHostsFiles) {
    if ((await hostsInKnownHosts([name], file)).length > 0) {
      return true;
    }
  }
  const verified = await verifyThroughCloudAssistant(services, cloud, instance, where, 'onRecord');
  if (verified.kind === 'mismatch') {
    sayManInTheMiddle(services, instance, verified);
    return false;
  }
  if (verified.kind === 'unverified') {
    services.log.info(`Host key of ${name} not pinned before the connection: ${verified.reason}.`);
  }
  return true;
}
