import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import Swas, * as $Swas from '@alicloud/swas-open20200601';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import {
  DEMO_ACCESS_KEY_ID,
  DEMO_ACCESS_KEY_SECRET,
  DEMO_EXISTING_KEY_PAIR,
  DEMO_REGION_ID,
  DEMO_SERVERS,
} from '../emulator/demo';
import { openSshRsaPublicKey, PRIVATE_KEY_FORMATS } from '../emulator/keys';
import { SwasEmulator, type EmulatorOptions } from '../emulator/server';
import { authorizationHeader, canonicalQueryString, sha256Hex } from '../emulator/signature';
import { apiTimestamp } from '../emulator/state';

const REGION = 'cn-hangzhou';
const KEY = { id: 'LTAI5tUnitTestKey00000001', secret: 'unit-test-secret-1' };

interface Credentials {
  readonly id: string;
  readonly secret: string;
  readonly securityToken?: string;
}

function sdkClient(emulator: SwasEmulator, credentials: Credentials = KEY): Swas {
  return new Swas(
    new $OpenApiUtil.Config({
      accessKeyId: credentials.id,
      accessKeySecret: credentials.secret,
      securityToken: credentials.securityToken,
      endpoint: `127.0.0.1:${emulator.port}`,
      protocol: 'http',
      readTimeout: 5000,
      connectTimeout: 5000,
    }),
  );
}

async function startEmulator(t: TestContext, options: EmulatorOptions = {}): Promise<{ emulator: SwasEmulator; client: Swas }> {
  const emulator = await SwasEmulator.start(options);
  t.after(() => emulator.stop());
  emulator.addAccessKey(KEY);
  return { emulator, client: sdkClient(emulator) };
}

function createKeyPair(client: Swas, keyPairName: string, clientToken?: string, regionId = REGION) {
  return client.createKeyPair(new $Swas.CreateKeyPairRequest({ regionId, keyPairName, clientToken }));
}

/** Turns every PrivateKeyBody variant back into a key, the way a careful client has to. */
function parsePrivateKeyBody(body: string) {
  const text = body.replace(/\\n/g, '\n').replace(/\r\n/g, '\n');
  if (text.includes('-----BEGIN')) {
    return createPrivateKey(text);
  }
  const der = Buffer.from(text, 'base64');
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs1' });
  } catch {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  }
}

function publicKeyOf(privateKeyBody: string): string {
  return openSshRsaPublicKey(createPublicKey(parsePrivateKeyBody(privateKeyBody)));
}

interface RawCall {
  readonly action: string;
  readonly query: Record<string, string>;
  readonly credentials?: Credentials;
  readonly date?: string;
  readonly nonce?: string;
  readonly body?: string;
  readonly extraHeaders?: Record<string, string>;
  /** Changes the request after it was signed. */
  readonly tamper?: (request: { query: Record<string, string>; headers: Record<string, string> }) => void;
}

/** Signs a request by hand (as the SDK would) and sends it with node:http, to test what the SDK never sends. */
function rawCall(emulator: SwasEmulator, call: RawCall): Promise<{ status: number; body: Record<string, unknown> }> {
  const credentials = call.credentials ?? KEY;
  const body = call.body ?? '';
  const query = { ...call.query };
  const headers: Record<string, string> = {
    host: `127.0.0.1:${emulator.port}`,
    'x-acs-action': call.action,
    'x-acs-version': '2020-06-01',
    'x-acs-date': call.date ?? apiTimestamp(),
    'x-acs-signature-nonce': call.nonce ?? randomUUID(),
    'x-acs-content-sha256': sha256Hex(body),
    ...call.extraHeaders,
  };
  headers.authorization = authorizationHeader({ method: 'POST', path: '/', query, headers }, credentials.id, credentials.secret, sha256Hex(body));
  call.tamper?.({ query, headers });
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: emulator.port, method: 'POST', path: `/?${canonicalQueryString(query)}`, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('SWAS emulator: authentication', () => {
  test('accepts SDK-signed calls and records and logs them without secrets', async (t) => {
    const logLines: string[] = [];
    const { emulator, client } = await startEmulator(t, { logRequests: (line) => logLines.push(line) });
    const zh = await client.listRegions(new $Swas.ListRegionsRequest({}));
    const en = await client.listRegions(new $Swas.ListRegionsRequest({ acceptLanguage: 'en-US' }));

    assert.equal(zh.body?.regions?.length, 6);
    assert.deepEqual(
      { ...zh.body?.regions?.[0] },
      { regionId: 'cn-hangzhou', localName: '华东1（杭州）', regionEndpoint: 'swas.cn-hangzhou.aliyuncs.com' },
    );
    assert.equal(en.body?.regions?.[0].localName, 'China (Hangzhou)');
    assert.equal(emulator.calls.length, 2);
    assert.ok(emulator.calls.every((c) => c.signatureValid && c.status === 200 && c.accessKeyId === KEY.id));
    assert.equal(emulator.callsOf('ListRegions')[1].query.AcceptLanguage, 'en-US');
    assert.ok(!JSON.stringify(emulator.calls).includes(KEY.secret));
    assert.equal(logLines.length, 2);
    assert.match(logLines[0], /^ListRegions - -> 200 /);
    assert.ok(!logLines.join('\n').includes(KEY.secret));
    emulator.clearCalls();
    assert.equal(emulator.calls.length, 0);
  });

  test('wrong secret: SignatureDoesNotMatch', async (t) => {
    const { emulator } = await startEmulator(t);
    const client = sdkClient(emulator, { id: KEY.id, secret: 'not-the-secret' });
    await assert.rejects(client.listRegions(new $Swas.ListRegionsRequest({})), {
      code: 'SignatureDoesNotMatch',
      statusCode: 400,
    });
    assert.equal(emulator.calls[0].signatureValid, false);
    assert.equal(emulator.calls[0].code, 'SignatureDoesNotMatch');
  });

  test('unknown access key: InvalidAccessKeyId.NotFound (404)', async (t) => {
    const { emulator } = await startEmulator(t);
    const client = sdkClient(emulator, { id: 'LTAI5tNobodyHasThisKey000', secret: KEY.secret });
    await assert.rejects(client.listRegions(new $Swas.ListRegionsRequest({})), {
      code: 'InvalidAccessKeyId.NotFound',
      statusCode: 404,
    });
  });

  test('inactive access key: InvalidAccessKeyId.Inactive until re-enabled', async (t) => {
    const { emulator, client } = await startEmulator(t);
    emulator.setAccessKeyActive(KEY.id, false);
    await assert.rejects(client.listRegions(new $Swas.ListRegionsRequest({})), {
      code: 'InvalidAccessKeyId.Inactive',
      statusCode: 400,
    });
    emulator.setAccessKeyActive(KEY.id, true);
    await client.listRegions(new $Swas.ListRegionsRequest({}));
  });

  test('STS key needs its signed token, and fails once the token expires', async (t) => {
    const { emulator } = await startEmulator(t);
    const sts = { id: 'STS.NUgYrLnoC37mZZCNnAbez2E', secret: 'sts-secret', securityToken: 'CAIS-token-1' };
    emulator.addAccessKey(sts);
    const list = (credentials: Credentials) =>
      sdkClient(emulator, credentials).listKeyPairs(new $Swas.ListKeyPairsRequest({ regionId: REGION }));

    await list(sts);
    await assert.rejects(list({ id: sts.id, secret: sts.secret }), { code: 'InvalidSecurityToken.Malformed' });
    await assert.rejects(list({ ...sts, securityToken: 'CAIS-other' }), {
      code: 'InvalidSecurityToken.MismatchWithAccessKey',
    });
    emulator.expireSecurityToken(sts.id);
    await assert.rejects(list(sts), { code: 'InvalidSecurityToken.Expired', statusCode: 400 });
  });

  test('hand-signed request passes; tampered, replayed, stale or partly signed ones are refused', async (t) => {
    const { emulator } = await startEmulator(t);
    const query = { RegionId: REGION, KeyPairName: 'raw-key' };
    const ok = await rawCall(emulator, { action: 'ListKeyPairs', query, nonce: 'nonce-1' });
    assert.equal(ok.status, 200);

    const tampered = await rawCall(emulator, {
      action: 'ListKeyPairs',
      query,
      tamper: (request) => {
        request.query.KeyPairName = 'other-key';
      },
    });
    assert.equal(tampered.status, 400);
    assert.equal(tampered.body.Code, 'SignatureDoesNotMatch');

    const replayed = await rawCall(emulator, { action: 'ListKeyPairs', query, nonce: 'nonce-1' });
    assert.equal(replayed.body.Code, 'SignatureNonceUsed');

    const stale = await rawCall(emulator, { action: 'ListKeyPairs', query, date: apiTimestamp(new Date(Date.now() - 16 * 60_000)) });
    assert.equal(stale.body.Code, 'InvalidTimeStamp.Expired');

    const bodyChanged = await rawCall(emulator, {
      action: 'ListKeyPairs',
      query,
      body: 'a=1',
      tamper: (request) => {
        request.headers['x-acs-content-sha256'] = sha256Hex('');
      },
    });
    assert.equal(bodyChanged.body.Code, 'SignatureDoesNotMatch');

    const unsignedHeader = await rawCall(emulator, {
      action: 'ListKeyPairs',
      query,
      tamper: (request) => {
        request.headers['x-acs-extra'] = 'sneaked in';
      },
    });
    assert.equal(unsignedHeader.body.Code, 'IncompleteSignature');
    assert.deepEqual(
      emulator.calls.map((c) => c.signatureValid),
      [true, false, false, false, false, false],
    );
  });
});

describe('SWAS emulator: key pairs', () => {
  test('CreateKeyPair returns a real RSA-2048 private key matching the listed public key', async (t) => {
    const { emulator, client } = await startEmulator(t);
    const created = await createKeyPair(client, 'my-key');

    assert.equal(created.body?.keyPairName, 'my-key');
    const privateKey = parsePrivateKeyBody(created.body?.privateKeyBody ?? '');
    assert.equal(privateKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.match(created.body?.privateKeyBody ?? '', /^-----BEGIN RSA PRIVATE KEY-----\n/);

    const listed = await client.listKeyPairs(new $Swas.ListKeyPairsRequest({ regionId: REGION }));
    assert.equal(listed.body?.totalCount, 1);
    const keyPair = listed.body?.keyPairs?.[0];
    assert.equal(keyPair?.publicKey, publicKeyOf(created.body?.privateKeyBody ?? ''));
    assert.match(keyPair?.creationTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(keyPair?.instanceIds, []);
    assert.equal(emulator.keyPairs(REGION)[0].privateKeyBody, created.body?.privateKeyBody);
  });

  test('every private key format is a parseable key for the same public key', async (t) => {
    const { emulator, client } = await startEmulator(t);
    for (const [index, format] of PRIVATE_KEY_FORMATS.entries()) {
      emulator.setPrivateKeyFormat(format);
      const created = await createKeyPair(client, `format-${index}`);
      const body = created.body?.privateKeyBody ?? '';
      assert.equal(publicKeyOf(body), emulator.keyPairs(REGION)[index].publicKey, format);
    }
    const bodies = emulator.keyPairs(REGION).map((k) => k.privateKeyBody ?? '');
    assert.match(bodies[1], /^-----BEGIN PRIVATE KEY-----\n/);
    assert.match(bodies[2], /^MIIE[A-Za-z0-9+/=]+$/);
    assert.match(bodies[4], /^-----BEGIN RSA PRIVATE KEY-----\\n/);
    assert.match(bodies[5], /\r\n/);
  });

  test('ClientToken: a retry returns the same key and creates nothing new', async (t) => {
    const { emulator, client } = await startEmulator(t);
    const first = await createKeyPair(client, 'idem-key', 'token-1');
    const second = await createKeyPair(client, 'idem-key', 'token-1');
    const [third, fourth] = await Promise.all([
      createKeyPair(client, 'concurrent-key', 'token-2'),
      createKeyPair(client, 'concurrent-key', 'token-2'),
    ]);

    assert.equal(second.body?.privateKeyBody, first.body?.privateKeyBody);
    assert.equal(second.body?.keyPairName, 'idem-key');
    assert.notEqual(second.body?.requestId, first.body?.requestId);
    assert.equal(fourth.body?.privateKeyBody, third.body?.privateKeyBody);
    assert.deepEqual(
      emulator.keyPairs(REGION).map((k) => k.keyPairName),
      ['idem-key', 'concurrent-key'],
    );
    await assert.rejects(createKeyPair(client, 'another-name', 'token-1'), { code: 'IdempotentParameterMismatch' });
  });

  test('duplicate name and the per-region quota are refused', async (t) => {
    const { emulator, client } = await startEmulator(t, { quota: 2 });
    await createKeyPair(client, 'key-a');
    await assert.rejects(createKeyPair(client, 'key-a'), {
      code: 'KeyPairNameAlreadyExist',
      statusCode: 400,
      message: /The keyPair name already exist\./,
    });
    await createKeyPair(client, 'key-b');
    await assert.rejects(createKeyPair(client, 'key-c'), { code: 'QuotaExceed.KeyPair', statusCode: 403 });
    await createKeyPair(client, 'key-c', undefined, 'cn-shanghai');
    assert.equal(emulator.keyPairs(REGION).length, 2);
  });

  test('key pair name rules', async (t) => {
    const { client } = await startEmulator(t);
    const valid = ['ab', 'Key:1_x-y', '密钥对', 'k' + 'x'.repeat(63)];
    const invalid = ['a', '1key', '_key', 'k' + 'x'.repeat(64), 'has space', 'http://x', 'https://x', 'key/1', 'ключ'];
    for (const name of valid) {
      await createKeyPair(client, name);
    }
    for (const name of invalid) {
      await assert.rejects(createKeyPair(client, name), { code: 'InvalidParameter.KeyPairName', statusCode: 400 }, name);
    }
  });

  test('ImportKeyPair takes ssh-rsa and ssh-ed25519 and refuses malformed or other keys', async (t) => {
    const { emulator, client } = await startEmulator(t);
    const importKey = (keyPairName: string, publicKeyBody: string) =>
      client.importKeyPair(new $Swas.ImportKeyPairRequest({ regionId: REGION, keyPairName, publicKeyBody }));
    const rsa = openSshRsaPublicKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey);
    const ed25519Raw = Buffer.from(generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
    const ed25519 = `ssh-ed25519 ${sshBlob('ssh-ed25519', ed25519Raw).toString('base64')} me@laptop`;
    const ecdsa = `ecdsa-sha2-nistp256 ${sshBlob('ecdsa-sha2-nistp256', Buffer.alloc(65, 4)).toString('base64')}`;

    await importKey('imported-rsa', `${rsa} user@host`);
    await importKey('imported-ed', ed25519);
    assert.deepEqual(
      emulator.keyPairs(REGION).map((k) => k.publicKey),
      [rsa, ed25519.split(' ').slice(0, 2).join(' ')],
    );
    for (const bad of [ecdsa, 'ssh-rsa AAAAB3NzaC1yc2E=', 'ssh-rsa not-base64!', ed25519.replace('ssh-ed25519', 'ssh-rsa')]) {
      await assert.rejects(importKey('bad-key', bad), { code: 'InvalidPublicKeyBody.Malformed' }, bad);
    }
    await assert.rejects(importKey('imported-rsa', rsa), { code: 'KeyPairNameAlreadyExist' });
  });

  test('attach and detach reach authorized_keys (0600) only at the restart; delete refuses attached key pairs', async (t) => {
    const { emulator, client } = await startEmulator(t);
    const dir = await mkdtemp(join(tmpdir(), 'swas-emulator-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const authorizedKeysFile = join(dir, 'web', '.ssh', 'authorized_keys');
    // A pre-existing, loosely permissioned file: its content must go and its mode must become 0600.
    await mkdir(dirname(authorizedKeysFile), { recursive: true });
    await writeFile(authorizedKeysFile, 'ssh-rsa AAAAold-key\n', { mode: 0o644 });
    const web = emulator.addInstance(REGION, { instanceName: 'web', publicIpAddress: '127.0.0.2', osType: 'Linux', authorizedKeysFile });
    const win = emulator.addInstance(REGION, { instanceName: 'win', publicIpAddress: '127.0.0.9', osType: 'Windows' });
    const first = await createKeyPair(client, 'first-key');
    const second = await createKeyPair(client, 'second-key');
    const attach = (keyPairName: string, instanceIds: string[]) =>
      client.attachKeyPair(new $Swas.AttachKeyPairRequest({ regionId: REGION, keyPairName, instanceIds }));

    const attached = await attach('first-key', [web.instanceId, win.instanceId, 'no-such-server']);
    assert.equal(attached.body?.totalCount, 3);
    assert.equal(attached.body?.failCount, 2);
    assert.deepEqual(
      attached.body?.results?.map((r) => [r.instanceId, r.code, r.success]),
      [
        [web.instanceId, '200', 'true'],
        [win.instanceId, '400', 'false'],
        ['no-such-server', '404', 'false'],
      ],
    );
    assert.equal(await readFile(authorizedKeysFile, 'utf8'), 'ssh-rsa AAAAold-key\n', 'not before the restart');
    await rebootAndWait(client, web.instanceId);
    assert.equal(await readFile(authorizedKeysFile, 'utf8'), `${publicKeyOf(first.body?.privateKeyBody ?? '')}\n`);
    assert.equal((await stat(authorizedKeysFile)).mode & 0o777, 0o600);

    await attach('second-key', [web.instanceId]);
    await rebootAndWait(client, web.instanceId);
    assert.equal(await readFile(authorizedKeysFile, 'utf8'), `${publicKeyOf(second.body?.privateKeyBody ?? '')}\n`);
    assert.deepEqual(emulator.keyPairs(REGION).map((k) => k.instanceIds), [[], [web.instanceId]]);
    const described = await client.describeInstanceKeyPair(
      new $Swas.DescribeInstanceKeyPairRequest({ regionId: REGION, instanceId: web.instanceId }),
    );
    assert.equal(described.body?.keyPairName, 'second-key');
    assert.match(described.body?.fingerprint ?? '', /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);

    const deleteKeys = (keyPairNames: string[]) =>
      client.deleteKeyPairs(new $Swas.DeleteKeyPairsRequest({ regionId: REGION, keyPairNames }));
    await assert.rejects(deleteKeys(['first-key', 'second-key']), { code: 'KeyPair.InUse' });
    assert.equal(emulator.keyPairs(REGION).length, 2);

    const detached = await client.detachKeyPair(
      new $Swas.DetachKeyPairRequest({ regionId: REGION, keyPairName: 'second-key', instanceIds: [web.instanceId] }),
    );
    assert.equal(detached.body?.results?.[0].success, 'true');
    assert.equal(await readFile(authorizedKeysFile, 'utf8'), `${publicKeyOf(second.body?.privateKeyBody ?? '')}\n`, 'not before the restart');
    await rebootAndWait(client, web.instanceId);
    assert.equal(await readFile(authorizedKeysFile, 'utf8'), '');
    await deleteKeys(['first-key', 'second-key']);
    assert.deepEqual(emulator.keyPairs(REGION), []);
  });
});

async function statusOf(client: Swas, instanceId: string): Promise<string | undefined> {
  const listed = await client.listInstances(new $Swas.ListInstancesRequest({ regionId: REGION, instanceIds: JSON.stringify([instanceId]) }));
  return listed.body?.instances?.[0]?.status;
}

/** RebootInstance, then ListInstances until the server is Running again; returns the statuses seen, in order, without repeats. */
async function rebootAndWait(client: Swas, instanceId: string): Promise<string[]> {
  await client.rebootInstance(new $Swas.RebootInstanceRequest({ regionId: REGION, instanceId }));
  const seen: string[] = [];
  for (;;) {
    const status = (await statusOf(client, instanceId)) ?? '';
    if (seen.at(-1) !== status) {
      seen.push(status);
    }
    if (status === 'Running') {
      return seen;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function sshBlob(type: string, key: Buffer): Buffer {
  const field = (data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    return Buffer.concat([length, data]);
  };
  return Buffer.concat([field(Buffer.from(type)), field(key)]);
}

describe('SWAS emulator: servers', () => {
  test('ListInstances pages across more than 100 servers', async (t) => {
    const { emulator, client } = await startEmulator(t);
    for (let i = 0; i < 205; i++) {
      emulator.addInstance(REGION, { instanceName: `server-${i}`, publicIpAddress: `10.0.${i >> 8}.${i & 255}`, osType: 'Linux' });
    }
    const seen: string[] = [];
    for (let pageNumber = 1; pageNumber <= 3; pageNumber++) {
      const page = await client.listInstances(new $Swas.ListInstancesRequest({ regionId: REGION, pageNumber, pageSize: 100 }));
      assert.equal(page.body?.totalCount, 205);
      assert.equal(page.body?.pageNumber, pageNumber);
      seen.push(...(page.body?.instances ?? []).map((i) => i.instanceId ?? ''));
    }
    assert.equal(new Set(seen).size, 205);

    const defaultPage = await client.listInstances(new $Swas.ListInstancesRequest({ regionId: REGION }));
    assert.equal(defaultPage.body?.pageSize, 10);
    assert.equal(defaultPage.body?.instances?.length, 10);
    assert.equal(defaultPage.body?.instances?.[0].image?.osType, 'Linux');
    await assert.rejects(client.listInstances(new $Swas.ListInstancesRequest({ regionId: REGION, pageSize: 101 })), {
      code: 'InvalidParameter.PageSize',
    });

    const filtered = await client.listInstances(
      new $Swas.ListInstancesRequest({ regionId: REGION, instanceIds: JSON.stringify(seen.slice(0, 3)) }),
    );
    assert.deepEqual(filtered.body?.instances?.map((i) => i.instanceId), seen.slice(0, 3));
    const named = await client.listInstances(new $Swas.ListInstancesRequest({ regionId: REGION, instanceName: 'server-20*' }));
    assert.equal(named.body?.totalCount, 6);
  });

  test('RebootInstance: Stopping, Starting, then Running; a second restart while it runs is refused; unknown servers and regions are errors', async (t) => {
    const { emulator, client } = await startEmulator(t);
    emulator.setRebootDelays({ stoppingMs: 400, startingMs: 400 });
    const server = emulator.addInstance(REGION, { instanceName: 'web', publicIpAddress: '127.0.0.2', osType: 'Linux' });
    const reboot = () => client.rebootInstance(new $Swas.RebootInstanceRequest({ regionId: REGION, instanceId: server.instanceId }));
    const seen = rebootAndWait(client, server.instanceId);
    await assert.rejects(
      (async () => {
        while ((await statusOf(client, server.instanceId)) === 'Running') await new Promise((resolve) => setTimeout(resolve, 5));
        await reboot();
      })(),
      { code: 'IncorrectInstanceStatus' },
    );
    assert.deepEqual(await seen, ['Stopping', 'Starting', 'Running']);
    assert.equal(emulator.instances(REGION)[0].rebootCount, 1);
    await assert.rejects(client.rebootInstance(new $Swas.RebootInstanceRequest({ regionId: REGION, instanceId: 'gone' })), {
      code: 'InvalidInstanceId.NotFound',
    });
    await assert.rejects(client.listKeyPairs(new $Swas.ListKeyPairsRequest({ regionId: 'mars-north-1' })), {
      code: 'InvalidRegionId',
      statusCode: 400,
    });
  });
});

describe('SWAS emulator: firewall', () => {
  test('ListFirewallRules lists TCP 22, 80, 443 for a new server; CreateFirewallRule adds a rule and checks protocol and port', async (t) => {
    const { emulator, client } = await startEmulator(t);
    const server = emulator.addInstance(REGION, { instanceName: 'web', publicIpAddress: '127.0.0.2', osType: 'Linux' });
    const list = async () =>
      (await client.listFirewallRules(new $Swas.ListFirewallRulesRequest({ regionId: REGION, instanceId: server.instanceId, pageSize: 100 }))).body;
    const first = await list();
    assert.equal(first?.totalCount, 3);
    assert.deepEqual(first?.firewallRules?.map((r) => [r.ruleProtocol, r.port, r.policy]), [
      ['TCP', '22', 'accept'],
      ['TCP', '80', 'accept'],
      ['TCP', '443', 'accept'],
    ]);
    emulator.removeFirewallRules(REGION, server.instanceId, '22');
    assert.deepEqual((await list())?.firewallRules?.map((r) => r.port), ['80', '443']);

    const create = (ruleProtocol: string, port: string, clientToken?: string) =>
      client.createFirewallRule(new $Swas.CreateFirewallRuleRequest({ regionId: REGION, instanceId: server.instanceId, ruleProtocol, port, remark: 'SSH', clientToken }));
    const created = await create('TCP', '22', 'token-1');
    assert.match(created.body?.firewallId ?? '', /^[0-9a-f]{32}$/);
    assert.equal((await create('TCP', '22', 'token-1')).body?.firewallId, created.body?.firewallId, 'a retry with the same token adds nothing');
    const rules = (await list())?.firewallRules ?? [];
    assert.deepEqual(rules.map((r) => [r.ruleId, r.ruleProtocol, r.port, r.remark, r.sourceCidrIp]).at(-1), [created.body?.firewallId, 'TCP', '22', 'SSH', '0.0.0.0/0']);
    assert.equal(rules.length, 3);
    await create('TCP+UDP', '8000/9000');
    for (const [protocol, port] of [['SCTP', '22'], ['TCP', '0'], ['TCP', '70000'], ['TCP', '9000/8000'], ['TCP', '22-23'], ['ICMP', '22']]) {
      await assert.rejects(create(protocol, port), (error: { code: string }) => /^InvalidParameter/.test(error.code), `${protocol} ${port}`);
    }
    await assert.rejects(
      client.listFirewallRules(new $Swas.ListFirewallRulesRequest({ regionId: REGION, instanceId: 'gone' })),
      { code: 'InvalidInstanceId.NotFound' },
    );
  });
});

describe('SWAS emulator: errors and faults', () => {
  test('unknown action, missing parameter, RAM denial', async (t) => {
    const { emulator, client } = await startEmulator(t);
    const unknown = await rawCall(emulator, { action: 'LaunchRocket', query: { RegionId: REGION } });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.Code, 'InvalidAction.NotFound');
    assert.deepEqual(Object.keys(unknown.body).sort(), ['Code', 'HostId', 'Message', 'Recommend', 'RequestId']);

    await assert.rejects(client.createKeyPair(new $Swas.CreateKeyPairRequest({ regionId: REGION })), {
      code: 'MissingParameter.KeyPairName',
      statusCode: 400,
    });

    emulator.denyAction(KEY.id, 'CreateKeyPair');
    await assert.rejects(createKeyPair(client, 'denied-key'), (error: { code: string; statusCode: number; accessDeniedDetail: Record<string, string> }) => {
      assert.equal(error.code, 'Forbidden.RAM');
      assert.equal(error.statusCode, 403);
      assert.equal(error.accessDeniedDetail.AuthAction, 'swas-open:CreateKeyPair');
      assert.equal(error.accessDeniedDetail.NoPermissionType, 'ImplicitDeny');
      return true;
    });
    await client.listKeyPairs(new $Swas.ListKeyPairsRequest({ regionId: REGION }));
  });

  test('dropAfterAct: the key is created, the response lost; a retry with the same token gets it', async (t) => {
    const { emulator, client } = await startEmulator(t);
    emulator.injectFault({ action: 'CreateKeyPair', kind: 'dropAfterAct' });
    await assert.rejects(createKeyPair(client, 'lost-key', 'token-lost'), { code: 'ECONNRESET' });
    assert.equal(emulator.keyPairs(REGION).length, 1);

    const retried = await createKeyPair(client, 'lost-key', 'token-lost');
    assert.equal(retried.body?.privateKeyBody, emulator.keyPairs(REGION)[0].privateKeyBody);
    assert.equal(emulator.keyPairs(REGION).length, 1);
    assert.deepEqual(emulator.callsOf('CreateKeyPair').map((c) => c.status), [0, 200]);
  });

  test('faults that do not act, in order, only for their action', async (t) => {
    const { emulator, client } = await startEmulator(t);
    emulator.injectFault({ action: 'CreateKeyPair', kind: 'dropBeforeAct' });
    emulator.injectFault({ action: 'CreateKeyPair', kind: 'status', times: 2 });
    emulator.injectFault({ action: 'CreateKeyPair', kind: 'throttle', retryAfter: 1500 });
    emulator.injectFault({ action: 'CreateKeyPair', kind: 'html' });
    emulator.injectFault({ action: 'CreateKeyPair', kind: 'error', status: 403, code: 'QuotaExceed', message: 'Too many.' });
    emulator.injectFault({ action: 'CreateKeyPair', kind: 'status', status: 500, code: 'InternalError' });

    await client.listKeyPairs(new $Swas.ListKeyPairsRequest({ regionId: REGION }));
    await assert.rejects(createKeyPair(client, 'k1'), { code: 'ECONNRESET' });
    await assert.rejects(createKeyPair(client, 'k1'), { name: 'ServerError', code: 'ServiceUnavailable', statusCode: 503 });
    await assert.rejects(createKeyPair(client, 'k1'), { code: 'ServiceUnavailable' });
    await assert.rejects(createKeyPair(client, 'k1'), { name: 'ThrottlingError', code: 'Throttling.User', retryAfter: 1500 });
    await assert.rejects(createKeyPair(client, 'k1'), { name: 'SyntaxError' });
    await assert.rejects(createKeyPair(client, 'k1'), { code: 'QuotaExceed', statusCode: 403, message: /Too many\./ });
    await assert.rejects(createKeyPair(client, 'k1'), { code: 'InternalError', statusCode: 500 });
    assert.equal(emulator.keyPairs(REGION).length, 0);
    await createKeyPair(client, 'k1');
    assert.equal(emulator.keyPairs(REGION).length, 1);
  });

  test('malformed acts but truncates the body; clearFaults removes pending faults', async (t) => {
    const { emulator, client } = await startEmulator(t);
    emulator.injectFault({ kind: 'malformed' });
    await assert.rejects(createKeyPair(client, 'half-key'), { name: 'SyntaxError' });
    assert.equal(emulator.keyPairs(REGION).length, 1);
    emulator.injectFault({ kind: 'status', times: 5 });
    emulator.clearFaults();
    await client.listKeyPairs(new $Swas.ListKeyPairsRequest({ regionId: REGION }));
  });

  test('delay fault and per-region latency slow calls down', async (t) => {
    const { emulator, client } = await startEmulator(t);
    const timed = async (call: () => Promise<unknown>) => {
      const started = performance.now();
      await call();
      return performance.now() - started;
    };
    const list = (regionId: string) => () => client.listKeyPairs(new $Swas.ListKeyPairsRequest({ regionId }));
    emulator.injectFault({ kind: 'delay', ms: 150 });
    assert.ok((await timed(list(REGION))) >= 140);
    emulator.setLatency(150, 'cn-shanghai');
    assert.ok((await timed(list('cn-shanghai'))) >= 140);
    assert.ok((await timed(list(REGION))) < 140);
  });
});

describe('SWAS emulator: CLI', () => {
  test('--demo seeds the demo world, prints one line and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [join(__dirname, '..', 'emulator', 'cli.js'), '--port', '0', '--demo'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const match = /^SWAS emulator listening on http:\/\/127\.0\.0\.1:(\d+)$/.exec(line);
      assert.ok(match, line);
      const client = new Swas(
        new $OpenApiUtil.Config({
          accessKeyId: DEMO_ACCESS_KEY_ID,
          accessKeySecret: DEMO_ACCESS_KEY_SECRET,
          endpoint: `127.0.0.1:${match[1]}`,
          protocol: 'http',
        }),
      );
      const instances = await client.listInstances(new $Swas.ListInstancesRequest({ regionId: DEMO_REGION_ID }));
      assert.deepEqual(instances.body?.instances?.map((i) => [i.instanceName, i.publicIpAddress, i.image?.osType]), [
        ['web-1', '127.0.0.2', 'Linux'],
        ['db-1', '127.0.0.3', 'Linux'],
        ['win-1', '127.0.0.4', 'Windows'],
      ]);
      const keyPairs = await client.listKeyPairs(new $Swas.ListKeyPairsRequest({ regionId: DEMO_REGION_ID }));
      assert.equal(keyPairs.body?.keyPairs?.[0].keyPairName, DEMO_EXISTING_KEY_PAIR);
      assert.deepEqual(keyPairs.body?.keyPairs?.[0].instanceIds, [DEMO_SERVERS.web1.instanceId]);
      const shanghai = await client.listInstances(new $Swas.ListInstancesRequest({ regionId: 'cn-shanghai' }));
      assert.equal(shanghai.body?.totalCount, 1);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });
});
