import { promises as fs } from 'fs';
import * as path from 'path';

/**
 * Finds credentials up front, in the order of the `@alicloud/credentials` default chain, so a user
 * with nothing configured is told so before any prompt (the library's chain fails late, with an
 * odd `https://undefined/` error). An AccessKey signed in through VS Code comes first: it is the
 * user's most explicit choice in this editor.
 */
export interface StaticCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export type CredentialSource =
  | { kind: 'signedIn' }
  | { kind: 'environment' }
  | { kind: 'oidcEnvironment' }
  | { kind: 'cliProfile'; file: string; profile: string; mode: string }
  | { kind: 'credentialsFile'; file: string };

export interface ResolvedCredentials {
  source: CredentialSource;
  /** Set when the keys are known here; absent when the credentials library must fetch them (role modes). */
  staticCredentials?: StaticCredentials;
  /** The aliyun CLI profile's `region_id`, used as a default region. */
  cliRegionId?: string;
}

export class CredentialsError extends Error {
  constructor(
    readonly reason: 'none' | 'cliProfileMissing' | 'cliProfileIncomplete' | 'unreadable',
    message: string,
    readonly file?: string,
  ) {
    super(message);
    this.name = 'CredentialsError';
  }
}

interface CliProfile {
  name?: string;
  mode?: string;
  access_key_id?: string;
  access_key_secret?: string;
  sts_token?: string;
  region_id?: string;
}

interface CliConfig {
  current?: string;
  profiles?: CliProfile[];
}

export interface CredentialLookup {
  env: NodeJS.ProcessEnv;
  home: string;
  signedIn?: StaticCredentials;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw new CredentialsError('unreadable', `Cannot read ${file}: ${(error as Error).message}`, file);
  }
}

/** The CLI profile the credentials library would use, with its region, without resolving keys. */
export async function readCliProfile(lookup: Pick<CredentialLookup, 'env' | 'home'>): Promise<{ file: string; profile?: CliProfile; wanted: string } | undefined> {
  const file = path.join(lookup.home, '.aliyun', 'config.json');
  const text = await readIfExists(file);
  if (text === undefined) {
    return undefined;
  }
  let config: CliConfig;
  try {
    config = JSON.parse(text) as CliConfig;
  } catch {
    throw new CredentialsError('unreadable', `${file} is not valid JSON.`, file);
  }
  const wanted = lookup.env.ALIBABA_CLOUD_PROFILE || config.current || 'default';
  return { file, wanted, profile: config.profiles?.find((p) => p.name === wanted) };
}

function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1].trim(), current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current && eq > 0) {
      current.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
    }
  }
  return sections;
}

export async function resolveCredentials(lookup: CredentialLookup): Promise<ResolvedCredentials> {
  const { env } = lookup;
  // A broken CLI file only matters when no source before it in the chain is configured.
  let cliError: unknown;
  const cli = await readCliProfile(lookup).catch((error: unknown) => void (cliError = error));
  const cliRegionId = cli?.profile?.region_id || undefined;

  if (lookup.signedIn) {
    return { source: { kind: 'signedIn' }, staticCredentials: lookup.signedIn, cliRegionId };
  }
  if (env.ALIBABA_CLOUD_ACCESS_KEY_ID && env.ALIBABA_CLOUD_ACCESS_KEY_SECRET) {
    return {
      source: { kind: 'environment' },
      staticCredentials: {
        accessKeyId: env.ALIBABA_CLOUD_ACCESS_KEY_ID,
        accessKeySecret: env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
        securityToken: env.ALIBABA_CLOUD_SECURITY_TOKEN || undefined,
      },
      cliRegionId,
    };
  }
  if (env.ALIBABA_CLOUD_ROLE_ARN && env.ALIBABA_CLOUD_OIDC_PROVIDER_ARN && env.ALIBABA_CLOUD_OIDC_TOKEN_FILE) {
    return { source: { kind: 'oidcEnvironment' }, cliRegionId };
  }
  if (cliError) {
    throw cliError;
  }
  if (cli) {
    const { profile, file, wanted } = cli;
    if (!profile) {
      throw new CredentialsError('cliProfileMissing', `The aliyun CLI profile "${wanted}" is not in ${file}.`, file);
    }
    const mode = profile.mode || 'AK';
    const source: CredentialSource = { kind: 'cliProfile', file, profile: wanted, mode };
    if (mode === 'AK' || mode === 'StsToken') {
      if (!profile.access_key_id || !profile.access_key_secret || (mode === 'StsToken' && !profile.sts_token)) {
        throw new CredentialsError('cliProfileIncomplete', `The aliyun CLI profile "${wanted}" in ${file} has no complete AccessKey.`, file);
      }
      return {
        source,
        staticCredentials: {
          accessKeyId: profile.access_key_id,
          accessKeySecret: profile.access_key_secret,
          securityToken: mode === 'StsToken' ? profile.sts_token : undefined,
        },
        cliRegionId,
      };
    }
    return { source, cliRegionId };
  }
  const credentialsFile = env.ALIBABA_CLOUD_CREDENTIALS_FILE || path.join(lookup.home, '.alibabacloud', 'credentials');
  const ini = await readIfExists(credentialsFile);
  if (ini !== undefined) {
    const section = parseIni(ini).get('default');
    const id = section?.get('access_key_id');
    const secret = section?.get('access_key_secret');
    if (section?.get('type') === 'access_key' && id && secret) {
      return { source: { kind: 'credentialsFile', file: credentialsFile }, staticCredentials: { accessKeyId: id, accessKeySecret: secret }, cliRegionId };
    }
    return { source: { kind: 'credentialsFile', file: credentialsFile }, cliRegionId };
  }
  throw new CredentialsError('none', 'No Alibaba Cloud credentials are configured.');
}
