import * as assert from 'assert';
import { execFile } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import { DEMO_REGION_ID } from '../emulator/demo';
import { CredentialsUriServer, MetadataEmulator, StsEmulator, type TemporaryKey } from '../emulator/roleSources';
import type { SwasEmulator } from '../emulator/server';
import { serverCertificate } from '../emulator/tls';
import { mapHosts } from './privateNetwork';
import { messages, regionChildren } from './treeSupport';
import { World } from './world';
import { suiteOn } from '../support/platform';

const run = promisify(execFile);
const REPO = path.resolve(__dirname, '../../..');
const STS_ADDRESS = '127.0.0.11';
const STS_HOSTS = ['sts.aliyuncs.com', 'sts.cn-hangzhou.aliyuncs.com'];

// Long-lived keys the setups configure; each one is known to the emulator, so a valid signature
// proves the secret too.
const KEYS = {
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
const ROLES = {
  cliRamRole: { arn: 'acs:ram::1234567890123456:role/cli-ram-role', issued: temporary('CliRamRole') },
  chained: { arn: 'acs:ram::1234567890123456:role/chained-role', issued: temporary('Chained') },
  fileRole: { arn: 'acs:ram::1234567890123456:role/file-role', issued: temporary('FileRole') },
  oidc: { arn: 'acs:ram::1234567890123456:role/oidc-role', issued: temporary('Oidc'), providerArn: 'acs:ram::1234567890123456:oidc-provider/test', token: 'eyJ.oidc.token' },
};
const ECS_ROLE = { name: 'swas-instance-role', issued: temporary('EcsRole') };
const URI_KEY = temporary('CredentialsUri');

const cli = (current: string, profiles: object[]) => JSON.stringify({ current, profiles }, null, 2);
const ak = (name: string, key: { id: string; secret: string }, extra: object = {}) => ({ name, mode: 'AK', access_key_id: key.id, access_key_secret: key.secret, ...extra });

interface Setup {
  name: string;
  env?: Record<string, string>;
  /** Relative to HOME; `${HOME}` inside a value is replaced. */
  files?: Record<string, string>;
  ecsRole?: boolean;
  uri?: boolean;
  /** The label beside the sidebar title when it works; a culprit pattern when it must not. */
  source?: string;
  culprit?: RegExp;
}

const SETUPS: Setup[] = [
  { name: 'env AccessKey', env: { ALIBABA_CLOUD_ACCESS_KEY_ID: KEYS.env.id, ALIBABA_CLOUD_ACCESS_KEY_SECRET: KEYS.env.secret }, source: 'environment' },
  {
    name: 'env AccessKey + STS token',
    env: { ALIBABA_CLOUD_ACCESS_KEY_ID: KEYS.envSts.id, ALIBABA_CLOUD_ACCESS_KEY_SECRET: KEYS.envSts.secret, ALIBABA_CLOUD_SECURITY_TOKEN: KEYS.envSts.token },
    source: 'environment',
  },
  {
    name: 'OIDC env (token file + role ARN, STS region)',
    env: { ALIBABA_CLOUD_ROLE_ARN: ROLES.oidc.arn, ALIBABA_CLOUD_OIDC_PROVIDER_ARN: ROLES.oidc.providerArn, ALIBABA_CLOUD_OIDC_TOKEN_FILE: '${HOME}/oidc-token', ALIBABA_CLOUD_STS_REGION: 'cn-hangzhou' },
    files: { 'oidc-token': ROLES.oidc.token },
    source: 'OIDC role (environment)',
  },
  { name: 'aliyun CLI AK profile', files: { '.aliyun/config.json': cli('default', [ak('default', KEYS.cliDefault)]) }, source: 'aliyun CLI profile default' },
  {
    name: 'aliyun CLI StsToken profile',
    files: { '.aliyun/config.json': cli('ci', [{ name: 'ci', mode: 'StsToken', access_key_id: KEYS.cliSts.id, access_key_secret: KEYS.cliSts.secret, sts_token: KEYS.cliSts.token }]) },
    source: 'aliyun CLI profile ci',
  },
  {
    name: 'aliyun CLI RamRoleArn profile',
    files: { '.aliyun/config.json': cli('role', [{ ...ak('role', KEYS.roleSource), mode: 'RamRoleArn', ram_role_arn: ROLES.cliRamRole.arn, ram_session_name: 'swas' }]) },
    source: 'aliyun CLI profile role',
  },
  { name: 'aliyun CLI EcsRamRole profile', files: { '.aliyun/config.json': cli('ecs', [{ name: 'ecs', mode: 'EcsRamRole', ram_role_name: ECS_ROLE.name }]) }, ecsRole: true, source: 'aliyun CLI profile ecs' },
  {
    name: 'aliyun CLI ChainableRamRoleArn profile',
    files: {
      '.aliyun/config.json': cli('chained', [ak('base', KEYS.roleSource), { name: 'chained', mode: 'ChainableRamRoleArn', source_profile: 'base', ram_role_arn: ROLES.chained.arn, ram_session_name: 'swas' }]),
    },
    source: 'aliyun CLI profile chained',
  },
  {
    // @alicloud/credentials 2.4.7 has no CredentialsURI mode: the chain moves on, and finds nothing.
    name: 'aliyun CLI CredentialsURI profile (unsupported by the library)',
    files: { '.aliyun/config.json': cli('uri', [{ name: 'uri', mode: 'CredentialsURI', credentials_uri: 'http://127.0.0.1:9/credentials' }]) },
    culprit: /config\.json \(profile "uri"\).*unsupported profile mode 'CredentialsURI'/,
  },
  {
    name: 'ALIBABA_CLOUD_PROFILE with the CLI file',
    env: { ALIBABA_CLOUD_PROFILE: 'work' },
    files: { '.aliyun/config.json': cli('default', [ak('default', KEYS.cliDefault), ak('work', KEYS.cliWork)]) },
    source: 'aliyun CLI profile work',
  },
  {
    name: 'ALIBABA_CLOUD_PROFILE with the credentials file',
    env: { ALIBABA_CLOUD_PROFILE: 'work' },
    files: {
      '.alibabacloud/credentials': `[default]\ntype = access_key\naccess_key_id = ${KEYS.fileDefault.id}\naccess_key_secret = ${KEYS.fileDefault.secret}\n\n[work]\ntype = access_key\naccess_key_id = ${KEYS.fileWork.id}\naccess_key_secret = ${KEYS.fileWork.secret}\n`,
    },
    source: 'credentials file profile work',
  },
  {
    name: 'ALIBABA_CLOUD_CLI_PROFILE_DISABLED',
    env: { ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'true' },
    files: {
      '.aliyun/config.json': cli('default', [ak('default', KEYS.cliDefault)]),
      '.alibabacloud/credentials': `[default]\ntype = access_key\naccess_key_id = ${KEYS.fileDefault.id}\naccess_key_secret = ${KEYS.fileDefault.secret}\n`,
    },
    source: 'credentials file profile default',
  },
  {
    name: 'credentials file [default]',
    files: { '.alibabacloud/credentials': `[default]\ntype = access_key\naccess_key_id = ${KEYS.fileDefault.id}\naccess_key_secret = ${KEYS.fileDefault.secret}\n` },
    source: 'credentials file profile default',
  },
  {
    name: 'credentials file elsewhere (ALIBABA_CLOUD_CREDENTIALS_FILE), ram_role_arn section',
    env: { ALIBABA_CLOUD_CREDENTIALS_FILE: '${HOME}/team/credentials.ini' },
    files: { 'team/credentials.ini': `[default]\ntype = ram_role_arn\naccess_key_id = ${KEYS.roleSource.id}\naccess_key_secret = ${KEYS.roleSource.secret}\nrole_arn = ${ROLES.fileRole.arn}\nrole_session_name = swas\n` },
    source: 'credentials file profile default',
  },
  { name: 'ECS RAM role (metadata service, nothing else configured)', ecsRole: true, source: 'ECS RAM role' },
  { name: 'credentials URI', uri: true, source: 'credentials URI' },
  { name: 'broken CLI file alone', files: { '.aliyun/config.json': `{"current":"default","profiles":[{"name":"default","access_key_secret":"${KEYS.cliDefault.secret}"` }, culprit: /config\.json \(profile "default"\)/ },
  {
    name: 'broken CLI file, valid credentials file: the chain moves on',
    files: { '.aliyun/config.json': '{ not json', '.alibabacloud/credentials': `[default]\ntype = access_key\naccess_key_id = ${KEYS.fileDefault.id}\naccess_key_secret = ${KEYS.fileDefault.secret}\n` },
    source: 'credentials file profile default',
  },
  { name: 'env AccessKey ID without its secret', env: { ALIBABA_CLOUD_ACCESS_KEY_ID: KEYS.env.id }, culprit: /environment variable ALIBABA_CLOUD_ACCESS_KEY_SECRET/ },
  { name: 'credentials file section without a type', files: { '.alibabacloud/credentials': `[default]\naccess_key_id = ${KEYS.fileDefault.id}\n` }, culprit: /\.alibabacloud\/credentials \(profile "default"\)/ },
  { name: 'OIDC token file missing', env: { ALIBABA_CLOUD_ROLE_ARN: ROLES.oidc.arn, ALIBABA_CLOUD_OIDC_PROVIDER_ARN: ROLES.oidc.providerArn, ALIBABA_CLOUD_OIDC_TOKEN_FILE: '${HOME}/nope' }, culprit: /environment variable ALIBABA_CLOUD_OIDC_TOKEN_FILE/ },
];

interface LibraryAnswer {
  id?: string;
  secret?: string;
  token?: string;
  error?: string;
}

/** `new Credential().getCredential()` in a separate Node process with the same environment and HOME. */
async function libraryInSeparateProcess(): Promise<LibraryAnswer> {
  const script = `
    const Credential = require(${JSON.stringify(path.join(REPO, 'node_modules/@alicloud/credentials'))}).default;
    new Credential().getCredential().then(
      (c) => console.log(JSON.stringify({ id: c.accessKeyId, secret: c.accessKeySecret, token: c.securityToken })),
      (e) => console.log(JSON.stringify({ error: e.message })));`;
  const { stdout } = await run(process.execPath, ['-e', script], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as LibraryAnswer;
}

function seedKeys(emulator: SwasEmulator): void {
  for (const key of Object.values(KEYS)) {
    emulator.addAccessKey({ id: key.id, secret: key.secret, securityToken: 'token' in key ? key.token : undefined });
  }
  for (const issued of [...Object.values(ROLES).map((r) => r.issued), ECS_ROLE.issued, URI_KEY]) {
    emulator.addAccessKey({ id: issued.id, secret: issued.secret, securityToken: issued.securityToken });
  }
}

// Linux only: the private network namespace (test/host/private-network.sh) is Linux's
suiteOn(['linux'], 'Credentials: the extension signs with exactly what @alicloud/credentials yields', function () {
  this.timeout(300_000);
  let world: World;
  let sts: StsEmulator;
  let metadata: MetadataEmulator;
  let uri: CredentialsUriServer;
  const savedEnv = { ...process.env };

  suiteSetup(async () => {
    world = await World.start();
    sts = await StsEmulator.start({ tls: await serverCertificate(STS_HOSTS), host: STS_ADDRESS, sourceKey: (id) => world.emulator.accessKey(id) });
    await mapHosts(STS_ADDRESS, STS_HOSTS);
    for (const role of [ROLES.cliRamRole, ROLES.chained, ROLES.fileRole]) sts.addRole(role.arn, role.issued);
    sts.addRole(ROLES.oidc.arn, ROLES.oidc.issued, { providerArn: ROLES.oidc.providerArn, token: ROLES.oidc.token });
    metadata = await MetadataEmulator.start();
    uri = await CredentialsUriServer.start();
  });
  suiteTeardown(async () => {
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
    await Promise.all([sts?.stop(), metadata?.stop(), uri?.stop()]);
    await world?.stop();
  });

  for (const setup of SETUPS) {
    test(setup.name, async () => {
      await world.resetShowing([DEMO_REGION_ID]);
      seedKeys(world.emulator);
      for (const name of Object.keys(process.env)) if (name.startsWith('ALIBABA_CLOUD_')) delete process.env[name];
      const withHome = (value: string) => value.replace('${HOME}', world.home);
      for (const [name, value] of Object.entries(setup.env ?? {})) process.env[name] = withHome(value);
      for (const [file, content] of Object.entries(setup.files ?? {})) {
        await fs.mkdir(path.dirname(path.join(world.home, file)), { recursive: true });
        await fs.writeFile(path.join(world.home, file), content);
      }
      metadata.attachRole(setup.ecsRole ? ECS_ROLE : undefined);
      uri.issued = setup.uri ? URI_KEY : undefined;
      if (setup.uri) process.env.ALIBABA_CLOUD_CREDENTIALS_URI = uri.url;

      const library = await libraryInSeparateProcess();
      const nodes = await world.api.tree.getChildren();

      if (setup.culprit) {
        assert.ok(library.error, `the library found credentials: ${library.id}`);
        assert.match(messages(nodes).join('\n'), setup.culprit);
        assert.ok(!messages(nodes).join('\n').includes(KEYS.cliDefault.secret), 'no secret in the message');
        assert.ok(!messages(nodes).join('\n').includes('undefined'), messages(nodes).join('\n'));
        return;
      }
      assert.strictEqual(library.error, undefined);
      await regionChildren(world.api.tree, DEMO_REGION_ID);
      const signed = world.emulator.callsOf('ListKeyPairs');
      assert.ok(signed.length > 0, 'the sidebar called ListKeyPairs');
      for (const call of signed) {
        assert.deepStrictEqual(
          { id: call.accessKeyId, token: call.securityToken, valid: call.signatureValid },
          { id: library.id, token: library.token, valid: true },
        );
      }
      assert.strictEqual(world.emulator.accessKey(library.id ?? '')?.secret, library.secret, 'the library\'s secret is the one the emulator checked the signature with');
      assert.strictEqual(world.api.tree.sourceDescription, setup.source);
    });
  }
});
