import * as vscode from 'vscode';
import { registerSwasCommand, runCommand } from '../commandRegistry';
import type { Instance } from '../cloud/client';
import { osFamily } from '../cloud/regionList';
import type { Services } from '../services';
import { callWithRetry } from '../ui/showCloudError';
import type { ServerArgs } from '../commandArgs';
import { localPrivateKey, readSshConfig, sshPaths } from '../local/machine';
import { pinBeforeFirstConnection } from '../operations/trustHostKey';
import { writeKeyPairBlock } from '../local/keyPairBlocks';
import { clientOrExplain, pickRegion, pickServer } from '../ui/pickers';
import { dropStaleEntries } from '../ui/staleEntries';
import { readSettings } from '../settings';

export type ConnectServerOutcome =
  | { kind: 'connecting'; alias: string; keyPairName: string }
  | { kind: 'windows' | 'unknownOs' | 'noPublicIp' | 'noKeyPair' | 'keyNotLocal' | 'configProblem' | 'restartPending' }
  /** The address answered with another host key than the server's own (read through Cloud Assistant): no hand-off. */
  | { kind: 'hostKeyMismatch' };

/**
 * SWAS: Connect with Remote-SSH (server). Makes sure our SSH config has an entry for this server
 * with the key pair attached to it, when that private key is on this machine, and none under a key
 * pair it no longer uses; otherwise says what to do instead. Before a first connection it pins the host keys the
 * server prints through Cloud Assistant, where the user has allowed its scripts.
 */
export async function connectServer(services: Services, args?: ServerArgs): Promise<ConnectServerOutcome | undefined> {
  const { prompter } = services;
  const title = vscode.l10n.t('Connect with Remote-SSH');
  const client = await clientOrExplain(services);
  if (!client) {
    return undefined;
  }
  let regionId = args?.regionId;
  let instance: Instance | undefined = args?.instance;
  if (!regionId || !instance) {
    regionId = await pickRegion(services, title);
    instance = regionId ? await pickServer(services, client, regionId, title, true) : undefined;
    if (!regionId || !instance) {
      return undefined;
    }
  }
  const region = regionId;
  const server = instance;
  const os = osFamily(server.osType);
  if (os === 'windows') {
    void prompter.message('info', vscode.l10n.t('{0} runs Windows: key pairs and Remote-SSH with a key are for Linux servers. Use Remote Desktop instead.', server.instanceName));
    return { kind: 'windows' };
  }
  if (os === 'unknown') {
    void prompter.message('info', vscode.l10n.t('Alibaba Cloud did not say which OS {0} runs: key pairs and Remote-SSH with a key are for Linux servers.', server.instanceName));
    return { kind: 'unknownOs' };
  }
  if (!server.publicIpAddress) {
    void prompter.message('info', vscode.l10n.t('{0} has no public IP address, so it cannot be reached from here.', server.instanceName));
    return { kind: 'noPublicIp' };
  }

  const lookedUp = await callWithRetry(services, region, () =>
    prompter.progress(vscode.l10n.t('Checking the key pair of {0}…', server.instanceName), async () => {
      const described = await client.describeInstanceKeyPair(region, server.instanceId);
      return { keyPair: described.keyPairName ? (await client.listKeyPairs(region, described.keyPairName)).find((k) => k.keyPairName === described.keyPairName) : undefined };
    }),
  );
  if (!lookedUp) {
    services.log.warn(`Key pair of ${server.instanceId} could not be looked up.`);
    return undefined;
  }
  const { keyPair } = lookedUp;
  const settings = readSettings();
  const paths = sshPaths(settings);
  const config = await readSshConfig(paths);
  const stale = await dropStaleEntries(services, paths, region, server, keyPair?.keyPairName);
  if (stale.sentences.length > 0) {
    void prompter.message(stale.failed ? 'warning' : 'info', stale.sentences.join(' '));
  }
  if (!keyPair) {
    const attach = vscode.l10n.t('Create Key Pair');
    const choice = await prompter.message(
      'info',
      vscode.l10n.t('No key pair is attached to {0}. Create one for it (or attach an existing one from the Key Pairs list), restart the server, then connect.', server.instanceName),
      attach,
    );
    if (choice === attach) {
      void runCommand('swas.createKeyPair', { regionId: region });
    }
    return { kind: 'noKeyPair' };
  }
  const privateKey = await localPrivateKey(paths, config, services.writtenKeyFiles, region, keyPair);
  if (!privateKey) {
    void prompter.message(
      'warning',
      vscode.l10n.t(
        '{0} uses key pair "{1}", whose private key is not on this machine (looked in {2} and the SSH config). Copy that key into {2} as {1}.pem, or attach a key pair whose key is here and restart the server.',
        server.instanceName,
        keyPair.keyPairName,
        paths.keyDirectory,
      ),
    );
    return { kind: 'keyNotLocal' };
  }
  // An attach made here takes effect only at the server's next restart (docs/swas-api.md, "Restart rule"): say so
  // before a login that would be refused.
  const pending = services.pendingRestarts.get(region, server.instanceId);
  if (pending?.keyPairName === keyPair.keyPairName) {
    const restart = vscode.l10n.t('Restart');
    const connectAnyway = vscode.l10n.t('Connect Anyway');
    const choice = await prompter.message(
      'warning',
      vscode.l10n.t('{0} has not restarted since key pair "{1}" was attached to it here: the key works only after a restart.', server.instanceName, keyPair.keyPairName),
      restart,
      connectAnyway,
    );
    if (choice === restart) {
      await runCommand('swas.restartServer', { regionId: region, instance: server });
    }
    if (choice !== connectAnyway) {
      return { kind: 'restartPending' };
    }
  }
  const written = await writeKeyPairBlock(services, paths, { regionId: region, keyPairName: keyPair.keyPairName, privateKeyPath: privateKey, user: settings.defaultUser, servers: [server] });
  if ('problem' in written) {
    void prompter.message('error', written.problem);
    return { kind: 'configProblem' };
  }
  services.notifyChanged(region);
  const alias = written.aliases.get(server.instanceId)!;
  if (!(await pinBeforeFirstConnection(services, { client, regionId: region }, server, alias, paths.remoteSshConfigFile))) {
    return { kind: 'hostKeyMismatch' };
  }
  await runCommand('swas.connectWithRemoteSsh', { alias });
  return { kind: 'connecting', alias, keyPairName: keyPair.keyPairName };
}

export function registerConnectServer(services: Services): vscode.Disposable {
  return registerSwasCommand(services, 'swas.connectServer', (args?) => connectServer(services, args));
}
