import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { CredentialsError, credentialInputs, redactSecrets, resolveCredentials } from '../../../src/cloud/credentials';
import { credentialsSandbox, restoreEnvironment } from '../../support/credentialsSandbox';
import { CredentialsUriServer } from '../../emulator/roleSources';
import { answerRoleRequests, METADATA_HOST, metadataService, notFound, stsKey, type RoleAnswer, type RoleRequest } from '../../support/roleTransport';

// Which source the user configured, and which one is named when it fails: through the public
// functions, with a temporary HOME and ALIBABA_CLOUD_* variables. The metadata service stays off
// (ALIBABA_CLOUD_ECS_METADATA_DISABLED), so nothing leaves the machine.

const cliConfig = (profiles: object[], current = 'default') => JSON.stringify({ current, profiles });
const akProfile = (name: string, id: string, region = '') => ({ name, mode: 'AK', access_key_id: id, access_key_secret: `${id}-secret`, region_id: region });
const credentialsFile = (...sections: string[]) =>
  sections.map((name) => `[${name}]\ntype = access_key\naccess_key_id = ${name}-id\naccess_key_secret = ${name}-secret\n`).join('');
const rejectsWith = (culprit: CredentialsError['culprit'], reason: CredentialsError['reason'] = 'broken') =>
  assert.rejects(resolveCredentials(undefined), (e: CredentialsError) => {
    assert.ok(e instanceof CredentialsError);
    assert.equal(e.name, 'CredentialsError');
    assert.equal(e.reason, reason);
    assert.deepEqual(e.culprit, culprit);
    return true;
  });

describe('credential sources and what a failure names', () => {
  afterEach(restoreEnvironment);

  test('a credentials file is reported with its path and the [default] section', async () => {
    const home = await credentialsSandbox({ '.alibabacloud/credentials': credentialsFile('default') });
    const resolved = await resolveCredentials(undefined);
    assert.deepEqual(resolved.source, { kind: 'credentialsFile', file: path.join(home, '.alibabacloud', 'credentials'), profile: 'default' });
    assert.equal(resolved.accessKeyId, 'default-id');
  });

  test('ALIBABA_CLOUD_CREDENTIALS_FILE moves the credentials file, and ALIBABA_CLOUD_PROFILE picks its section', async () => {
    const home = await credentialsSandbox({ 'elsewhere/creds.ini': credentialsFile('default', 'work') });
    const file = path.join(home, 'elsewhere/creds.ini');
    Object.assign(process.env, { ALIBABA_CLOUD_CREDENTIALS_FILE: file, ALIBABA_CLOUD_PROFILE: 'work' });
    const resolved = await resolveCredentials(undefined);
    assert.deepEqual(resolved.source, { kind: 'credentialsFile', file, profile: 'work' });
    assert.equal(resolved.accessKeyId, 'work-id');
  });

  test('a credentials file without the asked section is named with its path and that section', async () => {
    const home = await credentialsSandbox({ '.alibabacloud/credentials': credentialsFile('default') }, { ALIBABA_CLOUD_PROFILE: 'gone' });
    await rejectsWith({ kind: 'file', path: path.join(home, '.alibabacloud', 'credentials'), profile: 'gone' });
  });

  test('ALIBABA_CLOUD_CREDENTIALS_FILE naming a missing file is the culprit, with the default section', async () => {
    const home = await credentialsSandbox({});
    const file = path.join(home, 'no-such-credentials');
    process.env.ALIBABA_CLOUD_CREDENTIALS_FILE = file;
    await rejectsWith({ kind: 'file', path: file, profile: 'default' });
  });

  test('ALIBABA_CLOUD_PROFILE picks the CLI profile over the file\'s current one, with its mode and region', async () => {
    const home = await credentialsSandbox(
      { '.aliyun/config.json': cliConfig([{ name: 'default', mode: 'StsToken', access_key_id: 'sts', access_key_secret: 's', sts_token: 't', region_id: 'cn-beijing' }, akProfile('work', 'wa', 'cn-shanghai')]) },
      { ALIBABA_CLOUD_PROFILE: 'work' },
    );
    const resolved = await resolveCredentials(undefined);
    assert.deepEqual(resolved.source, { kind: 'cliProfile', file: path.join(home, '.aliyun', 'config.json'), profile: 'work', mode: 'AK' });
    assert.equal(resolved.accessKeyId, 'wa');
    assert.equal(resolved.cliRegionId, 'cn-shanghai');
  });

  test('the CLI profile\'s region is the default region only when it names one', async () => {
    await credentialsSandbox({ '.aliyun/config.json': cliConfig([akProfile('default', 'a', '')]) });
    assert.equal((await resolveCredentials(undefined)).cliRegionId, undefined);
  });

  test('ALIBABA_CLOUD_CLI_PROFILE_DISABLED (any case) also keeps the CLI profile\'s region out', async () => {
    await credentialsSandbox(
      { '.aliyun/config.json': cliConfig([akProfile('default', 'cli', 'cn-beijing')]), '.alibabacloud/credentials': credentialsFile('default') },
      { ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'TRUE' },
    );
    const resolved = await resolveCredentials(undefined);
    assert.equal(resolved.accessKeyId, 'default-id');
    assert.equal(resolved.cliRegionId, undefined);
  });

  test('a CLI config without profiles gives no region and does not stop the chain', async () => {
    await credentialsSandbox({ '.aliyun/config.json': '{"current":"default"}', '.alibabacloud/credentials': credentialsFile('default') });
    const resolved = await resolveCredentials(undefined);
    assert.equal(resolved.source.kind, 'credentialsFile');
    assert.equal(resolved.accessKeyId, 'default-id');
    assert.equal(resolved.cliRegionId, undefined);
  });

  test('a broken CLI file the user disabled is not blamed', async () => {
    await credentialsSandbox({ '.aliyun/config.json': '{ not json' }, { ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'True' });
    await rejectsWith(undefined, 'none');
  });

  test('a broken CLI file is named, and the message shows none of its content', async () => {
    const home = await credentialsSandbox({ '.aliyun/config.json': '{"profiles":[{"name":"default","mode":"AK","access_key_id":"LEAKED-ID"' });
    const file = path.join(home, '.aliyun', 'config.json');
    await assert.rejects(resolveCredentials(undefined), (e: CredentialsError) => {
      assert.deepEqual(e.culprit, { kind: 'file', path: file, profile: 'default' });
      assert.equal(e.message, `parse aliyun cli config from '${file}' failed (not valid JSON)`);
      return true;
    });
  });

  test('only an AccessKey secret in the environment names the missing ID', async () => {
    await credentialsSandbox({}, { ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret' });
    await rejectsWith({ kind: 'variable', name: 'ALIBABA_CLOUD_ACCESS_KEY_ID' });
  });

  for (const [set, missing] of [
    [['ALIBABA_CLOUD_OIDC_PROVIDER_ARN', 'ALIBABA_CLOUD_OIDC_TOKEN_FILE'], 'ALIBABA_CLOUD_ROLE_ARN'],
    [['ALIBABA_CLOUD_ROLE_ARN', 'ALIBABA_CLOUD_OIDC_TOKEN_FILE'], 'ALIBABA_CLOUD_OIDC_PROVIDER_ARN'],
    [['ALIBABA_CLOUD_ROLE_ARN', 'ALIBABA_CLOUD_OIDC_PROVIDER_ARN'], 'ALIBABA_CLOUD_OIDC_TOKEN_FILE'],
    [['ALIBABA_CLOUD_ROLE_ARN'], 'ALIBABA_CLOUD_OIDC_PROVIDER_ARN'],
    [['ALIBABA_CLOUD_OIDC_TOKEN_FILE'], 'ALIBABA_CLOUD_ROLE_ARN'],
  ] as const) {
    test(`an OIDC setup with only ${set.join(' and ')} names ${missing}`, async () => {
      await credentialsSandbox({}, Object.fromEntries(set.map((name) => [name, `acs:ram::1:${name.toLowerCase()}`])));
      await rejectsWith({ kind: 'variable', name: missing });
    });
  }

  test('an ECS role name is not blamed while the metadata service is disabled', async () => {
    await credentialsSandbox({}, { ALIBABA_CLOUD_ECS_METADATA: 'swas-role' });
    await rejectsWith(undefined, 'none');
  });

  test('nothing configured: the message says so, in one sentence', async () => {
    await credentialsSandbox({});
    await assert.rejects(resolveCredentials(undefined), (e: CredentialsError) => {
      assert.match(e.message, /^No Alibaba Cloud credentials are configured \(.+\)\.$/s);
      return true;
    });
  });

  describe('a credentials URI', () => {
    let uri: CredentialsUriServer;
    before(async () => {
      uri = await CredentialsUriServer.start();
    });
    after(async () => uri.stop());

    test('that hands out a key is the source, with its address', async () => {
      await credentialsSandbox({}, { ALIBABA_CLOUD_CREDENTIALS_URI: uri.url });
      uri.issued = { id: 'STS.uri', secret: 'uri-secret', securityToken: 'uri-token' };
      const resolved = await resolveCredentials(undefined);
      assert.deepEqual(resolved.source, { kind: 'credentialsUri', uri: uri.url });
      assert.equal(resolved.accessKeyId, 'STS.uri');
    });

    test('that fails is the culprit', async () => {
      await credentialsSandbox({}, { ALIBABA_CLOUD_CREDENTIALS_URI: uri.url });
      uri.issued = undefined;
      await rejectsWith({ kind: 'variable', name: 'ALIBABA_CLOUD_CREDENTIALS_URI' });
    });
  });
});

describe('role sources: which one signs, and which one a failure names', () => {
  let transport: ReturnType<typeof answerRoleRequests> | undefined;
  const answer = (handler: (request: RoleRequest) => RoleAnswer | Promise<RoleAnswer>) => (transport = answerRoleRequests(handler));
  afterEach(() => {
    transport?.restore();
    transport = undefined;
    restoreEnvironment();
  });
  // the metadata service is on in these tests: every request is answered here
  const enableMetadata = () => delete process.env.ALIBABA_CLOUD_ECS_METADATA_DISABLED;

  test('an OIDC role that gets a key is the source, with its token file', async () => {
    const home = await credentialsSandbox({ 'oidc-token': 'eyJ.oidc.token' });
    const tokenFile = path.join(home, 'oidc-token');
    Object.assign(process.env, { ALIBABA_CLOUD_ROLE_ARN: 'acs:ram::1:role/oidc', ALIBABA_CLOUD_OIDC_PROVIDER_ARN: 'acs:ram::1:oidc-provider/p', ALIBABA_CLOUD_OIDC_TOKEN_FILE: tokenFile });
    const { requests } = answer((request) => (request.action === 'AssumeRoleWithOIDC' ? stsKey('STS.oidc') : notFound));
    const resolved = await resolveCredentials(undefined);
    assert.deepEqual(resolved.source, { kind: 'oidc', tokenFile });
    assert.equal(resolved.accessKeyId, 'STS.oidc');
    assert.deepEqual(requests.map((r) => r.action), ['AssumeRoleWithOIDC']);
  });

  test('the ECS instance role named by ALIBABA_CLOUD_ECS_METADATA is the source when the metadata service hands out its key', async () => {
    await credentialsSandbox({}, { ALIBABA_CLOUD_ECS_METADATA: 'swas-role' });
    enableMetadata();
    answer((request) => (request.host === METADATA_HOST ? metadataService('swas-role', 'STS.ecs')(request) : notFound));
    const resolved = await resolveCredentials(undefined);
    assert.deepEqual(resolved.source, { kind: 'ecsRamRole' });
    assert.equal(resolved.accessKeyId, 'STS.ecs');
  });

  test('an ECS role the metadata service does not know is the culprit, named by its variable', async () => {
    await credentialsSandbox({}, { ALIBABA_CLOUD_ECS_METADATA: 'no-such-role' });
    enableMetadata();
    answer((request) => (request.host === METADATA_HOST ? metadataService('swas-role', 'STS.ecs')(request) : notFound));
    await rejectsWith({ kind: 'variable', name: 'ALIBABA_CLOUD_ECS_METADATA' });
  });

  test('a key from the chain\'s credentials URI step without ALIBABA_CLOUD_CREDENTIALS_URI (the library then asks https://undefined/) names no URI', async () => {
    await credentialsSandbox({});
    answer((request) => (request.url === 'https://undefined/' ? { status: 200, body: JSON.stringify({ Code: 'Success', AccessKeyId: 'STS.uri', AccessKeySecret: 's', SecurityToken: 't', Expiration: '2099-01-01T00:00:00Z' }) } : notFound));
    const resolved = await resolveCredentials(undefined);
    assert.deepEqual(resolved.source, { kind: 'credentialsUri', uri: '' });
    assert.equal(resolved.accessKeyId, 'STS.uri');
  });

  // `aliyun configure` may rewrite the CLI config while the chain is fetching a RAM role's key with
  // it; the source is then described from what the file says now, without failing.
  const ramRoleProfile = { name: 'default', mode: 'RamRoleArn', access_key_id: 'a', access_key_secret: 'b', ram_role_arn: 'acs:ram::1:role/cli' };
  for (const [what, rewrite] of [
    ['removed', (file: string) => fs.rm(file)],
    ['left without profiles', (file: string) => fs.writeFile(file, '{"current":"default"}')],
    ['left without that profile', (file: string) => fs.writeFile(file, cliConfig([akProfile('other', 'o')]))],
  ] as const) {
    test(`a CLI config ${what} while its RAM role key is fetched: the CLI profile is still the source`, async () => {
      const home = await credentialsSandbox({ '.aliyun/config.json': cliConfig([ramRoleProfile]) });
      const file = path.join(home, '.aliyun', 'config.json');
      answer(async (request) => {
        if (request.action !== 'AssumeRole') return notFound;
        await rewrite(file);
        return stsKey('STS.cli');
      });
      const resolved = await resolveCredentials(undefined);
      // the mode is the profile's in the file; with the profile gone, none is claimed
      assert.deepEqual(resolved.source, { kind: 'cliProfile', file, profile: 'default', mode: '' });
      assert.equal(resolved.accessKeyId, 'STS.cli');
    });
  }
});

describe('credentialInputs: what makes the resolved credentials change', () => {
  afterEach(restoreEnvironment);

  test('the same inputs give the same value; an unrelated variable does not change it', async () => {
    await credentialsSandbox({ '.aliyun/config.json': cliConfig([akProfile('default', 'a')]) });
    const first = await credentialInputs(undefined);
    process.env.SWAS_UNRELATED_VARIABLE = 'x';
    assert.equal(await credentialInputs(undefined), first);
  });

  test('a variable the library reads, the signed-in key, HOME and each file change it', async () => {
    const home = await credentialsSandbox({});
    const values = new Set<string>();
    const record = async (signedIn?: { accessKeyId: string; accessKeySecret: string }) => values.add(await credentialInputs(signedIn));
    await record();
    process.env.ALIBABA_CLOUD_PROFILE = 'work';
    await record();
    await record({ accessKeyId: 'id', accessKeySecret: 'secret' });
    await record({ accessKeyId: 'id', accessKeySecret: 'other secret' });
    await fs.mkdir(path.join(home, '.aliyun'));
    await fs.writeFile(path.join(home, '.aliyun', 'config.json'), cliConfig([akProfile('work', 'a')]));
    await record();
    await fs.mkdir(path.join(home, '.alibabacloud'));
    await fs.writeFile(path.join(home, '.alibabacloud', 'credentials'), credentialsFile('work'));
    await record();
    await fs.appendFile(path.join(home, '.alibabacloud', 'credentials'), credentialsFile('more'));
    await record();
    process.env.HOME = await fs.mkdtemp(path.join(os.tmpdir(), 'swas-cred-src-'));
    await record();
    assert.equal(values.size, 8);
  });

  test('the order variables were set in does not matter', async () => {
    await credentialsSandbox({});
    const names = ['ALIBABA_CLOUD_PROFILE', 'ALIBABA_CLOUD_REGION_ID', 'ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_CLI_PROFILE_DISABLED'];
    const setInOrder = async (order: readonly string[]) => {
      for (const name of names) delete process.env[name];
      for (const name of order) process.env[name] = `${name}-value`;
      return credentialInputs(undefined);
    };
    const forwards = await setInOrder(names);
    assert.equal(await setInOrder([...names].reverse()), forwards);
    assert.equal(await setInOrder([names[2], names[0], names[3], names[1]]), forwards);
  });
});

describe('redactSecrets', () => {
  for (const [text, expected] of [
    ['AccessKeySecret=abc123&Version=1', 'AccessKeySecret=***&Version=1'],
    ['{"AccessKeyId":"id","AccessKeySecret":"s3 cr3t","Expiration":"x"}', '{"AccessKeyId":"id","AccessKeySecret":***,"Expiration":"x"}'],
    ['"SecurityToken" :  "tok"}', '"SecurityToken" :  ***}'],
    ['access_key_secret: xyz}', 'access_key_secret: ***}'],
    ['sts_token=abc, next', 'sts_token=***, next'],
    ['secret = hidden done', 'secret = *** done'],
    ['TOKEN:abc', 'TOKEN:***'],
    ['AccessKeyId: LTAI5t and no secret', 'AccessKeyId: LTAI5t and no secret'],
  ] as const) {
    test(`${text} -> ${expected}`, () => assert.equal(redactSecrets(text), expected));
  }

  test('a long message is cut to 400 characters', () => {
    assert.equal(redactSecrets('x'.repeat(1000)), 'x'.repeat(400));
  });

  test('only the library\'s own "parse aliyun cli config" message is shortened to its first words', () => {
    assert.equal(redactSecrets("parse aliyun cli config from '/h/.aliyun/config.json' failed: {\"x\""), "parse aliyun cli config from '/h/.aliyun/config.json' failed (not valid JSON)");
    assert.equal(redactSecrets("reading: parse aliyun cli config from 'f' failed: Secret=abc"), "reading: parse aliyun cli config from 'f' failed: Secret=***");
  });
});
