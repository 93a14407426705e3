import * as vscode from 'vscode';
import type { Instance, KeyPair, SwasClient } from '../cloud/client';
import { CredentialsError, ResolvedCredentials } from '../cloud/credentials';
import { toCloudError } from '../cloud/errors';
import { KNOWN_REGIONS, Region } from '../cloud/regions';
import { supportsKeyPairs } from '../cloud/regionList';
import { shownRegions } from '../local/machine';
import type { KeyPairArgs } from '../commandArgs';
import type { Services } from '../services';
import { ACTION_SIGN_IN, describeCredentialsError } from './errorMessages';
import { BACK } from './prompter';
import { showCloudError } from './showCloudError';

/** Shared by the commands: what they need, asked for when a palette call did not pass it. */

/** The credentials, or undefined after telling the user none were found (with Sign In). */
export async function credentialsOrExplain(services: Services): Promise<ResolvedCredentials | undefined> {
  try {
    return await services.credentials();
  } catch (error) {
    if (!(error instanceof CredentialsError)) {
      throw error;
    }
    const message = describeCredentialsError(error);
    if ((await services.prompter.message('error', message.text, ...message.actions)) === ACTION_SIGN_IN()) {
      void vscode.commands.executeCommand('swas.signIn');
    }
    return undefined;
  }
}

export async function clientOrExplain(services: Services): Promise<SwasClient | undefined> {
  const credentials = await credentialsOrExplain(services);
  return credentials && services.client(credentials);
}

/** ListRegions through the shared cache; the built-in list when the service cannot be asked. */
export async function allRegions(services: Services, client: SwasClient): Promise<Region[]> {
  const cached = services.regionCache.fresh(vscode.env.language);
  if (cached) {
    return cached;
  }
  try {
    const regions = await client.listRegions();
    if (regions.length > 0) {
      await services.regionCache.store(vscode.env.language, regions);
      return regions;
    }
    services.log.warn('ListRegions returned no regions; offering the built-in list.');
  } catch (error) {
    services.log.warn(`ListRegions failed (${toCloudError(error, 'ListRegions').kind}); offering the built-in list.`);
  }
  return [...KNOWN_REGIONS];
}

export async function pickRegion(services: Services, title: string): Promise<string | undefined> {
  const shown = await shownRegions(services);
  const items = shown.map((regionId) => ({ label: regionId, value: regionId }));
  const picked =
    items.length === 1
      ? items[0].value
      : await services.prompter.quickPick<string>({ title, step: 1, totalSteps: 1, placeholder: vscode.l10n.t('Region'), items });
  return picked === BACK ? undefined : picked;
}

/** Lists the region's key pairs, showing the error when that fails. */
export async function listKeyPairsOrExplain(services: Services, client: SwasClient, regionId: string): Promise<KeyPair[] | undefined> {
  try {
    return await services.prompter.progress(vscode.l10n.t('Loading key pairs in {0}…', regionId), () => client.listKeyPairs(regionId));
  } catch (error) {
    await showCloudError(services, error, regionId);
    return undefined;
  }
}

export async function listInstancesOrExplain(services: Services, client: SwasClient, regionId: string): Promise<Instance[] | undefined> {
  try {
    return await services.prompter.progress(vscode.l10n.t('Loading servers in {0}…', regionId), () => client.listInstances(regionId));
  } catch (error) {
    await showCloudError(services, error, regionId);
    return undefined;
  }
}

export async function pickKeyPair(services: Services, client: SwasClient, regionId: string, title: string): Promise<KeyPair | undefined> {
  const keyPairs = await listKeyPairsOrExplain(services, client, regionId);
  if (!keyPairs) {
    return undefined;
  }
  if (keyPairs.length === 0) {
    void services.prompter.message('info', vscode.l10n.t('There are no key pairs in {0}.', regionId));
    return undefined;
  }
  const picked = await services.prompter.quickPick<KeyPair>({
    title,
    step: 1,
    totalSteps: 1,
    placeholder: vscode.l10n.t('Key pair in {0}', regionId),
    items: keyPairs.map((k) => ({ label: k.keyPairName, description: k.creationTime, value: k })),
  });
  return picked === BACK ? undefined : picked;
}

export async function pickServer(services: Services, client: SwasClient, regionId: string, title: string, linuxOnly: boolean): Promise<Instance | undefined> {
  const instances = await listInstancesOrExplain(services, client, regionId);
  if (!instances) {
    return undefined;
  }
  const offered = instances.filter((i) => !linuxOnly || supportsKeyPairs(i.osType));
  if (offered.length === 0) {
    void services.prompter.message('info', vscode.l10n.t('There are no servers in {0}.', regionId));
    return undefined;
  }
  const picked = await services.prompter.quickPick<Instance>({
    title,
    step: 1,
    totalSteps: 1,
    placeholder: vscode.l10n.t('Server in {0}', regionId),
    items: offered.map((i) => ({ label: i.instanceName, description: [i.publicIpAddress ?? '', i.status].join(' · '), detail: i.instanceId, value: i })),
  });
  return picked === BACK ? undefined : picked;
}

/** Asks for the region and key pair when the palette did not pass a key pair node. */
export async function keyPairTarget(services: Services, args: KeyPairArgs | undefined, title: string): Promise<KeyPairArgs | undefined> {
  if (args) {
    return args;
  }
  const regionId = await pickRegion(services, title);
  const client = regionId && (await clientOrExplain(services));
  const keyPair = regionId && client ? await pickKeyPair(services, client, regionId, title) : undefined;
  return regionId && keyPair ? { regionId, keyPair } : undefined;
}
