import * as vscode from 'vscode';
import type { Instance, KeyPair, SwasClient } from '../cloud/client';
import { toCloudError } from '../cloud/errors';
import { checkKeyPairName, KEY_PAIR_NAME_MAX, KEY_PAIR_QUOTA } from '../cloud/keyPairName';
import { RegionCache } from '../cloud/regionCache';
import { supportsKeyPairs } from '../cloud/regionList';
import type { Services } from '../services';
import { allRegions, regionDescription } from './pickers';
import { BACK, PickItem } from './prompter';
import { showCloudError } from './showCloudError';
import { keyPairNameProblemMessage } from './validation';

/**
 * The questions of SWAS: Create Key Pair, region → name → server (optional), with Back. The
 * state survives a round trip to the API: a name the service refuses brings the name step back.
 */

type Step = 'region' | 'name' | 'server';
type Next = Step | 'done' | 'cancel';
const SKIP = Symbol('skip');

/** The region already holds the most key pairs it can: the flow stops before asking a name. */
class QuotaReached extends Error {}

export interface CreateInput {
  regionId?: string;
  keyPairName: string;
  server?: Instance;
  /** Shown on the name step when it opens (the service said the name is taken). */
  nameError?: string;
  /** The region's key pairs as the name step listed them. */
  keyPairs: KeyPair[];
  instances: Promise<Instance[]>;
  step: Step;
}

export interface CreateInputContext {
  services: Services;
  client: SwasClient;
  title: string;
  /** Offered first after the last used region. */
  defaultRegion?: string;
  regionFixed: boolean;
}

export function newCreateInput(regionId: string | undefined): CreateInput {
  return { regionId, keyPairName: '', keyPairs: [], instances: Promise.resolve([]), step: regionId === undefined ? 'region' : 'name' };
}

/** Asks from `input.step` on until every step is answered (true) or the user cancels (false). */
export async function askCreateInput(context: CreateInputContext, input: CreateInput): Promise<boolean> {
  for (;;) {
    const next = input.step === 'region' ? await regionStep(context, input) : input.step === 'name' ? await nameStep(context, input) : await serverStep(context, input);
    if (next === 'done') {
      return true;
    }
    if (next === 'cancel') {
      return false;
    }
    input.step = next;
  }
}

function stepNumbers(context: CreateInputContext): { totalSteps: number; offset: number } {
  return context.regionFixed ? { totalSteps: 2, offset: 0 } : { totalSteps: 3, offset: 1 };
}

async function regionStep(context: CreateInputContext, input: CreateInput): Promise<Next> {
  const { services } = context;
  const items = allRegions(services, context.client).then((regions) =>
    RegionCache.order(regions, services.regionCache.lastRegion(), context.defaultRegion).map((r) => ({ label: r.regionId, description: regionDescription(r), value: r.regionId })),
  );
  const picked = await services.prompter.quickPick<string>({
    title: context.title,
    step: 1,
    totalSteps: stepNumbers(context).totalSteps,
    placeholder: vscode.l10n.t('Region for the key pair (type to filter, e.g. cn-hangzhou)'),
    items,
    active: input.regionId,
  });
  if (picked === undefined || picked === BACK) {
    return 'cancel';
  }
  if (picked !== input.regionId) {
    input.keyPairName = '';
  }
  input.regionId = picked;
  return 'name';
}

async function nameStep(context: CreateInputContext, input: CreateInput): Promise<Next> {
  const { services, client } = context;
  const { totalSteps, offset } = stepNumbers(context);
  const region = input.regionId!;
  // Started now so the server list is ready when the name is.
  input.instances = client.listInstances(region);
  input.instances.catch(() => undefined);
  let taken = new Set<string>();
  // The name box opens at once and waits, busy, for the names in use (no toast between steps).
  const prompt = client.listKeyPairs(region).then((listed) => {
    input.keyPairs = listed;
    if (listed.length >= KEY_PAIR_QUOTA) {
      throw new QuotaReached();
    }
    taken = new Set(listed.map((k) => k.keyPairName));
    return vscode.l10n.t('Name of the new key pair. {0} of {1} key pairs used in {2}.', listed.length, KEY_PAIR_QUOTA, region);
  });
  let name: string | typeof BACK | undefined;
  try {
    name = await services.prompter.inputBox({
      title: context.title,
      step: offset + 1,
      totalSteps,
      prompt,
      placeholder: vscode.l10n.t('2–{0} characters: a letter or Chinese character first, then letters, digits, ":", "_" or "-"', KEY_PAIR_NAME_MAX),
      value: input.keyPairName,
      initialError: input.nameError,
      validate: (value) => {
        const problem = checkKeyPairName(value);
        if (problem) {
          return keyPairNameProblemMessage(problem);
        }
        return taken.has(value) ? vscode.l10n.t('A key pair named "{0}" already exists in {1}.', value, region) : undefined;
      },
    });
  } catch (error) {
    if (error instanceof QuotaReached) {
      await services.prompter.message(
        'error',
        vscode.l10n.t('{0} of {1} key pairs are used in {2}: the limit is reached. Delete a key pair you no longer use (SWAS sidebar or console), then try again.', input.keyPairs.length, KEY_PAIR_QUOTA, region),
      );
    } else {
      await showCloudError(services, error, region);
    }
    return 'cancel';
  }
  input.nameError = undefined;
  if (name === undefined) {
    return 'cancel';
  }
  if (name === BACK) {
    return 'region';
  }
  input.keyPairName = name;
  return 'server';
}

function serverItem(instance: Instance, keyPairs: KeyPair[]): PickItem<Instance> {
  const current = keyPairs.find((k) => k.instanceIds.includes(instance.instanceId));
  return {
    label: instance.instanceName,
    description: [instance.publicIpAddress ?? vscode.l10n.t('no public IP'), instance.status].join(' · '),
    detail: current
      ? vscode.l10n.t('{0} · uses key pair "{1}" now (attaching replaces it)', instance.instanceId, current.keyPairName)
      : instance.instanceId,
    value: instance,
  };
}

async function serverStep(context: CreateInputContext, input: CreateInput): Promise<Next> {
  const { services } = context;
  const region = input.regionId!;
  let linuxServers: Instance[] = [];
  try {
    linuxServers = (await input.instances).filter((i) => supportsKeyPairs(i.osType));
  } catch (error) {
    services.log.warn(`ListInstances ${region} failed (${toCloudError(error, 'ListInstances').kind}); continuing without choosing a server.`);
  }
  input.server = undefined;
  if (linuxServers.length === 0) {
    return 'done';
  }
  const skipItem: PickItem<Instance | typeof SKIP> = {
    label: vscode.l10n.t('Skip'),
    description: vscode.l10n.t('Do not attach the key pair to a server now'),
    value: SKIP,
  };
  const picked = await services.prompter.quickPick<Instance | typeof SKIP>({
    title: context.title,
    step: stepNumbers(context).offset + 2,
    totalSteps: stepNumbers(context).totalSteps,
    placeholder: vscode.l10n.t('Server that will use the key pair (attaching needs a restart to take effect)'),
    items: [skipItem, ...linuxServers.map((i) => serverItem(i, input.keyPairs))],
  });
  if (picked === undefined) {
    return 'cancel';
  }
  if (picked === BACK) {
    return 'name';
  }
  input.server = picked === SKIP ? undefined : picked;
  return 'done';
}
