import { randomUUID } from 'crypto';
import { registerSwasCommand, runCommand } from '../commandRegistry';
import * as vscode from 'vscode';
import type { Instance, SwasClient } from '../cloud/client';
import { allowsTcpPort, type FirewallRule } from '../cloud/firewall';
import type { Services } from '../services';
import { CONNECT_TIMEOUT_SECONDS, trustHostKey } from '../operations/trustHostKey';
import { checkLogin, knownHostsName, sshTarget } from '../ssh/loginCheck';
import { removeFromKnownHosts } from '../ssh/knownHosts';
import type { SshDiagnosis } from '../ssh/sshDiagnosis';
import type { ManagedBlock } from '../ssh/sshConfig';
import { showCloudError } from '../ui/showCloudError';
import type { ServerArgs } from '../commandArgs';
import { readSshConfig, sshPaths } from '../local/machine';
import { readSettings } from '../settings';
import { listManagedBlocks } from '../ssh/sshConfig';
import { clientOrExplain, pickRegion, pickServer } from '../ui/pickers';
import { dropStaleEntries } from '../ui/staleEntries';

/** A fix (host key accepted, old key removed) is followed by one more check, not a loop. */
const MAX_FOLLOW_UPS = 2;

export type LoginCheckOutcome =
  | { kind: 'noEntry' }
  /** The entry was for a key pair the server no longer uses: removed, not tested. */
  | { kind: 'staleEntry'; alias: string; keyPairName?: string }
  | {
      kind: SshDiagnosis['kind'];
      alias: string;
      /** For permissionDenied: why, as far as the extension can tell. */
      cause?: 'restartPending' | 'keyRefused';
      /** The outcome of the check run again after a fix the user accepted. */
      after?: LoginCheckOutcome;
    };

interface Target {
  regionId: string;
  instance: Instance;
  alias: string;
  block: ManagedBlock;
  client: SwasClient;
  /** remote.SSH.configFile (ssh -F), or undefined for plain ssh. */
  configFile: string | undefined;
}

/**
 * SWAS: Test SSH Connection. Runs the real ssh in batch mode with this server's managed alias and
 * turns what it says into a diagnosis with the next step: firewall, pending restart, other key
 * pair, changed or unknown host key.
 */
export async function testSshConnection(services: Services, args?: ServerArgs, followUps = 0): Promise<LoginCheckOutcome | undefined> {
  const { prompter } = services;
  let regionId = args?.regionId;
  let instance = args?.instance;
  if (!regionId || !instance) {
    const title = vscode.l10n.t('Test SSH Connection');
    regionId = await pickRegion(services, title);
    const client = regionId && (await clientOrExplain(services));
    instance = regionId && client ? await pickServer(services, client, regionId, title, true) : undefined;
    if (!regionId || !instance) {
      return undefined;
    }
  }
  const server = instance;
  const paths = sshPaths(readSettings());
  const block = managedBlocksIn((await readSshConfig(paths)).text).find((b) => b.region === regionId && b.hosts.some((h) => h.instanceId === server.instanceId));
  const alias = block?.hosts.find((h) => h.instanceId === server.instanceId)?.alias;
  if (!block || !alias) {
    const connect = vscode.l10n.t('Connect to Server with Remote-SSH');
    const choice = await prompter.message(
      'info',
      vscode.l10n.t('{0} has no SSH host in {1} yet. Connect to it once (that writes the host entry when its key pair\'s private key is here), then test again.', server.instanceName, paths.configPath),
      connect,
    );
    if (choice === connect) {
      await runCommand('swas.connectServer', { regionId, instance: server });
    }
    return { kind: 'noEntry' };
  }
  // The entry may predate a change of the server's key pair elsewhere (console, another machine):
  // testing it would test a key the server no longer trusts.
  const client = await clientOrExplain(services);
  if (!client) {
    return undefined;
  }
  const region = regionId;
  let current: string | undefined;
  try {
    current = (await prompter.progress(vscode.l10n.t('Checking the key pair of {0}…', server.instanceName), () => client.describeInstanceKeyPair(region, server.instanceId))).keyPairName;
  } catch (error) {
    await showCloudError(services, error, regionId);
    return undefined;
  }
  if (current !== block.keyPairName) {
    const stale = await dropStaleEntries(services, paths, regionId, server, current);
    const connect = vscode.l10n.t('Connect to Server with Remote-SSH');
    const next = current
      ? vscode.l10n.t('Connect to the server once: that writes its SSH host for "{0}" when the private key of "{0}" is on this machine. Then test again.', current)
      : vscode.l10n.t('Attach a key pair whose private key is on this machine to {0}, restart it, then test again.', server.instanceName);
    const choice = await prompter.message('warning', [...stale.sentences, next].join(' '), ...(current ? [connect] : []));
    if (choice === connect) {
      await runCommand('swas.connectServer', { regionId, instance: server });
    }
    return { kind: 'staleEntry', alias, keyPairName: current };
  }
  const target: Target = { regionId, instance: server, alias, block, client, configFile: paths.remoteSshConfigFile };
  const { diagnosis, stderr } = await prompter.progress(vscode.l10n.t('Testing the SSH connection to {0} ({1})…', server.instanceName, alias), () =>
    checkLogin(alias, { configFile: paths.remoteSshConfigFile, connectTimeoutSeconds: CONNECT_TIMEOUT_SECONDS }),
  );
  services.log.info(`Login check ${alias}: ${diagnosis.kind}${stderr.trim() ? ` (ssh: ${stderr.trim().split(/\r?\n/).slice(-2).join(' | ')})` : ''}`);
  const again = async (): Promise<LoginCheckOutcome | undefined> =>
    followUps < MAX_FOLLOW_UPS ? testSshConnection(services, { regionId: target.regionId, instance: server }, followUps + 1) : undefined;

  switch (diagnosis.kind) {
    case 'ok': {
      const connect = vscode.l10n.t('Connect with Remote-SSH');
      const choice = await prompter.message('info', vscode.l10n.t('SSH login to {0} works ({1}, user {2}).', server.instanceName, alias, block.user), connect);
      if (choice === connect) {
        await runCommand('swas.connectWithRemoteSsh', { alias });
      }
      return { kind: 'ok', alias };
    }
    case 'refused':
    case 'timeout':
      return { kind: diagnosis.kind, alias, after: await explainNoAnswer(services, target, diagnosis, again) };
    case 'permissionDenied':
      return { kind: 'permissionDenied', alias, cause: await explainDenied(services, target) };
    case 'hostKeyChanged':
      return { kind: 'hostKeyChanged', alias, after: await explainChangedHostKey(services, target, diagnosis, again) };
    case 'hostKeyUnknown':
      return { kind: 'hostKeyUnknown', alias, after: await offerHostKey(services, target, again) };
    default: {
      const detail =
        diagnosis.kind === 'unresolved'
          ? vscode.l10n.t('the name {0} does not resolve', diagnosis.host ?? alias)
          : diagnosis.detail || vscode.l10n.t('ssh exited with code {0} and said nothing', String(diagnosis.kind === 'other' ? diagnosis.exitCode : ''));
      void prompter.message('error', vscode.l10n.t('SSH to {0} ({1}) failed: {2}', server.instanceName, alias, detail));
      return { kind: diagnosis.kind, alias };
    }
  }
}

async function explainNoAnswer(
  services: Services,
  target: Target,
  diagnosis: Extract<SshDiagnosis, { kind: 'refused' | 'timeout' }>,
  again: () => Promise<LoginCheckOutcome | undefined>,
): Promise<LoginCheckOutcome | undefined> {
  const { prompter } = services;
  const { instance, regionId, client } = target;
  const port = diagnosis.port ?? 22;
  const how = diagnosis.kind === 'refused' ? vscode.l10n.t('the connection was refused') : vscode.l10n.t('no answer in time');
  let rules: FirewallRule[];
  try {
    rules = await prompter.progress(vscode.l10n.t('Checking the firewall of {0}…', instance.instanceName), () => client.listFirewallRules(regionId, instance.instanceId));
  } catch (error) {
    await showCloudError(services, error, regionId);
    return undefined;
  }
  const testAgain = vscode.l10n.t('Test Again');
  if (allowsTcpPort(rules, port)) {
    const choice = await prompter.message(
      'warning',
      vscode.l10n.t(
        '{0} did not accept SSH on port {1} ({2}). Its SWAS firewall has a rule for TCP {1}, so the server may still be starting, sshd may not be running on it, or that rule may be disabled (the rule list does not say whether a rule is enabled): wait a minute and test again, check that the rule is enabled under Firewall in the Simple Application Server console, or check sshd through the remote connection there.',
        instance.instanceName,
        port,
        how,
      ),
      testAgain,
    );
    return choice === testAgain ? again() : undefined;
  }
  const add = vscode.l10n.t('Add Firewall Rule');
  const choice = await prompter.message(
    'warning',
    vscode.l10n.t('{0} did not accept SSH on port {1} ({2}), and its SWAS firewall does not allow TCP {1}. Add a rule that allows TCP {1} from any address?', instance.instanceName, port, how),
    add,
  );
  if (choice !== add) {
    return undefined;
  }
  return addFirewallRule(services, client, target, port, again);
}

async function addFirewallRule(services: Services, client: SwasClient, target: Target, port: number, again: () => Promise<LoginCheckOutcome | undefined>): Promise<LoginCheckOutcome | undefined> {
  const { prompter } = services;
  const { instance, regionId } = target;
  try {
    const ruleId = await prompter.progress(vscode.l10n.t('Adding a firewall rule to {0}…', instance.instanceName), () =>
      client.createFirewallRule(regionId, instance.instanceId, { ruleProtocol: 'TCP', port: String(port), remark: 'SSH' }, randomUUID()),
    );
    services.log.info(`CreateFirewallRule ${regionId} ${instance.instanceId}: TCP ${port} (rule ${ruleId ?? 'unknown'}).`);
  } catch (error) {
    await showCloudError(services, error, regionId);
    return undefined;
  }
  const testAgain = vscode.l10n.t('Test Again');
  const choice = await prompter.message('info', vscode.l10n.t('The firewall of {0} now allows TCP {1}.', instance.instanceName, port), testAgain);
  return choice === testAgain ? again() : undefined;
}

async function explainDenied(services: Services, target: Target): Promise<'restartPending' | 'keyRefused'> {
  const { prompter } = services;
  const { instance, regionId, block } = target;
  const pending = services.pendingRestarts.get(regionId, instance.instanceId);
  if (pending) {
    const restart = vscode.l10n.t('Restart Server');
    const choice = await prompter.message(
      'warning',
      vscode.l10n.t(
        '{0} refused the key: key pair "{1}" was attached to it on {2} and the server has not restarted since. A key pair takes effect only after a restart.',
        instance.instanceName,
        pending.keyPairName,
        new Date(pending.attachedAt).toLocaleString(vscode.env.language),
      ),
      restart,
    );
    if (choice === restart) {
      await runCommand('swas.restartServer', { regionId, instance });
    }
    return 'restartPending';
  }
  // The cloud was asked before the login: the server uses this block's key pair.
  void prompter.message(
    'warning',
    vscode.l10n.t(
      '{0} refused the key of "{1}", although that key pair is attached to it. If it was attached outside this extension, restart the server; also check that user {2} is right for this image (root on most SWAS images).',
      instance.instanceName,
      block.keyPairName,
      block.user,
    ),
  );
  return 'keyRefused';
}

async function explainChangedHostKey(
  services: Services,
  target: Target,
  diagnosis: Extract<SshDiagnosis, { kind: 'hostKeyChanged' }>,
  again: () => Promise<LoginCheckOutcome | undefined>,
): Promise<LoginCheckOutcome | undefined> {
  const where = await sshTarget(target.alias, target.configFile);
  const file = diagnosis.file ?? where.knownHostsFile;
  const name = diagnosis.knownHostsName ?? knownHostsName(where.hostName, where.port);
  const remove = vscode.l10n.t('Remove Old Key');
  const choice = await services.prompter.message(
    'warning',
    vscode.l10n.t(
      'The host key of {0} ({1}) is not the one saved in {2} (line {3}). This happens when its IP address belonged to another server before, or the server was re-imaged; if neither is the case, someone may be intercepting the connection. If you expect the change, remove the old line (ssh-keygen -R {1}) and check the new key.',
      target.instance.instanceName,
      name,
      file,
      diagnosis.line ?? '?',
    ),
    remove,
  );
  if (choice !== remove) {
    return undefined;
  }
  const removal = await removeFromKnownHosts([name], file);
  services.log.info(`Removed the known_hosts lines of ${name} from ${file} (${removal.removed.length} host, old file kept as ${file}.old).`);
  return again();
}

async function offerHostKey(services: Services, target: Target, again: () => Promise<LoginCheckOutcome | undefined>): Promise<LoginCheckOutcome | undefined> {
  return (await trustHostKey(services, target.instance, target.alias, target.configFile, { client: target.client, regionId: target.regionId })) ? again() : undefined;
}

/** Our blocks in the config; none when its markers are broken (the other commands then explain the repair). */
function managedBlocksIn(configText: string): ManagedBlock[] {
  try {
    return listManagedBlocks(configText);
  } catch {
    return [];
  }
}

export function registerTestSshConnection(services: Services): vscode.Disposable {
  return registerSwasCommand(services, 'swas.testSshConnection', (args?) => testSshConnection(services, args));
}
