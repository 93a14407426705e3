import * as vscode from 'vscode';
import { runCommand } from '../commandRegistry';
import type { Instance, KeyPair, SwasClient } from '../cloud/client';
import { CredentialsError, ResolvedCredentials } from '../cloud/credentials';
import { toCloudError } from '../cloud/errors';
import { KNOWN_REGIONS, Region } from '../cloud/regions';
import { supportsKeyPairs } from '../cloud/regionList';
import { shownRegions } from '../local/machine';
import type { KeyPairArgs } from '../commandArgs';
import type { Services } from '../services';
import { ACTION_SIGN_IN, describeCredentialsError } from './errorMessages';
import { BACK, PickItem } from './prompter';
import { checkedSettings } from './settingsCheck';
import { callWithRetry } from './showCloudError';

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
      void runCommand('swas.signIn');
    }
    return undefined;
  }
}

/** The API client for a command, once the settings are checked and credentials found (else the user was told why). */
export async function clientOrExplain(services: Services): Promise<SwasClient | undefined> {
  const credentials = (await checkedSettings(services)) && (await credentialsOrExplain(services));
  return credentials && services.client(credentials);
}

/** A region's picker description: its name, and whether it is being shut down. */
export function regionDescription(region: Region): string {
  return region.shuttingDown ? vscode.l10n.t('{0} · being shut down', region.localName) : region.localName;
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

/** A list the region's command needs, behind a progress notification; undefined after showing why it failed. */
async function listOrExplain<T>(services: Services, regionId: string, progressTitle: string, list: () => Promise<T[]>): Promise<T[] | undefined> {
  return callWithRetry(services, regionId, () => services.prompter.progress(progressTitle, list));
}

export function listKeyPairsOrExplain(services: Services, client: SwasClient, regionId: string): Promise<KeyPair[] | undefined> {
  return listOrExplain(services, regionId, vscode.l10n.t('Loading key pairs in {0}…', regionId), () => client.listKeyPairs(regionId));
}

export function listInstancesOrExplain(services: Services, client: SwasClient, regionId: string): Promise<Instance[] | undefined> {
  return listOrExplain(services, regionId, vscode.l10n.t('Loading servers in {0}…', regionId), () => client.listInstances(regionId));
}

/** One item of a region's list, or undefined (nothing to choose from is said, not asked). */
async function pickOne<T>(services: Services, title: string, offered: PickItem<T>[] | undefined, placeholder: string, noneText: string): Promise<T | undefined> {
  if (!offered) {
    return undefined;
  }
  if (offered.length === 0) {
    void services.prompter.message('info', noneText);
    return undefined;
  }
  const picked = await services.prompter.quickPick<T>({ title, step: 1, totalSteps: 1, placeholder, items: offered });
  return picked === BACK ? undefined : picked;
}

export async function pickKeyPair(services: Services, client: SwasClient, regionId: string, title: string): Promise<KeyPair | undefined> {
  const keyPairs = await listKeyPairsOrExplain(services, client, regionId);
  return pickOne(
    services,
    title,
    keyPairs?.map((k) => ({ label: k.keyPairName, description: k.creationTime, value: k })),
    vscode.l10n.t('Key pair in {0}', regionId),
    vscode.l10n.t('There are no key pairs in {0}.', regionId),
  );
}

export async function pickServer(services: Services, client: SwasClient, regionId: string, title: string, linuxOnly: boolean): Promise<Instance | undefined> {
  const instances = await listInstancesOrExplain(services, client, regionId);
  return pickOne(
    services,
    title,
    instances
      ?.filter((i) => !linuxOnly || supportsKeyPairs(i.osType))
      .map((i) => ({ label: i.instanceName, description: [i.publicIpAddress ?? '', i.status].join(' · '), detail: i.instanceId, value: i })),
    vscode.l10n.t('Server in {0}', regionId),
    vscode.l10n.t('There are no servers in {0}.', regionId),
  );
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
