import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type CredentialClass from '@alicloud/credentials';

/**
 * Credentials come from `@alicloud/credentials` itself: `new Credential()` runs the library's default
 * chain (environment, OIDC, aliyun CLI profile, credentials file, ECS RAM role, credentials URI), so
 * this extension signs with the same key as every other Alibaba Cloud tool on the machine
 * (https://github.com/aliyun/credentials-nodejs#default-credential-provider-chain). The chain reads
 * `process.env` and the home folder itself. An AccessKey signed in through VS Code comes first: it
 * is the user's most explicit choice in this editor.
 *
 * The chain is asked once up front (before any question). When it fails, it fails late and with
 * every provider's error run together (a credentials URI it never had shows as `https://undefined/`),
 * so the failure is explained here: the first source the user did configure, with its file or
 * variable, or "nothing configured".
 */
export type Credential = CredentialClass;

export interface StaticCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export type CredentialSource =
  | { kind: 'signedIn' }
  | { kind: 'environment' }
  | { kind: 'oidc'; tokenFile: string }
  | { kind: 'cliProfile'; file: string; profile: string; mode: string }
  | { kind: 'credentialsFile'; file: string; profile: string }
  | { kind: 'ecsRamRole' }
  | { kind: 'credentialsUri'; uri: string };

export interface ResolvedCredentials {
  source: CredentialSource;
  /** What the SDK client is given; it signs with whatever this yields (and refreshes role keys). */
  credential: Credential;
  /** The AccessKey ID the check resolved, for logs (never the secret or token). */
  accessKeyId: string;
  /** Same inputs, same value: lets clients and caches be shared. */
  identity: string;
  /** The aliyun CLI profile's `region_id`, used as a default region. */
  cliRegionId?: string;
}

/** Where the failing setup lives: a file or an environment variable, named to the user. */
export type CredentialCulprit =
  | { kind: 'variable'; name: string }
  | { kind: 'file'; path: string; profile?: string };

export class CredentialsError extends Error {
  constructor(
    readonly reason: 'none' | 'broken',
    message: string,
    readonly culprit?: CredentialCulprit,
  ) {
    super(message);
    this.name = 'CredentialsError';
  }
}

type CredentialsModule = typeof import('@alicloud/credentials');
let credentialsModule: Promise<CredentialsModule> | undefined;
// Most of the bundle: loaded on first use, not at activation.
function loadLibrary(): Promise<CredentialsModule> {
  credentialsModule ??= import('@alicloud/credentials');
  return credentialsModule;
}

const env = () => process.env;
const isTrue = (value: string | undefined) => value?.toLowerCase() === 'true';
const home = () => os.homedir();
export const cliConfigPath = () => path.join(home(), '.aliyun', 'config.json');
export const credentialsFilePath = () => env().ALIBABA_CLOUD_CREDENTIALS_FILE || path.join(home(), '.alibabacloud', 'credentials');
const cliDisabled = () => isTrue(env().ALIBABA_CLOUD_CLI_PROFILE_DISABLED);

interface CliConfig {
  current?: string;
  profiles?: Array<{ name?: string; mode?: string; region_id?: string }>;
}

async function readCliConfig(): Promise<CliConfig | undefined> {
  try {
    return JSON.parse(await fs.readFile(cliConfigPath(), 'utf8')) as CliConfig;
  } catch {
    return undefined;
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

/** The same profile name the library picks: ALIBABA_CLOUD_PROFILE, else the file's `current`. */
function cliProfileName(config: CliConfig | undefined): string {
  return env().ALIBABA_CLOUD_PROFILE || config?.current || 'default';
}

/**
 * Maps the library's provider name (`default/env`, `default/cli_profile`, ...: the chain names only
 * the step that answered, providers/default.js) to what the user configured.
 */
async function sourceOf(providerName: string | undefined): Promise<CredentialSource> {
  const [, provider = ''] = (providerName ?? '').split('/');
  switch (provider) {
    case 'env':
      return { kind: 'environment' };
    case 'oidc_role_arn':
      return { kind: 'oidc', tokenFile: env().ALIBABA_CLOUD_OIDC_TOKEN_FILE ?? '' };
    case 'cli_profile': {
      const config = await readCliConfig();
      const profile = cliProfileName(config);
      return { kind: 'cliProfile', file: cliConfigPath(), profile, mode: config?.profiles?.find((p) => p.name === profile)?.mode ?? '' };
    }
    case 'profile':
      return { kind: 'credentialsFile', file: credentialsFilePath(), profile: env().ALIBABA_CLOUD_PROFILE || 'default' };
    case 'ecs_ram_role':
      return { kind: 'ecsRamRole' };
    default:
      return { kind: 'credentialsUri', uri: env().ALIBABA_CLOUD_CREDENTIALS_URI ?? '' };
  }
}

/**
 * What makes the library's answer change: the signed-in key, the variables it reads, and the two
 * files it reads. Cheap (two stats), so callers can cache the resolution on it.
 */
export async function credentialInputs(signedIn: StaticCredentials | undefined): Promise<string> {
  const stamp = async (file: string) => {
    const stat = await fs.stat(file).catch(() => undefined);
    return stat ? `${stat.size}:${stat.mtimeMs}` : '-';
  };
  const variables = Object.entries(env())
    .filter(([name]) => name.startsWith('ALIBABA_CLOUD_'))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify([signedIn?.accessKeyId, signedIn?.accessKeySecret, home(), variables, await stamp(cliConfigPath()), await stamp(credentialsFilePath())]);
}

export async function resolveCredentials(signedIn: StaticCredentials | undefined): Promise<ResolvedCredentials> {
  const identity = await credentialInputs(signedIn);
  const library = await loadLibrary();
  const config = cliDisabled() ? undefined : await readCliConfig();
  const cliRegionId = config?.profiles?.find((p) => p.name === cliProfileName(config))?.region_id || undefined;
  if (signedIn) {
    const credential = new library.default(
      new library.Config({ type: signedIn.securityToken ? 'sts' : 'access_key', ...signedIn }),
    );
    return { source: { kind: 'signedIn' }, credential, accessKeyId: signedIn.accessKeyId, identity, cliRegionId };
  }
  const credential = new library.default();
  let resolved: { accessKeyId?: string; providerName?: string };
  try {
    resolved = await credential.getCredential();
  } catch (error) {
    throw await explainFailure(library, error);
  }
  return { source: await sourceOf(resolved.providerName), credential, accessKeyId: resolved.accessKeyId ?? '', identity, cliRegionId };
}

/** Library messages can quote a file or a response body: keep the words, drop anything secret. */
export function redactSecrets(message: string): string {
  const cut = /^(parse aliyun cli config from '[^']*' failed)/.exec(message);
  if (cut) {
    return `${cut[1]} (not valid JSON)`;
  }
  return message
    .replace(/("?(?:AccessKeySecret|SecurityToken|access_key_secret|sts_token|Secret|Token)"?\s*[:=]\s*)("[^"]*"|[^\s,}&]+)/gi, '$1***')
    .slice(0, 400);
}

interface ConfiguredSource {
  culprit: CredentialCulprit;
  check: () => Promise<unknown>;
}

/** The sources the user set up, in the chain's order, each checked on its own with the library's provider. */
async function configuredSources(library: CredentialsModule): Promise<ConfiguredSource[]> {
  const e = env();
  const sources: ConfiguredSource[] = [];
  if (e.ALIBABA_CLOUD_ACCESS_KEY_ID || e.ALIBABA_CLOUD_ACCESS_KEY_SECRET) {
    const name = e.ALIBABA_CLOUD_ACCESS_KEY_ID ? 'ALIBABA_CLOUD_ACCESS_KEY_SECRET' : 'ALIBABA_CLOUD_ACCESS_KEY_ID';
    sources.push({ culprit: { kind: 'variable', name }, check: () => library.EnvironmentVariableCredentialsProvider.builder().build().getCredentials() });
  }
  if (e.ALIBABA_CLOUD_ROLE_ARN || e.ALIBABA_CLOUD_OIDC_PROVIDER_ARN || e.ALIBABA_CLOUD_OIDC_TOKEN_FILE) {
    const name = !e.ALIBABA_CLOUD_ROLE_ARN ? 'ALIBABA_CLOUD_ROLE_ARN' : !e.ALIBABA_CLOUD_OIDC_PROVIDER_ARN ? 'ALIBABA_CLOUD_OIDC_PROVIDER_ARN' : 'ALIBABA_CLOUD_OIDC_TOKEN_FILE';
    sources.push({ culprit: { kind: 'variable', name }, check: async () => library.OIDCRoleArnCredentialsProvider.builder().build().getCredentials() });
  }
  if (!cliDisabled() && (await exists(cliConfigPath()))) {
    const profile = cliProfileName(await readCliConfig());
    sources.push({ culprit: { kind: 'file', path: cliConfigPath(), profile }, check: () => library.CLIProfileCredentialsProvider.builder().build().getCredentials() });
  }
  if (e.ALIBABA_CLOUD_CREDENTIALS_FILE || (await exists(credentialsFilePath()))) {
    const profile = e.ALIBABA_CLOUD_PROFILE || 'default';
    sources.push({ culprit: { kind: 'file', path: credentialsFilePath(), profile }, check: () => library.ProfileCredentialsProvider.builder().build().getCredentials() });
  }
  // Without a role name the metadata service is only probed: not being on ECS is not a fault.
  const roleName = e.ALIBABA_CLOUD_ECS_METADATA;
  if (roleName && !isTrue(e.ALIBABA_CLOUD_ECS_METADATA_DISABLED)) {
    sources.push({
      culprit: { kind: 'variable', name: 'ALIBABA_CLOUD_ECS_METADATA' },
      check: () => library.ECSRAMRoleCredentialsProvider.builder().withRoleName(roleName).build().getCredentials(),
    });
  }
  const uri = e.ALIBABA_CLOUD_CREDENTIALS_URI;
  if (uri) {
    sources.push({
      culprit: { kind: 'variable', name: 'ALIBABA_CLOUD_CREDENTIALS_URI' },
      check: () => library.URICredentialsProvider.builder().withCredentialsURI(uri).build().getCredentials(),
    });
  }
  return sources;
}

async function explainFailure(library: CredentialsModule, chainError: unknown): Promise<CredentialsError> {
  for (const source of await configuredSources(library)) {
    try {
      await source.check();
    } catch (error) {
      return new CredentialsError('broken', redactSecrets(error instanceof Error ? error.message : String(error)), source.culprit);
    }
  }
  const detail = chainError instanceof Error ? chainError.message : String(chainError);
  return new CredentialsError('none', `No Alibaba Cloud credentials are configured (${redactSecrets(detail)}).`);
}
