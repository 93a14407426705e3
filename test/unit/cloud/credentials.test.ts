import assert from 'node:assert/strict';
import * as path from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { CredentialsError, redactSecrets, resolveCredentials } from '../../../src/cloud/credentials';
import { credentialsSandbox, restoreEnvironment } from '../../support/credentialsSandbox';

// The library reads process.env and the home folder itself: each test sets both, and no
// metadata-service probe leaves the machine (the parity test in the real host covers that source).

const cliConfig = (profiles: object[], current = 'default') => JSON.stringify({ current, profiles });
const keyOf = async (r: Awaited<ReturnType<typeof resolveCredentials>>) => {
  const c = await r.credential.getCredential();
  return { id: c.accessKeyId, secret: c.accessKeySecret, token: c.securityToken };
};

describe('resolveCredentials (the @alicloud/credentials default chain)', () => {
  afterEach(restoreEnvironment);

  test('nothing configured: reason none, and no "undefined" from the chain reaches the message shown', async () => {
    await credentialsSandbox({});
    await assert.rejects(resolveCredentials(undefined), (e: CredentialsError) => e.reason === 'none' && e.culprit === undefined);
  });
  test('signed-in AccessKey wins over the environment', async () => {
    await credentialsSandbox({}, { ALIBABA_CLOUD_ACCESS_KEY_ID: 'envid', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'envsecret' });
    const r = await resolveCredentials({ accessKeyId: 'signed', accessKeySecret: 's' });
    assert.equal(r.source.kind, 'signedIn');
    assert.deepEqual(await keyOf(r), { id: 'signed', secret: 's', token: undefined });
  });
  test('a signed-in STS key signs with its security token', async () => {
    await credentialsSandbox({});
    const r = await resolveCredentials({ accessKeyId: 'STS.signed', accessKeySecret: 's', securityToken: 'tok' });
    assert.equal(r.source.kind, 'signedIn');
    assert.deepEqual(await keyOf(r), { id: 'STS.signed', secret: 's', token: 'tok' });
  });
  test('environment with STS token', async () => {
    await credentialsSandbox({}, { ALIBABA_CLOUD_ACCESS_KEY_ID: 'id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret', ALIBABA_CLOUD_SECURITY_TOKEN: 'tok' });
    const r = await resolveCredentials(undefined);
    assert.deepEqual(r.source, { kind: 'environment' });
    assert.deepEqual(await keyOf(r), { id: 'id', secret: 'secret', token: 'tok' });
  });
  test('an id without a secret names the missing variable', async () => {
    await credentialsSandbox({}, { ALIBABA_CLOUD_ACCESS_KEY_ID: 'id' });
    await assert.rejects(resolveCredentials(undefined), (e: CredentialsError) =>
      e.reason === 'broken' && e.culprit?.kind === 'variable' && e.culprit.name === 'ALIBABA_CLOUD_ACCESS_KEY_SECRET');
  });
  test('aliyun CLI current profile, with its region', async () => {
    const h = await credentialsSandbox({
      '.aliyun/config.json': cliConfig([
        { name: 'default', mode: 'AK', access_key_id: 'a', access_key_secret: 'b', region_id: 'cn-beijing' },
        { name: 'work', mode: 'AK', access_key_id: 'wa', access_key_secret: 'wb', region_id: 'cn-shanghai' },
      ], 'work'),
    });
    const r = await resolveCredentials(undefined);
    assert.equal((await keyOf(r)).id, 'wa');
    assert.equal(r.cliRegionId, 'cn-shanghai');
    assert.deepEqual(r.source, { kind: 'cliProfile', file: path.join(h, '.aliyun/config.json'), profile: 'work', mode: 'AK' });
  });
  test('ALIBABA_CLOUD_PROFILE picks the credentials file section, not [default]', async () => {
    await credentialsSandbox(
      { '.alibabacloud/credentials': '[default]\ntype = access_key\naccess_key_id = did\naccess_key_secret = dsecret\n[work]\ntype = access_key\naccess_key_id = wid\naccess_key_secret = wsecret\n' },
      { ALIBABA_CLOUD_PROFILE: 'work' },
    );
    const r = await resolveCredentials(undefined);
    assert.equal(r.source.kind, 'credentialsFile');
    assert.deepEqual(await keyOf(r), { id: 'wid', secret: 'wsecret', token: undefined });
  });
  test('a missing CLI profile is named with its file', async () => {
    const h = await credentialsSandbox({ '.aliyun/config.json': cliConfig([{ name: 'default', mode: 'AK', access_key_id: 'a', access_key_secret: 'b' }], 'gone') });
    await assert.rejects(resolveCredentials(undefined), (e: CredentialsError) =>
      e.reason === 'broken' && e.culprit?.kind === 'file' && e.culprit.path === path.join(h, '.aliyun/config.json') && e.culprit.profile === 'gone');
  });
  test('a broken CLI file does not stop the chain: the credentials file signs, as with every other Alibaba tool', async () => {
    await credentialsSandbox({
      '.aliyun/config.json': '{ not json',
      '.alibabacloud/credentials': '[default]\ntype = access_key\naccess_key_id = fid\naccess_key_secret = fsecret\n',
    });
    assert.equal((await keyOf(await resolveCredentials(undefined))).id, 'fid');
  });
  test('ALIBABA_CLOUD_CLI_PROFILE_DISABLED skips a valid CLI profile', async () => {
    await credentialsSandbox(
      {
        '.aliyun/config.json': cliConfig([{ name: 'default', mode: 'AK', access_key_id: 'cli', access_key_secret: 'b' }]),
        '.alibabacloud/credentials': '[default]\ntype = access_key\naccess_key_id = fid\naccess_key_secret = fsecret\n',
      },
      { ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'true' },
    );
    assert.equal((await keyOf(await resolveCredentials(undefined))).id, 'fid');
  });
  test('a broken CLI file alone is the culprit, and its content (a secret) is not repeated', async () => {
    const h = await credentialsSandbox({ '.aliyun/config.json': '{"profiles":[{"name":"default","access_key_secret":"TOPSECRET"' });
    await assert.rejects(resolveCredentials(undefined), (e: CredentialsError) =>
      e.culprit?.kind === 'file' && e.culprit.path === path.join(h, '.aliyun/config.json') && !e.message.includes('TOPSECRET'));
  });
  test('redactSecrets drops secret values from quoted bodies', () => {
    const text = redactSecrets('error retrieving credentials from credentialsURI result: {"AccessKeyId":"id","AccessKeySecret":"s3cr3t"}.');
    assert.ok(!text.includes('s3cr3t'), text);
    assert.ok(text.includes('"AccessKeyId":"id"'), text);
  });
});
