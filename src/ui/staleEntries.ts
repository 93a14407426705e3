import * as vscode from 'vscode';
import type { SshPaths } from '../local/machine';
import { removeEntriesUnderOtherKeyPairs } from '../local/keyPairBlocks';
import type { Services } from '../services';

/**
 * Removes the server's Host entries under key pairs it no longer uses, `current` being the one the
 * cloud reports now (undefined: none), e.g. after a change in the console. Returns what went and
 * what could not be changed, in sentences for the command's message; none when nothing was stale.
 */
export async function dropStaleEntries(
  services: Services,
  paths: SshPaths,
  regionId: string,
  server: { instanceId: string; instanceName: string },
  current: string | undefined,
): Promise<{ sentences: string[]; failed: boolean }> {
  const { removed, problems } = await removeEntriesUnderOtherKeyPairs(services, paths, regionId, current, [server.instanceId]);
  if (removed.length > 0) {
    services.notifyChanged(regionId);
  }
  const sentences = removed.map(({ keyPairName, aliases }) =>
    current
      ? vscode.l10n.t('{0} now uses key pair "{1}", not "{2}": {3}, which logs in with the key of "{2}", was removed from {4}.', server.instanceName, current, keyPairName, aliases.join(', '), paths.configPath)
      : vscode.l10n.t('{0} has no key pair now, not "{1}": {2}, which logs in with the key of "{1}", was removed from {3}.', server.instanceName, keyPairName, aliases.join(', '), paths.configPath),
  );
  return { sentences: [...sentences, ...problems], failed: problems.length > 0 };
}
