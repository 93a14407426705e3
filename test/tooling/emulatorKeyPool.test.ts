import { createPrivateKey } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateRsaKeyPair, KEY_POOL_ENV, writeRsaKeyPool } from '../emulator/keys';

/** The key itself, whatever PEM it came in: its PKCS#8 DER, as Node's crypto writes it. */
function keyBytes(pem: string): string {
  return createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' }).toString('hex');
}

async function withPool<T>(run: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'swas-key-pool-'));
  try {
    return await run(join(dir, 'pool.json'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('SWAS emulator: key pool (SWAS_EMULATOR_KEY_POOL)', () => {
  test("hands out the pool's keys in order, none twice in one process, then makes new ones", () => withPool(async (file) => {
    await writeRsaKeyPool(file, 2);
    const pool = JSON.parse(await readFile(file, 'utf8')) as string[];
    assert.equal(pool.length, 2);
    assert.equal((await stat(file)).mode & 0o777, 0o600, 'private keys: readable by the owner only');
    process.env[KEY_POOL_ENV] = file;
    const handedOut = [];
    try {
      for (let i = 0; i < 3; i++) handedOut.push((await generateRsaKeyPair('pkcs1-pem')).privateKeyBody);
    } finally {
      delete process.env[KEY_POOL_ENV];
    }
    assert.deepEqual(handedOut.slice(0, 2).map(keyBytes), pool.map(keyBytes));
    assert.ok(!pool.map(keyBytes).includes(keyBytes(handedOut[2])), 'past the pool: a new key');
    assert.equal(createPrivateKey(handedOut[2]).asymmetricKeyDetails?.modulusLength, 2048);
  }));

  test('keeps a pool file that holds enough keys, and makes a larger one anew', () => withPool(async (file) => {
    await writeRsaKeyPool(file, 1);
    const first = await readFile(file, 'utf8');
    await writeRsaKeyPool(file, 1);
    assert.equal(await readFile(file, 'utf8'), first);
    await writeRsaKeyPool(file, 2);
    assert.equal((JSON.parse(await readFile(file, 'utf8')) as string[]).length, 2);
  }));

  test('a pool that cannot be put in place fails and leaves no partial file', () => withPool(async (file) => {
    // a folder where the file goes: the keys are written beside it, then the rename fails
    await mkdir(join(file, 'occupied'), { recursive: true });
    await assert.rejects(writeRsaKeyPool(file, 1));
    assert.deepEqual(await readdir(dirname(file)), ['pool.json']);
  }));
});
