/**
 * The credential setups the parity test (credentialParity.test.ts) runs in the real host, with what
 * each must show and sign with. The README's Credentials table is rendered from this list
 * (credentialsTable) and a unit test keeps the two equal, so the table cannot drift from what is tested.
 * No `vscode` import: the unit test loads this file too.
 */
import type { TemporaryKey } from '../emulator/roleSources';

// Long-lived keys the setups configure; each one is known to the emulator, so a valid signature
// proves the secret too.
export const KEYS = {
  env: { id: 'LTAI5tEnvironmentKey0001', secret: 'env-secret-0001' },
  envSts: { id: 'STS.EnvironmentKey0002', secret: 'env-secret-0002', token: 'env-sts-token-0002' },
  cliDefault: { id: 'LTAI5tCliDefaultKey0003', secret: 'cli-secret-0003' },
  cliWork: { id: 'LTAI5tCliWorkKey000004', secret: 'cli-secret-0004' },
  cliSts: { id: 'STS.CliStsTokenKey0005', secret: 'cli-secret-0005', token: 'cli-sts-token-0005' },
  fileDefault: { id: 'LTAI5tFileDefaultKey06', secret: 'file-secret-0006' },
  fileWork: { id: 'LTAI5tFileWorkKey00007', secret: 'file-secret-0007' },
  roleSource: { id: 'LTAI5tRoleSourceKey008', secret: 'role-source-secret-0008' },
} as const;
const temporary = (n: string): TemporaryKey => ({ id: `STS.Issued${n}`, secret: `issued-secret-${n}`, securityToken: `issued-token-${n}` });
export const ROLES = {
  cliRamRole: { arn: 'acs:ram::1234567890123456:role/cli-ram-role', issued: temporary('CliRamRole') },
  chained: { arn: 'acs:ram::1234567890123456:role/chained-role', issued: temporary('Chained') },
  fileRole: { arn: 'acs:ram::1234567890123456:role/file-role', issued: temporary('FileRole') },
  oidc: { arn: 'acs:ram::1234567890123456:role/oidc-role', issued: temporary('Oidc'), providerArn: 'acs:ram::1234567890123456:oidc-provider/test', token: 'eyJ.oidc.token' },
};
export const ECS_ROLE = { name: 'swas-instance-role', issued: temporary('EcsRole') };
export const URI_KEY = temporary('CredentialsUri');

const cli = (current: string, profiles: object[]) => JSON.stringify({ current, profiles }, null, 2);
const ak = (name: string, key: { id: string; secret: string }, extra: object = {}) => ({ name, mode: 'AK', access_key_id: key.id, access_key_secret: key.secret, ...extra });

export interface Setup {
  name: string;
  env?: Record<string, string>;
  /** Relative to HOME; `${HOME}` inside a value is replaced. */
  files?: Record<string, string>;
  ecsRole?: boolean;
  uri?: boolean;
  /** The label beside the sidebar title when it works; a culprit pattern when it must not. */
  source?: string;
  culprit?: RegExp;
  /** The AccessKey ID the library (and so the extension) signs with; checked by the parity test. */
  keyId?: string;
  /** README: which key that is, in words; for a culprit, what the message names. */
  keyUsed: string;
}

export const SETUPS: Setup[] = [
  { name: 'env AccessKey', keyId: KEYS.env.id, keyUsed: "`ALIBABA_CLOUD_ACCESS_KEY_ID` / `_SECRET`", env: { ALIBABA_CLOUD_ACCESS_KEY_ID: KEYS.env.id, ALIBABA_CLOUD_ACCESS_KEY_SECRET: KEYS.env.secret }, source: 'environment' },
  {
    name: 'env AccessKey + STS token', keyId: KEYS.envSts.id, keyUsed: "the env AccessKey with `ALIBABA_CLOUD_SECURITY_TOKEN`",
    env: { ALIBABA_CLOUD_ACCESS_KEY_ID: KEYS.envSts.id, ALIBABA_CLOUD_ACCESS_KEY_SECRET: KEYS.envSts.secret, ALIBABA_CLOUD_SECURITY_TOKEN: KEYS.envSts.token },
    source: 'environment',
  },
  {
    name: 'OIDC env (token file + role ARN, STS region)', keyId: ROLES.oidc.issued.id, keyUsed: "STS key from AssumeRoleWithOIDC (the token file, the role ARN)",
    env: { ALIBABA_CLOUD_ROLE_ARN: ROLES.oidc.arn, ALIBABA_CLOUD_OIDC_PROVIDER_ARN: ROLES.oidc.providerArn, ALIBABA_CLOUD_OIDC_TOKEN_FILE: '${HOME}/oidc-token', ALIBABA_CLOUD_STS_REGION: 'cn-hangzhou' },
    files: { 'oidc-token': ROLES.oidc.token },
    source: 'OIDC role (environment)',
  },
  { name: 'aliyun CLI AK profile', keyId: KEYS.cliDefault.id, keyUsed: "the `current` profile's AccessKey", files: { '.aliyun/config.json': cli('default', [ak('default', KEYS.cliDefault)]) }, source: 'aliyun CLI profile default' },
  {
    name: 'aliyun CLI StsToken profile', keyId: KEYS.cliSts.id, keyUsed: "the profile's AccessKey with its `sts_token`",
    files: { '.aliyun/config.json': cli('ci', [{ name: 'ci', mode: 'StsToken', access_key_id: KEYS.cliSts.id, access_key_secret: KEYS.cliSts.secret, sts_token: KEYS.cliSts.token }]) },
    source: 'aliyun CLI profile ci',
  },
  {
    name: 'aliyun CLI RamRoleArn profile', keyId: ROLES.cliRamRole.issued.id, keyUsed: "STS key from AssumeRole, signed with the profile's AccessKey",
    files: { '.aliyun/config.json': cli('role', [{ ...ak('role', KEYS.roleSource), mode: 'RamRoleArn', ram_role_arn: ROLES.cliRamRole.arn, ram_session_name: 'swas' }]) },
    source: 'aliyun CLI profile role',
  },
  { name: 'aliyun CLI EcsRamRole profile', keyId: ECS_ROLE.issued.id, keyUsed: "the instance role's STS key from the metadata service", files: { '.aliyun/config.json': cli('ecs', [{ name: 'ecs', mode: 'EcsRamRole', ram_role_name: ECS_ROLE.name }]) }, ecsRole: true, source: 'aliyun CLI profile ecs' },
  {
    name: 'aliyun CLI ChainableRamRoleArn profile', keyId: ROLES.chained.issued.id, keyUsed: "STS key from AssumeRole, signed with `source_profile`'s AccessKey",
    files: {
      '.aliyun/config.json': cli('chained', [ak('base', KEYS.roleSource), { name: 'chained', mode: 'ChainableRamRoleArn', source_profile: 'base', ram_role_arn: ROLES.chained.arn, ram_session_name: 'swas' }]),
    },
    source: 'aliyun CLI profile chained',
  },
  {
    // @alicloud/credentials 2.4.7 has no CredentialsURI mode: the chain moves on, and finds nothing.
    name: 'aliyun CLI CredentialsURI profile (unsupported by the library)', keyUsed: "none: the message names `config.json` (profile \"uri\") and the unsupported mode",
    files: { '.aliyun/config.json': cli('uri', [{ name: 'uri', mode: 'CredentialsURI', credentials_uri: 'http://127.0.0.1:9/credentials' }]) },
    culprit: /config\.json \(profile "uri"\).*unsupported profile mode 'CredentialsURI'/,
  },
  {
    name: 'ALIBABA_CLOUD_PROFILE with the CLI file', keyId: KEYS.cliWork.id, keyUsed: "profile `work`'s AccessKey, not `current`'s",
    env: { ALIBABA_CLOUD_PROFILE: 'work' },
    files: { '.aliyun/config.json': cli('default', [ak('default', KEYS.cliDefault), ak('work', KEYS.cliWork)]) },
    source: 'aliyun CLI profile work',
  },
  {
    name: 'ALIBABA_CLOUD_PROFILE with the credentials file', keyId: KEYS.fileWork.id, keyUsed: "section `[work]`'s AccessKey, not `[default]`'s",
    env: { ALIBABA_CLOUD_PROFILE: 'work' },
    files: {
      '.alibabacloud/credentials': `[default]\ntype = access_key\naccess_key_id = ${KEYS.fileDefault.id}\naccess_key_secret = ${KEYS.fileDefault.secret}\n\n[work]\ntype = access_key\naccess_key_id = ${KEYS.fileWork.id}\naccess_key_secret = ${KEYS.fileWork.secret}\n`,
    },
    source: 'credentials file profile work',
  },
  {
    name: 'ALIBABA_CLOUD_CLI_PROFILE_DISABLED', keyId: KEYS.fileDefault.id, keyUsed: "`[default]` of the credentials file; the CLI file is skipped",
    env: { ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'true' },
    files: {
      '.aliyun/config.json': cli('default', [ak('default', KEYS.cliDefault)]),
      '.alibabacloud/credentials': `[default]\ntype = access_key\naccess_key_id = ${KEYS.fileDefault.id}\naccess_key_secret = ${KEYS.fileDefault.secret}\n`,
    },
    source: 'credentials file profile default',
  },
  {
    name: 'credentials file [default]', keyId: KEYS.fileDefault.id, keyUsed: "`[default]`'s AccessKey",
    files: { '.alibabacloud/credentials': `[default]\ntype = access_key\naccess_key_id = ${KEYS.fileDefault.id}\naccess_key_secret = ${KEYS.fileDefault.secret}\n` },
    source: 'credentials file profile default',
  },
  {
    name: 'credentials file elsewhere (ALIBABA_CLOUD_CREDENTIALS_FILE), ram_role_arn section', keyId: ROLES.fileRole.issued.id, keyUsed: "STS key from AssumeRole with the section's AccessKey",
    env: { ALIBABA_CLOUD_CREDENTIALS_FILE: '${HOME}/team/credentials.ini' },
    files: { 'team/credentials.ini': `[default]\ntype = ram_role_arn\naccess_key_id = ${KEYS.roleSource.id}\naccess_key_secret = ${KEYS.roleSource.secret}\nrole_arn = ${ROLES.fileRole.arn}\nrole_session_name = swas\n` },
    source: 'credentials file profile default',
  },
  { name: 'ECS RAM role (metadata service, nothing else configured)', keyId: ECS_ROLE.issued.id, keyUsed: "the instance role's STS key from `100.100.100.200`", ecsRole: true, source: 'ECS RAM role' },
  { name: 'credentials URI', keyId: URI_KEY.id, keyUsed: "the STS key `ALIBABA_CLOUD_CREDENTIALS_URI` serves", uri: true, source: 'credentials URI' },
  { name: 'broken CLI file alone', keyUsed: "none: the message names `config.json` (profile \"default\")", files: { '.aliyun/config.json': `{"current":"default","profiles":[{"name":"default","access_key_secret":"${KEYS.cliDefault.secret}"` }, culprit: /config\.json \(profile "default"\)/ },
  {
    name: 'broken CLI file, valid credentials file: the chain moves on', keyId: KEYS.fileDefault.id, keyUsed: "`[default]` of the credentials file",
    files: { '.aliyun/config.json': '{ not json', '.alibabacloud/credentials': `[default]\ntype = access_key\naccess_key_id = ${KEYS.fileDefault.id}\naccess_key_secret = ${KEYS.fileDefault.secret}\n` },
    source: 'credentials file profile default',
  },
  { name: 'env AccessKey ID without its secret', keyUsed: "none: the message names `ALIBABA_CLOUD_ACCESS_KEY_SECRET`", env: { ALIBABA_CLOUD_ACCESS_KEY_ID: KEYS.env.id }, culprit: /environment variable ALIBABA_CLOUD_ACCESS_KEY_SECRET/ },
  { name: 'credentials file section without a type', keyUsed: "none: the message names `.alibabacloud/credentials` (profile \"default\")", files: { '.alibabacloud/credentials': `[default]\naccess_key_id = ${KEYS.fileDefault.id}\n` }, culprit: /\.alibabacloud\/credentials \(profile "default"\)/ },
  { name: 'OIDC token file missing', keyUsed: "none: the message names `ALIBABA_CLOUD_OIDC_TOKEN_FILE`", env: { ALIBABA_CLOUD_ROLE_ARN: ROLES.oidc.arn, ALIBABA_CLOUD_OIDC_PROVIDER_ARN: ROLES.oidc.providerArn, ALIBABA_CLOUD_OIDC_TOKEN_FILE: '${HOME}/nope' }, culprit: /environment variable ALIBABA_CLOUD_OIDC_TOKEN_FILE/ },
];

/** The README's Credentials table: setup, source shown, key used, one row per setup above. */
export function credentialsTable(setups: readonly Setup[] = SETUPS): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = setups.map((s) => `| ${cell(s.name)} | ${s.source ? `"${cell(s.source)}"` : 'error message'} | ${cell(s.keyUsed)} |`);
  return ['| Setup | Source shown | Key used |', '|---|---|---|', ...rows].join('\n');
}
