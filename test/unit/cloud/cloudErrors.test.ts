import assert from 'node:assert/strict';
import * as net from 'node:net';
import { before, describe, test } from 'node:test';
import { SwasClient } from '../../../src/cloud/client';
import { CloudError, CloudErrorKind, toCloudError } from '../../../src/cloud/errors';
import { DEMO_REGION_ID } from '../../emulator/demo';
import type { SwasEmulator } from '../../emulator/server';
import { demoEmulator, emulatorClient } from '../../support/emulatorClient';

// Every refusal goes through the real SDK (its ClientError/ServerError/ThrottlingError) and real HTTP;
// the codes and statuses are the table in docs/swas-api.md, "Errors", except where marked.
const REFUSALS: Array<{ code: string; status: number; kind: CloudErrorKind }> = [
  { code: 'KeyPairNameAlreadyExist', status: 400, kind: 'nameExists' },
  // assumption (not in the table): another *AlreadyExist* code means the same
  { code: 'InvalidKeyPairName.AlreadyExists', status: 400, kind: 'nameExists' },
  // docs/swas-api.md, "Quota": the quota code is undocumented for SWAS; ECS uses QuotaExceed.KeyPair, 403
  { code: 'QuotaExceed.KeyPair', status: 403, kind: 'quotaExceeded' },
  // assumption: the code for a key pair still attached names it InUse or Attached
  { code: 'KeyPair.InUse', status: 400, kind: 'keyPairInUse' },
  { code: 'KeyPairAttached', status: 400, kind: 'keyPairInUse' },
  { code: 'InvalidAccessKeyId.NotFound', status: 404, kind: 'accessKeyNotFound' },
  { code: 'InvalidAccessKeyId', status: 404, kind: 'accessKeyNotFound' },
  { code: 'InvalidAccessKeyId.Inactive', status: 400, kind: 'accessKeyInactive' },
  { code: 'SignatureDoesNotMatch', status: 400, kind: 'signatureMismatch' },
  { code: 'IncompleteSignature', status: 400, kind: 'signatureMismatch' },
  { code: 'InvalidTimeStamp.Expired', status: 400, kind: 'clockSkew' },
  { code: 'InvalidSecurityToken.Expired', status: 400, kind: 'tokenExpired' },
  { code: 'Forbidden.RAM', status: 403, kind: 'forbidden' },
  { code: 'NoPermission', status: 400, kind: 'forbidden' },
  { code: 'NotAuthorized', status: 403, kind: 'forbidden' },
  { code: 'Throttling.User', status: 400, kind: 'throttled' },
  { code: 'MissingParameter', status: 400, kind: 'invalidParameter' },
  { code: 'InvalidParameter', status: 400, kind: 'invalidParameter' },
  { code: 'InvalidRegionId', status: 400, kind: 'invalidParameter' },
  { code: 'InternalError', status: 500, kind: 'serverError' },
  { code: 'ServiceUnavailable', status: 503, kind: 'serverError' },
  { code: 'SomethingElse', status: 400, kind: 'unknown' },
  // assumption: a code's first part names its kind; the same word later in the code does not
  // (a rejected time parameter is not a wrong clock, forbidden characters are no RAM denial, a
  // server fault about a parameter is still retried)
  { code: 'InvalidParameter.InvalidTimeStamp', status: 400, kind: 'invalidParameter' },
  { code: 'InvalidParameter.ForbiddenCharacters', status: 400, kind: 'invalidParameter' },
  { code: 'InternalError.InvalidParameter', status: 500, kind: 'serverError' },
];
const TRANSIENT: CloudErrorKind[] = ['throttled', 'serverError', 'timeout', 'network', 'connectionRefused', 'badResponse'];

describe('CloudError kinds from real SDK errors', () => {
  const demo = demoEmulator();
  let emulator: SwasEmulator;
  before(() => (emulator = demo.emulator));
  // one attempt: the error the SDK threw is the one classified
  const clientFor = (endpoint: string, readMs = 1000) =>
    emulatorClient(endpoint, { timeouts: { connectMs: 1000, readMs }, retry: { attempts: 1, baseDelayMs: 10, maxDelayMs: 10 } });
  const failure = async (client: SwasClient): Promise<CloudError> => {
    try {
      await client.listKeyPairs(DEMO_REGION_ID);
    } catch (error) {
      assert.ok(error instanceof CloudError, `not a CloudError: ${error}`);
      return error;
    }
    assert.fail('the call succeeded');
  };


  for (const { code, status, kind } of REFUSALS) {
    test(`${code} (HTTP ${status}) is ${kind}, with the code, status, request id and the server's message`, async () => {
      emulator.injectFault({ action: 'ListKeyPairs', kind: 'error', status, code, message: `refused: ${code}` });
      const error = await failure(await clientFor(emulator.url));
      assert.equal(error.kind, kind);
      assert.equal(error.action, 'ListKeyPairs');
      assert.equal(error.name, 'CloudError');
      assert.equal(error.details.code, code);
      assert.equal(error.details.statusCode, status);
      assert.match(error.details.requestId ?? '', /\S/);
      assert.equal(error.details.serverMessage, `refused: ${code}`);
      assert.equal(error.message, `ListKeyPairs failed: refused: ${code}`);
      assert.equal(error.transient, TRANSIENT.includes(kind));
    });
  }

  test('a gateway HTML page (no JSON) is badResponse, worth a retry', async () => {
    emulator.injectFault({ action: 'ListKeyPairs', kind: 'html' });
    const error = await failure(await clientFor(emulator.url));
    assert.equal(error.kind, 'badResponse');
    assert.equal(error.transient, true);
  });

  test('an answer slower than the read timeout is timeout, worth a retry', async () => {
    emulator.injectFault({ action: 'ListKeyPairs', kind: 'delay', ms: 1500 });
    const error = await failure(await clientFor(emulator.url, 300));
    assert.equal(error.kind, 'timeout');
    assert.equal(error.transient, true);
  });

  test('a port nobody listens on is connectionRefused; an unresolvable host is dnsFailure, not worth a retry', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as net.AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await failure(await clientFor(`http://127.0.0.1:${port}`));
    assert.equal(refused.kind, 'connectionRefused');
    assert.equal(refused.details.code, 'ECONNREFUSED');
    assert.equal(refused.transient, true);
    // .invalid never resolves (RFC 6761); offline resolvers answer EAI_AGAIN, others ENOTFOUND
    const unresolved = await failure(await clientFor('http://swas.cn-hangzhou.invalid'));
    assert.equal(unresolved.kind, 'dnsFailure');
    assert.equal(unresolved.transient, false);
  });

  test('a CloudError passes through unchanged; a real socket reset is network', async () => {
    const original = new CloudError('forbidden', 'AttachKeyPair', 'AttachKeyPair failed: no');
    assert.equal(toCloudError(original, 'Other'), original);
    const resetting = net.createServer((socket) => socket.resetAndDestroy());
    await new Promise<void>((resolve) => resetting.listen(0, '127.0.0.1', resolve));
    try {
      const error = await failure(await clientFor(`http://127.0.0.1:${(resetting.address() as net.AddressInfo).port}`));
      assert.equal(error.kind, 'network');
      assert.equal(error.transient, true);
    } finally {
      await new Promise<void>((resolve) => resetting.close(() => resolve()));
    }
  });
});
