import { registerSwasCommand, runCommand } from '../commandRegistry';
import { promises as fs } from 'fs';
import * as vscode from 'vscode';
import { checkKeyPairName, KEY_PAIR_NAME_MAX } from '../cloud/keyPairName';
import { toCloudError } from '../cloud/errors';
import type { ImportArgs } from '../commandArgs';
import type { Services } from '../services';
import { readSettings } from '../settings';
import { generateLocalKeyPair, LocalKeyType } from '../ssh/generateKey';
import { sshKeygenAvailable } from '../ssh/knownHosts';
import { publicKeyOfPrivateKey, samePublicKey, sha256Fingerprint } from '../ssh/keyFormat';
import { describeCloudError } from '../ui/errorMessages';
import { BACK } from '../ui/prompter';
import { callWithRetry, showCloudError } from '../ui/showCloudError';
import { keyPairNameProblemMessage } from '../ui/validation';
import { sshPaths } from '../local/machine';
import { clientOrExplain, listKeyPairsOrExplain, pickRegion } from '../ui/pickers';
import { writeKeyPairBlock } from '../local/keyPairBlocks';

export interface ImportOutcome {
  regionId: string;
  keyPairName: string;
  publicKey: string;
  /** The private key on this machine (generated, or found beside the chosen .pub). */
  privateKeyPath?: string;
  alias?: string;
}

type Source = { kind: 'file' } | { kind: 'generate'; type: LocalKeyType };

/** The first line of a .pub file, reduced to `type base64`: the comment often holds a user or host name. */
function publicKeyBody(text: string): string | undefined {
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '' && !l.startsWith('#'));
  if (!line) {
    return undefined;
  }
  try {
    sha256Fingerprint(line);
  } catch {
    return undefined;
  }
  const words = line.trim().split(/\s+/);
  return words.length >= 2 ? `${words[0]} ${words[1]}` : undefined;
}

/**
 * SWAS: Import Public Key… A local .pub, or a pair made here with ssh-keygen (RSA 4096 by default:
 * the SWAS documentation only shows ssh-rsa public keys), sent with ImportKeyPair. Only the public
 * key leaves this machine.
 */
export async function importPublicKey(services: Services, args?: ImportArgs): Promise<ImportOutcome | undefined> {
  const { prompter, log } = services;
  const title = vscode.l10n.t('Import Public Key');
  const regionId = args?.regionId ?? (await pickRegion(services, title));
  const client = regionId && (await clientOrExplain(services));
  if (!regionId || !client) {
    return undefined;
  }
  const settings = readSettings();
  const canGenerate = await sshKeygenAvailable();
  const source = await prompter.quickPick<Source>({
    title,
    step: 1,
    totalSteps: 2,
    placeholder: vscode.l10n.t('Which public key should {0} hold?', regionId),
    items: [
      { label: vscode.l10n.t('Choose a .pub File…'), description: vscode.l10n.t('An existing OpenSSH public key'), value: { kind: 'file' } },
      ...(canGenerate
        ? [
            {
              label: vscode.l10n.t('Generate RSA 4096 Key'),
              description: vscode.l10n.t('With ssh-keygen, saved in {0}', settings.sshKeyDirectory),
              value: { kind: 'generate', type: 'rsa' } as Source,
            },
            {
              label: vscode.l10n.t('Generate Ed25519 Key'),
              description: vscode.l10n.t('Shorter and faster; the service may refuse it'),
              value: { kind: 'generate', type: 'ed25519' } as Source,
            },
          ]
        : []),
    ],
  });
  if (source === undefined || source === BACK) {
    return undefined;
  }

  const paths = sshPaths(settings);
  let publicKey: string | undefined;
  let chosenPrivateKey: string | undefined;
  if (source.kind === 'file') {
    const file = await prompter.openDialog(vscode.l10n.t('Choose Public Key'), paths.keyDirectory, { [vscode.l10n.t('Public keys')]: ['pub'] });
    if (!file) {
      return undefined;
    }
    publicKey = publicKeyBody(await fs.readFile(file, 'utf8').catch(() => ''));
    if (!publicKey) {
      void prompter.message('error', vscode.l10n.t('{0} is not an OpenSSH public key (a line like "ssh-rsa AAAA…").', file));
      return undefined;
    }
    // The private half, when it sits beside the .pub as ssh-keygen leaves it, lets us write an SSH entry.
    const beside = file.replace(/\.pub$/, '');
    const besideText = beside !== file ? await fs.readFile(beside, 'utf8').catch(() => undefined) : undefined;
    const besidePublic = besideText && publicKeyOfPrivateKey(besideText);
    chosenPrivateKey = besidePublic && samePublicKey(besidePublic, publicKey) ? beside : undefined;
  }

  const existing = await listKeyPairsOrExplain(services, client, regionId);
  if (!existing) {
    return undefined;
  }
  const taken = new Set(existing.map((k) => k.keyPairName));
  const name = await prompter.inputBox({
    title,
    step: 2,
    totalSteps: 2,
    prompt: vscode.l10n.t('Name of the key pair in {0}.', regionId),
    placeholder: vscode.l10n.t('2–{0} characters: a letter first, then letters, digits, ":", "_" or "-"', KEY_PAIR_NAME_MAX),
    validate: (value) => {
      const problem = checkKeyPairName(value);
      if (problem) {
        return keyPairNameProblemMessage(problem);
      }
      return taken.has(value) ? vscode.l10n.t('A key pair named "{0}" already exists in {1}.', value, regionId) : undefined;
    },
  });
  if (name === undefined || name === BACK) {
    return undefined;
  }

  let generated: Awaited<ReturnType<typeof generateLocalKeyPair>> | undefined;
  /** Generates the key to import (kept in `generated`); false when ssh-keygen failed, which the user was told. */
  const generate = async (type: LocalKeyType): Promise<boolean> => {
    try {
      generated = await prompter.progress(vscode.l10n.t('Generating a key with ssh-keygen…'), () =>
        generateLocalKeyPair({ directory: paths.keyDirectory, keyPairName: name, region: regionId, type }),
      );
    } catch (error) {
      void prompter.message('error', vscode.l10n.t('The key could not be generated: {0}', error instanceof Error ? error.message : String(error)));
      return false;
    }
    log.info(`Generated a ${type} key pair on this machine: ${generated.privateKeyPath} (fingerprint ${generated.fingerprint}).`);
    await services.writtenKeyFiles.remember(generated.privateKeyPath, generated.publicKeyPath);
    for (const stray of generated.strayTempFiles) {
      log.warn(`The temporary name ${stray} of the generated key could not be removed.`);
    }
    publicKey = publicKeyBody(generated.publicKey)!;
    chosenPrivateKey = generated.privateKeyPath;
    return true;
  };
  /** The pair was made for this import only; without it the files are of no use. */
  const discardGenerated = async (): Promise<void> => {
    if (generated) {
      await Promise.all([fs.rm(generated.privateKeyPath, { force: true }), fs.rm(generated.publicKeyPath, { force: true })]);
      await services.writtenKeyFiles.forget(generated.privateKeyPath, generated.publicKeyPath);
      log.info(`Import failed; removed the key generated for it (${generated.privateKeyPath}).`);
      generated = undefined;
    }
  };
  if (source.kind === 'generate' && !(await generate(source.type))) {
    return undefined;
  }

  const generateRsa = vscode.l10n.t('Generate RSA Key and Import');
  let imported: boolean | undefined;
  for (let rsaOffered = false; ; rsaOffered = true) {
    let useRsa = false;
    imported = await callWithRetry(
      services,
      regionId,
      (clientToken) => prompter.progress(vscode.l10n.t('Importing "{0}" to {1}…', name, regionId), () => client.importKeyPair(regionId, name, publicKey!, clientToken)).then(() => true),
      async (raw) => {
        const error = toCloudError(raw, 'ImportKeyPair');
        // The code for a refused key type is undocumented (docs/swas-api.md, "Key pairs"): a 400 with an unplaced code counts too.
        const ed25519Refused = publicKey!.startsWith('ssh-ed25519') && (error.kind === 'invalidParameter' || (error.kind === 'unknown' && error.details.statusCode === 400));
        if (ed25519Refused) {
          // The "Manage key pairs (Linux)" page names RSA, DSA and ECDSA as importable; RSA is what the console makes.
          const text = vscode.l10n.t('{0} refused the Ed25519 key: {1} It needs an RSA key.', regionId, describeCloudError(error, regionId).text);
          const offer = !rsaOffered && canGenerate;
          useRsa = (await prompter.message('error', text, ...(offer ? [generateRsa] : []))) === generateRsa;
          return undefined;
        }
        return showCloudError(services, error, regionId, { offerRetry: true });
      },
    );
    if (imported || !useRsa) {
      break;
    }
    await discardGenerated();
    if (!(await generate('rsa'))) {
      return undefined;
    }
  }
  if (!imported) {
    await discardGenerated();
    return undefined;
  }
  await services.regionCache.rememberRegion(regionId);
  const outcome: ImportOutcome = { regionId, keyPairName: name, publicKey: publicKey!, privateKeyPath: chosenPrivateKey };

  const parts = [vscode.l10n.t('Key pair "{0}" imported to {1} ({2}).', name, regionId, sha256Fingerprint(publicKey!))];
  let configProblem = false;
  if (chosenPrivateKey) {
    parts.push(vscode.l10n.t('Private key: {0}.', chosenPrivateKey));
    const written = await writeKeyPairBlock(services, paths, { regionId, keyPairName: name, privateKeyPath: chosenPrivateKey, user: settings.defaultUser, servers: [], fresh: true });
    if ('problem' in written) {
      parts.push(written.problem);
      configProblem = true;
    } else {
      outcome.alias = written.firstAlias;
      parts.push(vscode.l10n.t('SSH host: {0}.', outcome.alias ?? ''));
    }
  }
  services.notifyChanged(regionId);
  const attach = vscode.l10n.t('Attach to Server…');
  // As Create: a key without its SSH entry does not log in, which the user must not miss.
  const choice = await prompter.message(configProblem ? 'warning' : 'info', parts.join(' '), attach);
  if (choice === attach) {
    await runCommand('swas.attachKeyPair', { regionId, keyPair: { keyPairName: name, publicKey, instanceIds: [] } });
  }
  return outcome;
}

export function registerImportPublicKey(services: Services): vscode.Disposable {
  return registerSwasCommand(services, 'swas.importPublicKey', (args?) => importPublicKey(services, args));
}
