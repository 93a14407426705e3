import * as vscode from 'vscode';
import type { Instance } from '../cloud/client';
import type { Services } from '../services';
import { addKnownHosts, knownHostsName, scanHostKeys, sshTarget } from '../ssh/loginCheck';

/** What ssh gets for the TCP connection; the whole check is bounded in loginCheck.ts. */
export const CONNECT_TIMEOUT_SECONDS = 10;

/**
 * A first connection: reads the server's host key, shows its fingerprint and adds it to known_hosts
 * only when the user trusts it (as Remote-SSH asks). Resolves to whether it was added.
 */
export async function trustHostKey(services: Services, instance: Instance, alias: string, configFile: string | undefined): Promise<boolean> {
  const { prompter } = services;
  const where = await sshTarget(alias, configFile);
  const name = knownHostsName(where.hostName, where.port);
  const scanned = await prompter.progress(vscode.l10n.t('Reading the host key of {0}…', name), () => scanHostKeys(where.hostName, where.port, where.hashKnownHosts, CONNECT_TIMEOUT_SECONDS));
  if (scanned.lines.length === 0) {
    void prompter.message('error', vscode.l10n.t('{0} ({1}) is not known yet, and its host key could not be read. Test again in a moment.', instance.instanceName, name));
    return false;
  }
  const accept = vscode.l10n.t('Trust and Continue');
  const choice = await prompter.confirm(
    vscode.l10n.t('First connection to {0} ({1}): trust its host key?', instance.instanceName, name),
    vscode.l10n.t(
      'Fingerprint: {0}. To be sure it is your server, compare it with the output of ssh-keygen -lf on its host key (remote connection in the Simple Application Server console). Trusting adds it to {1}.',
      scanned.fingerprints.join(', '),
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
