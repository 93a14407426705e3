import * as vscode from 'vscode';
import { registerSwasCommand } from '../commandRegistry';
import type { Instance, KeyPair, SwasClient } from '../cloud/client';
import { toCloudError } from '../cloud/errors';
import { checkKeyPairName, KEY_PAIR_NAME_MAX, KEY_PAIR_QUOTA, rotatedName } from '../cloud/keyPairName';
import type { KeyPairArgs } from '../commandArgs';
import { sshPaths, type SshPaths } from '../local/machine';
import { removeServerEntries, writeKeyPairBlock } from '../local/keyPairBlocks';
import type { Services } from '../services';
import { homeDirectory, readSettings } from '../settings';
import { checkLogin } from '../ssh/loginCheck';
import { expandHome } from '../ssh/paths';
import type { SshDiagnosis } from '../ssh/sshDiagnosis';
import { describeCloudError } from '../ui/errorMessages';
import { keepPrivateKey } from '../ui/keyRescue';
import { clientOrExplain, keyPairTarget, listInstancesOrExplain, listKeyPairsOrExplain } from '../ui/pickers';
import { BACK } from '../ui/prompter';
import { checkedSettings } from '../ui/settingsCheck';
import { retryHelps, showCloudError } from '../ui/showCloudError';
import { keyPairNameProblemMessage } from '../ui/validation';
import { attachInBatches } from '../operations/attach';
import { callCreate } from '../operations/create';
import { deleteKeyPair } from '../operations/delete';
import { restartAndWait, restartServers } from '../operations/restart';
import { applyKeyNow, removeKeyNow } from '../operations/applyKeyNow';
import { cloudAssistantReadiness } from '../operations/cloudAssistantAccess';
import { CONNECT_TIMEOUT_SECONDS, trustHostKey, type ServerCloud } from '../operations/trustHostKey';

/** Where one server stands when the rotation ends, in the order the steps run. */
export type ServerStage =
  | 'attachFailed'
  | 'configFailed'
  | 'restartRefused'
  | 'notRunning'
  | 'loginFailed'
  | 'verified';

export interface ServerRotation {
  instance: Instance;
  stage: ServerStage;
  /** Why it stopped there, as the user reads it. */
  detail?: string;
  /** Its SSH host for the new key pair, once written. */
  alias?: string;
  /** RebootInstance was accepted: the new key pair is (or is about to be) in effect there. */
  restarted: boolean;
  /** The new key went on with Cloud Assistant, with no restart. */
  appliedNow?: boolean;
  /** Once the new key logged in there: whether Cloud Assistant took the old pair's key off, or why not. */
  oldKey?: { removed: true } | { removed: false; reason: string };
}

export interface RotateOutcome {
  regionId: string;
  oldKeyPairName: string;
  newKeyPairName: string;
  privateKeyPath?: string;
  servers: ServerRotation[];
  /** Every server logs in with the new key, and the old Host entries are gone. */
  completed: boolean;
  /** Servers the old key pair was attached to again after a failure. */
  reattached: string[];
  deleted?: boolean;
}

/** The reason a batch-mode login with the new key failed, in a few words. */
function loginProblem(diagnosis: SshDiagnosis): string {
  switch (diagnosis.kind) {
    case 'permissionDenied':
      return vscode.l10n.t('the server refused the new key');
    case 'refused':
    case 'timeout':
      return vscode.l10n.t('SSH did not answer on port {0}', diagnosis.port ?? 22);
    case 'hostKeyChanged':
      return vscode.l10n.t('its host key is not the one known_hosts holds (see Test SSH Connection)');
    case 'hostKeyUnknown':
      return vscode.l10n.t('its host key was not trusted');
    case 'unresolved':
      return vscode.l10n.t('the name {0} does not resolve', diagnosis.host ?? '');
    case 'unreachable':
    case 'other':
      return diagnosis.detail || vscode.l10n.t('ssh failed');
    case 'ok':
      return '';
  }
}

/** One line per server: how far the rotation got there. */
function stageLine(server: ServerRotation, newName: string): string {
  const name = server.instance.instanceName;
  switch (server.stage) {
    case 'verified':
      if (server.oldKey?.removed) {
        return vscode.l10n.t('{0}: logs in with "{1}" ({2}), with no restart; the old key no longer does.', name, newName, server.alias ?? '');
      }
      if (server.oldKey) {
        return vscode.l10n.t('{0}: logs in with "{1}" ({2}), with no restart; the old key still does until it restarts ({3}).', name, newName, server.alias ?? '', server.oldKey.reason);
      }
      return vscode.l10n.t('{0}: logs in with "{1}" ({2}).', name, newName, server.alias ?? '');
    case 'attachFailed':
      return vscode.l10n.t('{0}: not attached ({1}); it still uses the old key pair.', name, server.detail ?? '');
    case 'configFailed':
      return vscode.l10n.t('{0}: attached, not restarted ({1}); the old key still works there.', name, server.detail ?? '');
    case 'restartRefused':
      return vscode.l10n.t('{0}: attached, but the restart was refused ({1}); the old key still works until it restarts.', name, server.detail ?? '');
    case 'notRunning':
      return vscode.l10n.t('{0}: restarted, not running again yet ({1}).', name, server.detail ?? '');
    case 'loginFailed':
      return server.restarted
        ? vscode.l10n.t('{0}: restarted, but the login with the new key failed: {1}.', name, server.detail ?? '')
        : vscode.l10n.t('{0}: the new key was put on it with Cloud Assistant, but the login with it failed: {1}; the old key still works there.', name, server.detail ?? '');
  }
}

/**
 * SWAS: Rotate Key Pair… A new key pair in the same region takes over every server of the old one:
 * create, save the key, attach, restart (one consent for all), log in with the new key on each, and
 * only then move the SSH entries and offer to delete the old pair. Where Cloud Assistant runs, the new
 * key goes on with no restart and the old key comes off once the new one has logged in. Nothing is
 * deleted before the new key has logged in everywhere; a failure ends in a per-server summary with an
 * offer to attach the old key pair again where the new one did not work.
 */
export async function rotateKeyPair(services: Services, args?: KeyPairArgs): Promise<RotateOutcome | undefined> {
  const { prompter } = services;
  const title = vscode.l10n.t('Rotate Key Pair');
  const target = await keyPairTarget(services, args, title);
  const settings = target && (await checkedSettings(services));
  const client = settings && (await clientOrExplain(services));
  if (!target || !settings || !client) {
    return undefined;
  }
  const { regionId } = target;
  const oldName = target.keyPair.keyPairName;
  // The node may be stale: the rotation works from what the service says now.
  const keyPairs = await listKeyPairsOrExplain(services, client, regionId);
  const instances = keyPairs && (await listInstancesOrExplain(services, client, regionId));
  if (!keyPairs || !instances) {
    return undefined;
  }
  const old = keyPairs.find((k) => k.keyPairName === oldName);
  if (!old) {
    void prompter.message('error', vscode.l10n.t('Key pair "{0}" no longer exists in {1}.', oldName, regionId));
    return undefined;
  }
  const servers = instances.filter((i) => old.instanceIds.includes(i.instanceId));
  const refusal = rotationRefusal(old, servers, keyPairs.length, regionId);
  if (refusal) {
    void prompter.message(servers.length === 0 ? 'info' : 'error', refusal);
    return undefined;
  }
  // Where Cloud Assistant runs, the new key goes on and the old one comes off with no restart.
  const { ready } = await cloudAssistantReadiness(services, client, regionId, servers);
  const restarting = servers.filter((s) => !ready.includes(s));
  const taken = new Set(keyPairs.map((k) => k.keyPairName));
  let nameError: string | undefined;
  let newName = rotatedName(oldName, taken, new Date());
  let privateKeyBody: string | undefined;
  while (!privateKeyBody) {
    const typed = await prompter.inputBox({
      title,
      step: 1,
      totalSteps: 1,
      prompt: vscode.l10n.t('Name of the key pair that replaces "{0}" on {1}', oldName, servers.map((s) => s.instanceName).join(', ')),
      placeholder: vscode.l10n.t('2–{0} characters: a letter or Chinese character first, then letters, digits, ":", "_" or "-"', KEY_PAIR_NAME_MAX),
      value: newName,
      initialError: nameError,
      validate: (value) => {
        const problem = checkKeyPairName(value);
        if (problem) {
          return keyPairNameProblemMessage(problem);
        }
        return taken.has(value) ? vscode.l10n.t('A key pair named "{0}" already exists in {1}.', value, regionId) : undefined;
      },
    });
    if (typed === undefined || typed === BACK) {
      return undefined;
    }
    newName = typed;
    const rotate = restarting.length > 0 ? vscode.l10n.t('Rotate and Restart') : vscode.l10n.t('Rotate');
    const answer = await prompter.confirm(
      vscode.l10n.t('Replace "{0}" with a new key pair "{1}" on {2}?', oldName, newName, servers.map((s) => s.instanceName).join(', ')),
      rotationPlanText(oldName, newName, ready, restarting),
      rotate,
    );
    if (answer !== rotate) {
      return undefined;
    }
    const created = await callCreate(services, client, regionId, newName);
    if (created === undefined) {
      return undefined;
    }
    if (created === 'nameTaken') {
      taken.add(newName);
      nameError = vscode.l10n.t('A key pair named "{0}" already exists in {1}.', newName, regionId);
      continue;
    }
    privateKeyBody = created;
  }
  services.log.info(`Rotate ${regionId}/${oldName}: created ${newName} for ${servers.map((s) => s.instanceId).join(', ')}.`);
  const outcome: RotateOutcome = { regionId, oldKeyPairName: oldName, newKeyPairName: newName, servers: [], completed: false, reattached: [] };
  const kept = await keepPrivateKey(services, { keyDirectory: expandHome(settings.sshKeyDirectory, homeDirectory()), region: regionId, keyPairName: newName, privateKeyBody });
  // Once the key is on disk, so the reloaded region shows the new pair as local.
  services.notifyChanged(regionId);
  if (!kept.path) {
    void prompter.message(
      'warning',
      vscode.l10n.t(
        'Rotation stopped before any server changed: the private key of "{0}" is not saved on this computer, so a login with it could not be checked. "{1}" still works on every server; delete "{0}" when you no longer need it.',
        newName,
        oldName,
      ),
    );
    return outcome;
  }
  outcome.privateKeyPath = kept.path;
  outcome.servers = await rotateServers(services, client, { regionId, newName, privateKeyPath: kept.path, newPublicKey: kept.saved?.publicKey, old, servers, ready });
  return finishRotation(services, client, outcome, old);
}

/** Why this key pair cannot be rotated here, before anything is asked or changed. */
function rotationRefusal(old: KeyPair, servers: Instance[], keyPairCount: number, regionId: string): string | undefined {
  if (old.instanceIds.length === 0) {
    return vscode.l10n.t('"{0}" is not attached to any server, so there is nothing to rotate: create a new key pair, and delete this one once you no longer need it.', old.keyPairName);
  }
  if (servers.length < old.instanceIds.length) {
    const missing = old.instanceIds.filter((id) => !servers.some((s) => s.instanceId === id));
    return vscode.l10n.t('"{0}" is attached to {1}, which is not among the servers listed in {2}. Refresh the region and try again.', old.keyPairName, missing.join(', '), regionId);
  }
  const noAddress = servers.filter((s) => !s.publicIpAddress);
  if (noAddress.length > 0) {
    return vscode.l10n.t('{0} has no public IP address, so a login with the new key could not be checked there. Rotate Key Pair needs every server of "{1}" reachable over SSH.', noAddress.map((s) => s.instanceName).join(', '), old.keyPairName);
  }
  const stopped = servers.filter((s) => s.status !== 'Running');
  if (stopped.length > 0) {
    return vscode.l10n.t('{0} is not running ({1}). The new key takes effect at a restart, which needs a running server: start it, then rotate again.', stopped.map((s) => s.instanceName).join(', '), stopped.map((s) => s.status).join(', '));
  }
  if (keyPairCount >= KEY_PAIR_QUOTA) {
    return vscode.l10n.t('{0} already has {1} key pairs, the most a region can hold, so the new one cannot be created. Delete a key pair you no longer use, then rotate again.', regionId, KEY_PAIR_QUOTA);
  }
  return undefined;
}

/** What the confirmation says will happen: Cloud Assistant where it runs, a restart elsewhere. */
function rotationPlanText(oldName: string, newName: string, ready: Instance[], restarting: Instance[]): string {
  const names = (servers: Instance[]) => servers.map((s) => s.instanceName).join(', ');
  if (restarting.length === 0) {
    return vscode.l10n.t(
      'This creates "{0}", saves its private key here, attaches it to these servers and puts its key on them with Cloud Assistant, with no restart; then logs in to each with the new key and only then takes the key of "{1}" off them. "{1}" and its files are kept until the new key works on every server.',
      newName,
      oldName,
    );
  }
  if (ready.length > 0) {
    return vscode.l10n.t(
      'This creates "{0}", saves its private key here and attaches it to these servers. It puts its key on {2} with Cloud Assistant (no restart) and restarts {3} (programs there stop for about a minute), then logs in to each with the new key. "{1}" and its files are kept until the new key works on every server.',
      newName,
      oldName,
      names(ready),
      names(restarting),
    );
  }
  return vscode.l10n.t(
    'This creates "{0}", saves its private key here, attaches it to these servers and restarts them (programs on them stop for about a minute), then logs in to each with the new key. "{1}" and its files are kept until the new key works on every server.',
    newName,
    oldName,
  );
}

interface RotationPlan {
  regionId: string;
  newName: string;
  privateKeyPath: string;
  /** The new pair's public key, as saved beside the private key: what Cloud Assistant puts on the servers. */
  newPublicKey?: string;
  old: KeyPair;
  servers: Instance[];
  /** The servers whose Cloud Assistant runs. */
  ready: Instance[];
}

/**
 * Attach, SSH entries, the new key on (Cloud Assistant, or a restart), login check, and the old key off where
 * Cloud Assistant put the new one on; each server ends at the first step that failed for it.
 */
async function rotateServers(services: Services, client: SwasClient, plan: RotationPlan): Promise<ServerRotation[]> {
  const { regionId, newName } = plan;
  const rotations = new Map(plan.servers.map((instance) => [instance.instanceId, { instance, stage: 'attachFailed', restarted: false } as ServerRotation]));
  const set = (instance: Instance, stage: ServerStage, detail?: string) => Object.assign(rotations.get(instance.instanceId)!, { stage, detail });

  const results = await attachInBatches(services, client, regionId, newName, plan.servers);
  for (const server of plan.servers) {
    const result = results.find((r) => r.instanceId === server.instanceId);
    set(server, result?.success ? 'configFailed' : 'attachFailed', result ? [result.message, result.code].filter(Boolean).join(', ') : vscode.l10n.t('no answer'));
  }
  const attached = plan.servers.filter((s) => rotations.get(s.instanceId)!.stage === 'configFailed');
  if (attached.length === 0) {
    return [...rotations.values()];
  }
  // The block is written before the restart, so the check logs in through exactly the Host entries that stay.
  const settings = readSettings();
  const paths = sshPaths(settings);
  const written = await writeKeyPairBlock(services, paths, { regionId, keyPairName: newName, privateKeyPath: plan.privateKeyPath, user: settings.defaultUser, servers: attached, fresh: true });
  if ('problem' in written) {
    attached.forEach((s) => set(s, 'configFailed', written.problem));
    return [...rotations.values()];
  }
  for (const server of attached) {
    rotations.get(server.instanceId)!.alias = written.aliases.get(server.instanceId);
  }
  const { reached: appliedNow, restartInstead } = await applyNewKeyNow(services, client, plan, attached, rotations);
  const toRestart = attached.filter((s) => !plan.ready.some((r) => r.instanceId === s.instanceId) || restartInstead.includes(s));
  const restarts = toRestart.length === 0 ? [] : await restartAndWait(services, client, regionId, toRestart, async (refused, error) => {
    // Only a failure that Retry can fix is shown now; the summary names every other refusal.
    if (retryHelps(error) && (await showCloudError(services, error, regionId, { offerRetry: true })) === 'retry') {
      return 'retry';
    }
    const reason = describeCloudError(toCloudError(error, refused.length === 1 ? 'RebootInstance' : 'RebootInstances'), regionId).text;
    refused.forEach((instance) => set(instance, 'restartRefused', reason));
    return undefined;
  });
  const loggedIn: Instance[] = [];
  for (const instance of [...appliedNow.filter((s) => rotations.get(s.instanceId)!.stage === 'configFailed'), ...restarts.map((r) => r.instance)]) {
    const rotation = rotations.get(instance.instanceId)!;
    const wait = restarts.find((r) => r.instance === instance)?.wait;
    if (wait) {
      rotation.restarted = true;
      if (wait.kind !== 'running') {
        set(instance, 'notRunning', wait.kind === 'timeout' ? (wait.lastStatus ?? '?') : vscode.l10n.t('stopped waiting'));
        continue;
      }
    }
    const diagnosis = await loginWithNewKey(services, { client, regionId }, instance, rotation.alias!, paths);
    set(instance, diagnosis.kind === 'ok' ? 'verified' : 'loginFailed', diagnosis.kind === 'ok' ? undefined : loginProblem(diagnosis));
    if (diagnosis.kind === 'ok' && rotation.appliedNow) {
      loggedIn.push(instance);
    }
  }
  // The old key comes off only where the new one has logged in; elsewhere it stays the way back.
  const removed = loggedIn.length > 0 ? await removeKeyNow(services, client, regionId, plan.old, loggedIn) : undefined;
  for (const instance of loggedIn) {
    const result = removed?.find((r) => r.instance === instance);
    rotations.get(instance.instanceId)!.oldKey = result?.removed ? { removed: true } : { removed: false, reason: result && !result.removed ? result.reason : vscode.l10n.t('declined') };
  }
  return [...rotations.values()];
}

/**
 * The new key on the servers whose Cloud Assistant runs, the host keys pinned on the way; the servers it reached.
 * Where it did not (or the script was declined), the user chooses: a restart instead, or the rotation stops there
 * with the old key still working. A server whose host key answers differently from what the server printed stops
 * there, as a possible man in the middle.
 */
async function applyNewKeyNow(services: Services, client: SwasClient, plan: RotationPlan, attached: Instance[], rotations: Map<string, ServerRotation>): Promise<{ reached: Instance[]; restartInstead: Instance[] }> {
  const targets = attached.filter((s) => plan.ready.some((r) => r.instanceId === s.instanceId));
  if (targets.length === 0) {
    return { reached: [], restartInstead: [] };
  }
  const results = plan.newPublicKey
    ? await applyKeyNow(services, client, plan.regionId, { keyPairName: plan.newName, publicKey: plan.newPublicKey }, targets.map((instance) => ({ instance, alias: rotations.get(instance.instanceId)!.alias })))
    : targets.map((instance) => ({ instance, applied: false as const, reason: vscode.l10n.t('the public key of "{0}" is not on this computer', plan.newName) }));
  const missed = results ? results.flatMap((r) => (r.applied ? [] : [r])) : targets.map((instance) => ({ instance, reason: vscode.l10n.t('the script was declined') }));
  const reached: Instance[] = [];
  for (const result of results ?? []) {
    if (result.applied) {
      const rotation = rotations.get(result.instance.instanceId)!;
      rotation.appliedNow = true;
      reached.push(result.instance);
      if (result.hostKeyWarning) {
        Object.assign(rotation, { stage: 'loginFailed', detail: result.hostKeyWarning });
      }
    }
  }
  if (missed.length === 0) {
    return { reached, restartInstead: [] };
  }
  const names = missed.map((m) => m.instance.instanceName).join(', ');
  const restart = vscode.l10n.t('Restart Instead');
  const answer = await services.prompter.confirm(
    vscode.l10n.t('Cloud Assistant could not put "{0}" on {1}. Restart instead?', plan.newName, names),
    vscode.l10n.t('{0}. A restart puts the new key pair in effect; programs there stop for about a minute. Otherwise the rotation stops there and the old key keeps working.', missed.map((m) => m.reason).join('; ')),
    restart,
  );
  if (answer === restart) {
    return { reached, restartInstead: missed.map((m) => m.instance) };
  }
  missed.forEach((m) => Object.assign(rotations.get(m.instance.instanceId)!, { stage: 'configFailed', detail: m.reason }));
  return { reached, restartInstead: [] };
}

/** Batch-mode `ssh <alias> exit 0`; a first connection reads (or asks to trust) the host key, then tries once more. */
async function loginWithNewKey(services: Services, cloud: ServerCloud, instance: Instance, alias: string, paths: SshPaths): Promise<SshDiagnosis> {
  const check = () =>
    services.prompter.progress(vscode.l10n.t('Logging in to {0} with the new key ({1})…', instance.instanceName, alias), () =>
      checkLogin(alias, { configFile: paths.remoteSshConfigFile, connectTimeoutSeconds: CONNECT_TIMEOUT_SECONDS }),
    );
  let { diagnosis } = await check();
  if (diagnosis.kind === 'hostKeyUnknown' && (await trustHostKey(services, instance, alias, paths.remoteSshConfigFile, cloud))) {
    ({ diagnosis } = await check());
  }
  services.log.info(`Rotate: login to ${instance.instanceId} as ${alias}: ${diagnosis.kind}.`);
  return diagnosis;
}

/**
 * The old Host entry of each server the new key logged in to goes (it can no longer log in there).
 * All of them: deleting the old pair is offered. Otherwise: the summary and the way back.
 */
async function finishRotation(services: Services, client: SwasClient, outcome: RotateOutcome, old: KeyPair): Promise<RotateOutcome> {
  const { prompter } = services;
  const { regionId, oldKeyPairName: oldName, newKeyPairName: newName } = outcome;
  const lines = outcome.servers.map((s) => stageLine(s, newName));
  const paths = sshPaths(readSettings());
  const verified = outcome.servers.filter((s) => s.stage === 'verified').map((s) => s.instance.instanceId);
  const problem = verified.length > 0 ? await removeServerEntries(services, paths, regionId, oldName, verified) : undefined;
  services.notifyChanged(regionId);
  if (verified.length === outcome.servers.length) {
    outcome.completed = true;
    const remove = vscode.l10n.t('Delete "{0}"…', oldName);
    const choice = await prompter.message(
      problem ? 'warning' : 'info',
      [vscode.l10n.t('Rotated "{0}" to "{1}".', oldName, newName), ...lines, ...(problem ? [problem] : []), vscode.l10n.t('"{0}" is attached to no server now.', oldName)].join(' '),
      remove,
    );
    if (choice === remove) {
      outcome.deleted = (await deleteKeyPair(services, { regionId, keyPair: { ...old, instanceIds: [] } }))?.deleted ?? false;
    }
    return outcome;
  }
  // Where the new key pair is attached but did not log in, the old one is the way back.
  const stranded = outcome.servers.filter((s) => s.stage !== 'verified' && s.stage !== 'attachFailed');
  const reattach = vscode.l10n.t('Attach "{0}" Again', oldName);
  const choice = await prompter.message(
    'warning',
    [
      vscode.l10n.t('Rotation of "{0}" stopped: nothing was deleted, and "{0}" and its files are still here.', oldName),
      ...lines,
      ...(problem ? [problem] : []),
      ...(stranded.length > 0 ? [vscode.l10n.t('Attach "{0}" again to {1}?', oldName, stranded.map((s) => s.instance.instanceName).join(', '))] : []),
    ].join(' '),
    ...(stranded.length > 0 ? [reattach] : []),
  );
  if (choice === reattach) {
    outcome.reattached = await reattachOld(services, client, outcome, stranded, paths);
  }
  return outcome;
}

/**
 * AttachKeyPair of the old pair where the new one failed. A server that never restarted still has
 * the old key in effect, so no restart is pending there; a running one that did gets a Restart
 * offer; one not running again takes the old key when it next boots.
 */
async function reattachOld(services: Services, client: SwasClient, outcome: RotateOutcome, stranded: ServerRotation[], paths: SshPaths): Promise<string[]> {
  const { prompter } = services;
  const { regionId, oldKeyPairName: oldName, newKeyPairName: newName } = outcome;
  const results = await attachInBatches(services, client, regionId, oldName, stranded.map((s) => s.instance));
  const back = stranded.filter((s) => results.some((r) => r.success && r.instanceId === s.instance.instanceId));
  for (const server of back.filter((s) => !s.restarted)) {
    await services.pendingRestarts.restarted(regionId, server.instance.instanceId);
  }
  const problem = back.length > 0 ? await removeServerEntries(services, paths, regionId, newName, back.map((s) => s.instance.instanceId)) : undefined;
  services.notifyChanged(regionId);
  const names = (servers: ServerRotation[]) => servers.map((s) => s.instance.instanceName).join(', ');
  const failed = stranded.filter((s) => !back.includes(s));
  const needRestart = back.filter((s) => s.stage === 'loginFailed' && s.restarted);
  const notBack = back.filter((s) => s.stage === 'notRunning');
  const restart = vscode.l10n.t('Restart Servers…');
  const choice = await prompter.message(
    failed.length > 0 || problem ? 'warning' : 'info',
    [
      ...(back.length > 0 ? [vscode.l10n.t('"{0}" is attached again to {1}.', oldName, names(back))] : []),
      ...(needRestart.length > 0 ? [vscode.l10n.t('{0} restarted with "{1}": restart again for "{2}" to take effect.', names(needRestart), newName, oldName)] : []),
      ...(notBack.length > 0 ? [vscode.l10n.t('{0} is not running again yet: "{1}" takes effect when it next starts (restart it once it is running, or start it in the Simple Application Server console).', names(notBack), oldName)] : []),
      ...(failed.length > 0 ? [vscode.l10n.t('Attaching "{0}" failed for {1}.', oldName, names(failed))] : []),
      ...(problem ? [problem] : []),
    ].join(' '),
    ...(needRestart.length > 0 ? [restart] : []),
  );
  if (choice === restart) {
    await restartServers(services, regionId, needRestart.map((s) => s.instance));
  }
  return back.map((s) => s.instance.instanceId);
}

export function registerRotateKeyPair(services: Services): vscode.Disposable {
  return registerSwasCommand(services, 'swas.rotateKeyPair', (args?) => rotateKeyPair(services, args));
}
