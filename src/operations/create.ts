import { randomUUID } from 'crypto';
import * as vscode from 'vscode';
import { MissingPrivateKeyError, type KeyPair, type SwasClient } from '../cloud/client';
import { ClientToken } from '../cloud/clientToken';
import { toCloudError } from '../cloud/errors';
import { KEY_PAIR_QUOTA } from '../cloud/keyPairName';
import type { Services } from '../services';
import { showCloudError } from '../ui/showCloudError';

/**
 * One CreateKeyPair per ClientToken, by the rule of src/cloud/clientToken.ts: a transient failure is
 * retried with the same token, so it cannot create a second pair; a refusal the user then fixes (RAM
 * permission, quota) makes Retry a new request with a new token.
 */
export async function callCreate(services: Services, client: SwasClient, region: string, keyPairName: string): Promise<string | 'nameTaken' | undefined> {
  const clientToken = new ClientToken();
  // A try that ended without a usable answer may have created the pair: a later "name exists" may be ours.
  let answerLost = false;
  for (;;) {
    try {
      const created = await services.prompter.progress(vscode.l10n.t('Creating key pair "{0}" in {1}…', keyPairName, region), () =>
        client.createKeyPair(region, keyPairName, clientToken.value, () => (answerLost = true)),
      );
      return created.privateKeyBody;
    } catch (raw) {
      const error = toCloudError(raw, 'CreateKeyPair');
      const keyWithheld = raw instanceof MissingPrivateKeyError;
      if (keyWithheld || (error.kind === 'nameExists' && answerLost)) {
        const recovered = await recoverOwnOrphan(services, client, region, keyPairName);
        if (recovered === 'recreate') {
          clientToken.renew();
          answerLost = false;
          continue;
        }
        if (recovered === 'stop') {
          return undefined;
        }
      }
      if (error.kind === 'nameExists') {
        return 'nameTaken';
      }
      if ((await showCloudError(services, error, region, { offerRetry: true })) !== 'retry') {
        return undefined;
      }
      // a lost answer means this token may have created the pair, whatever the last try's error
      if (!answerLost) {
        clientToken.beforeRetryAfter(raw);
      }
    }
  }
}

/**
 * The replay of a CreateKeyPair whose answer was lost may not carry the private key (the docs only
 * promise "the same result"): the pair exists, nobody has its key, and it takes one of the region's
 * slots. It is this flow's own when the name was free when chosen (checked against ListKeyPairs)
 * and it has no server. The user is told and can delete it and create it again with a fresh token.
 */
async function recoverOwnOrphan(services: Services, client: SwasClient, region: string, keyPairName: string): Promise<'recreate' | 'stop' | 'notOurs'> {
  const { prompter, log } = services;
  let orphan: KeyPair | undefined;
  try {
    orphan = (await client.listKeyPairs(region, keyPairName)).find((k) => k.keyPairName === keyPairName && k.instanceIds.length === 0);
  } catch (error) {
    await showCloudError(services, error, region);
    return 'stop';
  }
  if (!orphan) {
    return 'notOurs';
  }
  log.warn(`CreateKeyPair ${region}: "${keyPairName}" exists but its private key never arrived (the answer was lost and the replay did not resend it).`);
  services.notifyChanged(region);
  const recreate = vscode.l10n.t('Delete and Create Again');
  const choice = await prompter.message(
    'error',
    vscode.l10n.t('Key pair "{0}" was created in {1}, but its private key was lost on the way and Alibaba Cloud does not send it again. Delete this key pair and create it again?', keyPairName, region),
    recreate,
  );
  if (choice !== recreate) {
    void prompter.message(
      'warning',
      vscode.l10n.t('Key pair "{0}" is left in {1} without its private key and takes one of the {2} key pair slots there. Delete it from the SWAS sidebar when you no longer need it.', keyPairName, region, KEY_PAIR_QUOTA),
    );
    return 'stop';
  }
  try {
    await prompter.progress(vscode.l10n.t('Deleting "{0}"…', keyPairName), () => client.deleteKeyPairs(region, [keyPairName], randomUUID()));
  } catch (error) {
    await showCloudError(services, error, region);
    return 'stop';
  }
  log.info(`CreateKeyPair ${region}: deleted the key pair "${keyPairName}" whose private key was lost; creating it again with a new ClientToken.`);
  return 'recreate';
}
