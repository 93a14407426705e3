import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import Swas, * as $Swas from '@alicloud/swas-open20200601';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { checkKeyPairName } from '../../../src/cloud/keyPairName';
import { openSshRsaPublicKey } from '../../emulator/keys';
import { SwasEmulator } from '../../emulator/server';

const REGION = 'cn-hangzhou';
const KEY = { id: 'LTAI5tUnitTestKey00000001', secret: 'unit-test-secret-1' };

/**
 * The product's name rule (keyPairName.ts) and the emulator's, which follows the CreateKeyPair and
 * ImportKeyPair pages (a Chinese character may come first for both): each name is accepted by both
 * or refused by both, for Create and for Import alike.
 */
test('checkKeyPairName agrees with CreateKeyPair and ImportKeyPair on every name, a leading Chinese character included', async (t) => {
  const emulator = await SwasEmulator.start();
  t.after(() => emulator.stop());
  emulator.addAccessKey(KEY);
  const client = new Swas(new $OpenApiUtil.Config({ accessKeyId: KEY.id, accessKeySecret: KEY.secret, endpoint: `127.0.0.1:${emulator.port}`, protocol: 'http', connectTimeout: 30_000, readTimeout: 30_000 }));
  const publicKeyBody = openSshRsaPublicKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey);
  const accepted = async (call: () => Promise<unknown>) => call().then(() => true, (error: { code?: string }) => (error.code === 'InvalidParameter.KeyPairName' ? false : Promise.reject(error)));

  const deleteAll = async () => {
    const keyPairNames = emulator.keyPairs(REGION).map((k) => k.keyPairName);
    if (keyPairNames.length > 0) await client.deleteKeyPairs(new $Swas.DeleteKeyPairsRequest({ regionId: REGION, keyPairNames }));
  };
  const names = ['中文key', '密钥', 'a密', 'ab', 'Key:pair_1-x', '1abc', '_abc', 'a', 'a b', 'a/b', 'https://x', 'a'.repeat(64), 'a'.repeat(65)];
  for (const [index, name] of names.entries()) {
    const product = checkKeyPairName(name) === undefined;
    const imported = await accepted(() => client.importKeyPair(new $Swas.ImportKeyPairRequest({ regionId: REGION, keyPairName: name, publicKeyBody })));
    await deleteAll();
    const created = await accepted(() => client.createKeyPair(new $Swas.CreateKeyPairRequest({ regionId: REGION, keyPairName: name })));
    await deleteAll();
    assert.deepEqual({ name, imported, created }, { name, imported: product, created: product }, `name #${index}`);
  }
  assert.ok(checkKeyPairName('中文key') === undefined, 'a leading Chinese character is allowed');
});
