import { randomUUID } from 'crypto';
import { registerSwasCommand, runCommand } from '../commandRegistry';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Instance, PerServerResult, SwasClient } from '../cloud/client';
import { CloudError, toCloudError } from '../cloud/errors';
import type { ResolvedCredentials } from '../cloud/credentials';
import { isPlausibleRegionId } from '../cloud/regions';
import { sshPaths } from '../local/machine';
import { removeEntriesUnderOtherKeyPairs, writeKeyPairBlock } from '../local/keyPairBlocks';
import type { CreateKeyPairArgs } from '../commandArgs';
import type { Services } from '../services';
import { homeDirectory, readSettings, Settings } from '../settings';
import { samePublicKey } from '../ssh/keyFormat';
import { expandHome } from '../ssh/paths';
import { askCreateInput, newCreateInput } from '../ui/createKeyPairInput';
import { describeCloudError } from '../ui/errorMessages';
import { keepPrivateKey, KeyToKeep } from '../ui/keyRescue';
import { credentialsOrExplain } from '../ui/pickers';
import { checkedSettings } from '../ui/settingsCheck';
import { messageWithMore } from '../ui/messageWithMore';
import { applyKeyNowAndReport } from '../operations/applyKeyNow';
import { cloudAssistantReadiness } from '../operations/cloudAssistantAccess';
import { callCreate } from '../operations/create';

export interface CreateKeyPairOutcome {
  regionId: string;
  keyPairName: string;
  /** Where the private key ended up, or undefined when the user discarded it or only copied it. */
  privateKeyPath?: string;
  fingerprint?: string;
  alias?: string;
  configPath?: string;
  server?: Instance;
  attachResults?: PerServerResult[];
  /** Settles once the user has answered the final message (and any action it started has finished). */
  followUp: Promise<void>;
}

/** Settings and credentials are checked before any question, so a broken setup fails at once. */
async function preflight(services: Services): Promise<{ settings: Settings; keyDirectory: string; credentials: ResolvedCredentials } | undefined> {
  const settings = await checkedSettings(services);
  const credentials = settings && (await credentialsOrExplain(services));
  return settings && credentials && { settings, keyDirectory: expandHome(settings.sshKeyDirectory, homeDirectory()), credentials };
}

/**
 * SWAS: Create Key Pair. Region → name → server (optional), then one CreateKeyPair call; its private
 * key is saved while the attach runs, and the SSH config is edited only once the key is on disk.
 */
export async function createKeyPair(services: Services, args?: CreateKeyPairArgs): Promise<CreateKeyPairOutcome | undefined> {
  const ready = await preflight(services);
  if (!ready) {
    return undefined;
  }
  const { settings, keyDirectory, credentials } = ready;
  const { prompter } = services;
  if (args?.regionId !== undefined && !isPlausibleRegionId(args.regionId)) {
    await prompter.message('error', vscode.l10n.t('"{0}" is not a region id. Region ids look like cn-hangzhou or ap-southeast-1.', String(args.regionId)));
    return undefined;
  }
  const client = services.client(credentials);
  const context = {
    services,
    client,
    title: vscode.l10n.t('Create SWAS Key Pair'),
    defaultRegion: settings.defaultRegion || credentials.cliRegionId,
    regionFixed: args?.regionId !== undefined,
  };
  const input = newCreateInput(args?.regionId);
  for (;;) {
    if (!(await askCreateInput(context, input))) {
      return undefined;
    }
    const region = input.regionId!;
    const created = await callCreate(services, client, region, input.keyPairName);
    if (created === 'nameTaken') {
      input.nameError = vscode.l10n.t('A key pair named "{0}" already exists in {1}.', input.keyPairName, region);
      input.step = 'name';
      continue;
    }
    if (!created) {
      return undefined;
    }
    return finish(services, client, { settings, keyDirectory, region, keyPairName: input.keyPairName, privateKeyBody: created, server: input.server });
  }
}

interface FinishInput extends KeyToKeep {
  settings: Settings;
  server?: Instance;
}

async function finish(services: Services, client: SwasClient, input: FinishInput): Promise<CreateKeyPairOutcome> {
  const { prompter, log } = services;
  const { settings, region, keyPairName, server } = input;
  const outcome: CreateKeyPairOutcome = { regionId: region, keyPairName, server, followUp: Promise.resolve() };
  /** Details for More…: about the key file, and about the SSH config entry. */
  const notes = { key: [] as string[], config: [] as string[] };
  const warnings: string[] = [];
  await services.regionCache.rememberRegion(region);

  // Attaching and re-listing only need the key pair to exist: they run while the key is written.
  const attaching = server ? attachToServer(client, region, keyPairName, server) : undefined;
  const listedPublicKey = listedPublicKeyOf(services, client, region, keyPairName);
  const kept = await keepPrivateKey(services, input);
  outcome.privateKeyPath = kept.path;
  outcome.fingerprint = kept.saved?.fingerprint;
  if (kept.saved) {
    if (kept.saved.renamed) {
      notes.key.push(vscode.l10n.t('A file with the usual name existed, so the key was saved as {0}.', path.basename(kept.saved.privateKeyPath)));
    }
    if (kept.saved.insecureDirectoryMode !== undefined) {
      warnings.push(vscode.l10n.t('Warning: {0} can be written by other users (mode {1}); OpenSSH may refuse keys there.', input.keyDirectory, kept.saved.insecureDirectoryMode.toString(8)));
    }
    if (kept.saved.strayTempFiles) {
      warnings.push(vscode.l10n.t('A temporary second name of the key file could not be removed: {0}. Delete it yourself.', kept.saved.strayTempFiles.join(', ')));
    }
    if (kept.saved.publicKeyError) {
      warnings.push(vscode.l10n.t('The public key file could not be written: {0}', kept.saved.publicKeyError));
    }
    const listed = await listedPublicKey;
    if (listed && !samePublicKey(listed, kept.saved.publicKey)) {
      log.error(`Public key of ${keyPairName} in ${region} does not match the saved private key.`);
      warnings.push(vscode.l10n.t('Warning: the public key Alibaba Cloud lists for "{0}" does not match the saved private key. Do not rely on this key; delete the key pair and create a new one.', keyPairName));
    }
  }

  if (server && attaching) {
    const attachment = await prompter.progress(vscode.l10n.t('Attaching "{0}" to {1}…', keyPairName, server.instanceName), () => attaching);
    outcome.attachResults = attachment.results;
    if (attachment.failure) {
      warnings.push(vscode.l10n.t('Attaching to {0} failed: {1}', server.instanceName, describeCloudError(attachment.failure, region).text));
    }
    for (const result of attachment.results?.filter((r) => !r.success) ?? []) {
      warnings.push(vscode.l10n.t('Attaching to {0} failed: {1} ({2}).', server.instanceName, result.message ?? '', result.code ?? ''));
    }
  }
  const attached = outcome.attachResults?.some((r) => r.success) ?? false;
  if (attached && server) {
    await services.pendingRestarts.attached(region, [server.instanceId], keyPairName);
  }

  const paths = sshPaths(settings);
  if (attached && server) {
    // As Attach does: the server's entry under the key pair it had would no longer log in.
    warnings.push(...(await removeEntriesUnderOtherKeyPairs(services, paths, region, keyPairName, [server.instanceId])).problems);
  }
  if (kept.path) {
    const written = await writeKeyPairBlock(services, paths, {
      regionId: region,
      keyPairName,
      privateKeyPath: kept.path,
      user: settings.defaultUser,
      servers: server && attached ? [server] : [],
      fresh: true,
    });
    if ('problem' in written) {
      warnings.push(written.problem);
    } else {
      outcome.alias = (server && written.aliases.get(server.instanceId)) ?? written.firstAlias;
      outcome.configPath = paths.configPath;
      if (written.verified === 'skipped-no-ssh') {
        notes.config.push(vscode.l10n.t('OpenSSH (ssh) was not found, so the new entry could not be checked with "ssh -G".'));
      }
    }
  }
  // Once, after the key is on disk, so the reloaded region also shows the key as local.
  services.notifyChanged(region);
  const publicKey = kept.saved?.publicKey ?? (await listedPublicKey);
  outcome.followUp = finalMessage(services, client, outcome, attached, notes, warnings, publicKey);
  return outcome;
}

/** What the service lists as the key pair's public key, to check the saved key against it. */
async function listedPublicKeyOf(services: Services, client: SwasClient, region: string, keyPairName: string): Promise<string | undefined> {
  try {
    return (await client.listKeyPairs(region, keyPairName)).find((k) => k.keyPairName === keyPairName)?.publicKey;
  } catch (error) {
    services.log.warn(`Could not compare the public key of ${keyPairName}: ${toCloudError(error, 'ListKeyPairs').kind}.`);
    return undefined;
  }
}

/** Never rejects: a failed attach is reported in the final message, the key pair and key are kept. */
async function attachToServer(client: SwasClient, region: string, keyPairName: string, server: Instance): Promise<{ results?: PerServerResult[]; failure?: CloudError }> {
  try {
    return { results: await client.attachKeyPair(region, keyPairName, [server.instanceId], randomUUID()) };
  } catch (error) {
    return { failure: toCloudError(error, 'AttachKeyPair') };
  }
}

/**
 * One sentence: the key pair is ready and what to do next (VS Code's notification guidelines). The key
 * file, fingerprint, SSH host and machine are in the log and, with the actions on them, behind More….
 * What went wrong (a failed attach, an unchanged SSH config) stays in the text: it needs the user.
 */
async function finalMessage(
  services: Services,
  client: SwasClient,
  outcome: CreateKeyPairOutcome,
  attached: boolean,
  notes: { key: string[]; config: string[] },
  warnings: string[],
  publicKey: string | undefined,
): Promise<void> {
  const { prompter } = services;
  const machine = vscode.env.remoteName ? ` (${vscode.env.remoteName})` : '';
  services.log.info(`Key pair ${outcome.regionId}/${outcome.keyPairName} ready: key ${outcome.privateKeyPath ?? 'not saved'}${machine}, ${outcome.fingerprint ?? 'no fingerprint'}, SSH host ${outcome.alias ?? 'none'}.${[...notes.key, ...notes.config].map((note) => ` ${note}`).join('')}`);
  const server = attached ? outcome.server : undefined;
  const canApplyNow = server && publicKey ? (await cloudAssistantReadiness(services, client, outcome.regionId, [server])).ready.length > 0 : false;
  const applyTo = () => applyKeyNowAndReport(services, client, outcome.regionId, { keyPairName: outcome.keyPairName, publicKey: publicKey! }, [{ instance: server!, alias: outcome.alias }]);
  if (canApplyNow && warnings.length === 0 && readSettings().applyKeyWith === 'cloudAssistant') {
    await applyTo();
    return;
  }
  let headline: string;
  if (warnings.length > 0) {
    headline = outcome.privateKeyPath
      ? vscode.l10n.t('Key pair "{0}" is created and its private key saved.', outcome.keyPairName)
      : vscode.l10n.t('Key pair "{0}" is created.', outcome.keyPairName);
  } else if (server && !server.publicIpAddress) {
    headline = vscode.l10n.t('Key pair "{0}" is ready. Restart {1} for the key to take effect. It has no public IP address yet, so its SSH host has none to connect to: once it has one, use Connect with Remote-SSH on it in the SWAS sidebar, which fills it in.', outcome.keyPairName, server.instanceName);
  } else if (server && canApplyNow) {
    headline = vscode.l10n.t('Key pair "{0}" is ready. Apply it on {1} now with Cloud Assistant (no restart), or restart {1}; then connect.', outcome.keyPairName, server.instanceName);
  } else if (server) {
    headline = vscode.l10n.t('Key pair "{0}" is ready. Restart {1} for the key to take effect, then connect.', outcome.keyPairName, server.instanceName);
  } else {
    headline = vscode.l10n.t('Key pair "{0}" is ready. Attach it to a server from the SWAS sidebar to use it.', outcome.keyPairName);
  }
  const text = [headline, ...warnings].join(' ');

  const restart = vscode.l10n.t('Restart');
  const connect = vscode.l10n.t('Connect');
  const openConfig = vscode.l10n.t('Open SSH Config');
  const reveal = vscode.l10n.t('Reveal Key File');
  const applyNow = vscode.l10n.t('Apply Now');
  // Before the key works on the server, Connect would only fail: after Apply Now, its report offers Connect.
  const buttons = canApplyNow ? [applyNow, restart] : [...(server ? [restart] : []), ...(outcome.alias && server?.publicIpAddress ? [connect] : [])];
  const items = [
    ...(outcome.configPath && outcome.alias ? [{ label: openConfig, detail: [vscode.l10n.t('SSH host {0} in {1}.', outcome.alias, outcome.configPath), ...notes.config].join(' ') }] : []),
    ...(outcome.privateKeyPath ? [{ label: reveal, detail: [`${outcome.privateKeyPath}${machine}${outcome.fingerprint ? ` · ${outcome.fingerprint}` : ''}`, ...notes.key].join(' ') }] : []),
  ];
  const choice = await messageWithMore(prompter, warnings.length > 0 ? 'warning' : 'info', text, buttons, {
    title: vscode.l10n.t('Key pair "{0}" created', outcome.keyPairName),
    items,
  });
  if (choice === applyNow) {
    await applyTo();
  } else if (choice === restart && outcome.server) {
    await runCommand('swas.restartServer', { regionId: outcome.regionId, instance: outcome.server });
  } else if (choice === connect && outcome.alias) {
    await runCommand('swas.connectWithRemoteSsh', { alias: outcome.alias, needsRestart: attached });
  } else if (choice === openConfig && outcome.configPath) {
    await vscode.window.showTextDocument(vscode.Uri.file(outcome.configPath));
  } else if (choice === reveal && outcome.privateKeyPath) {
    await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(outcome.privateKeyPath));
  }
}

export function registerCreateKeyPair(services: Services): vscode.Disposable {
  return registerSwasCommand(services, 'swas.createKeyPair', (args?) => createKeyPair(services, args));
}

