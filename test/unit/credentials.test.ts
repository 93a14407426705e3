import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { CredentialsError, resolveCredentials } from '../../src/cloud/credentials';

async function home(files: Record<string, string> = {}): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'swas-cred-'));
  for (const [name, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), content);
  }
  return dir;
}

const cliConfig = (profiles: object[], current = 'default') => JSON.stringify({ current, profiles });

describe('resolveCredentials', () => {
  test('nothing configured fails up front with reason none', async () => {
    await assert.rejects(resolveCredentials({ env: {}, home: await home() }), (e: CredentialsError) => e.reason === 'none');
  });
  test('signed-in AccessKey wins over the environment', async () => {
    const r = await resolveCredentials({
      env: { ALIBABA_CLOUD_ACCESS_KEY_ID: 'envid', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'envsecret' },
      home: await home(),
      signedIn: { accessKeyId: 'signed', accessKeySecret: 's' },
    });
    assert.equal(r.source.kind, 'signedIn');
    assert.equal(r.staticCredentials?.accessKeyId, 'signed');
  });
  test('environment with STS token', async () => {
    const r = await resolveCredentials({
      env: { ALIBABA_CLOUD_ACCESS_KEY_ID: 'id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret', ALIBABA_CLOUD_SECURITY_TOKEN: 'tok' },
      home: await home(),
    });
    assert.deepEqual(r.staticCredentials, { accessKeyId: 'id', accessKeySecret: 'secret', securityToken: 'tok' });
  });
  test('an id without a secret is not a credential', async () => {
    await assert.rejects(resolveCredentials({ env: { ALIBABA_CLOUD_ACCESS_KEY_ID: 'id' }, home: await home() }), CredentialsError);
  });
  test('aliyun CLI current profile, with its region', async () => {
    const h = await home({
      '.aliyun/config.json': cliConfig([
        { name: 'default', mode: 'AK', access_key_id: 'a', access_key_secret: 'b', region_id: 'cn-beijing' },
        { name: 'work', mode: 'AK', access_key_id: 'wa', access_key_secret: 'wb', region_id: 'cn-shanghai' },
      ], 'work'),
    });
    const r = await resolveCredentials({ env: {}, home: h });
    assert.equal(r.staticCredentials?.accessKeyId, 'wa');
    assert.equal(r.cliRegionId, 'cn-shanghai');
    assert.deepEqual(r.source, { kind: 'cliProfile', file: path.join(h, '.aliyun/config.json'), profile: 'work', mode: 'AK' });
  });
  test('ALIBABA_CLOUD_PROFILE picks the profile', async () => {
    const h = await home({
      '.aliyun/config.json': cliConfig([
        { name: 'default', mode: 'AK', access_key_id: 'a', access_key_secret: 'b' },
        { name: 'ci', mode: 'StsToken', access_key_id: 'c', access_key_secret: 'd', sts_token: 't' },
      ]),
    });
    const r = await resolveCredentials({ env: { ALIBABA_CLOUD_PROFILE: 'ci' }, home: h });
    assert.deepEqual(r.staticCredentials, { accessKeyId: 'c', accessKeySecret: 'd', securityToken: 't' });
  });
  test('a missing profile is named', async () => {
    const h = await home({ '.aliyun/config.json': cliConfig([{ name: 'default', mode: 'AK', access_key_id: 'a', access_key_secret: 'b' }], 'gone') });
    await assert.rejects(resolveCredentials({ env: {}, home: h }), (e: CredentialsError) => e.reason === 'cliProfileMissing' && /gone/.test(e.message));
  });
  test('a role profile is left to the credentials library', async () => {
    const h = await home({ '.aliyun/config.json': cliConfig([{ name: 'default', mode: 'RamRoleArn', access_key_id: 'a', access_key_secret: 'b' }]) });
    const r = await resolveCredentials({ env: {}, home: h });
    assert.equal(r.staticCredentials, undefined);
    assert.equal(r.source.kind, 'cliProfile');
  });
  test('~/.alibabacloud/credentials access_key section', async () => {
    const h = await home({ '.alibabacloud/credentials': '[default]\r\ntype = access_key\r\naccess_key_id = fid\r\naccess_key_secret = fsecret\r\n' });
    const r = await resolveCredentials({ env: {}, home: h });
    assert.deepEqual(r.staticCredentials, { accessKeyId: 'fid', accessKeySecret: 'fsecret' });
  });
  test('a broken CLI config is reported, not ignored', async () => {
    const h = await home({ '.aliyun/config.json': '{ not json' });
    await assert.rejects(resolveCredentials({ env: {}, home: h }), (e: CredentialsError) => e.reason === 'unreadable');
  });
});
