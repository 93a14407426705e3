import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CloudErrorKind, toCloudError } from '../../../src/cloud/errors';

// What toCloudError makes of the shapes Node and the SDK throw without an answer from the
// service (the answered refusals go through the real SDK in cloudErrors.test.ts).
describe('toCloudError on transport failures and odd shapes', () => {
  const errorWith = (fields: Record<string, unknown>) => Object.assign(new Error(String(fields.message ?? 'failed')), fields);
  for (const [fields, kind] of [
    [{ code: 'ECONNRESET' }, 'network'],
    [{ code: 'EPIPE' }, 'network'],
    [{ code: 'EHOSTUNREACH' }, 'network'],
    [{ code: 'ENETUNREACH' }, 'network'],
    [{ code: 'ECONNABORTED' }, 'network'],
    [{ code: 'ETIMEDOUT' }, 'timeout'],
    [{ code: 'ECONNREFUSED' }, 'connectionRefused'],
    [{ code: 'ENOTFOUND' }, 'dnsFailure'],
    [{ code: 'EAI_AGAIN' }, 'dnsFailure'],
    [{ code: 'ERR_SOMETHING_ELSE' }, 'unknown'],
    // httpx names both its timeouts RequestTimeoutError; AbortSignal.timeout() rejects with a TimeoutError
    [{ name: 'RequestTimeoutError', message: 'ReadTimeout(1000). ' }, 'timeout'],
    [{ name: 'TimeoutError', message: 'The operation was aborted due to timeout' }, 'timeout'],
    [{ message: 'socket hang up' }, 'network'],
    [{ message: 'Client network socket disconnected before secure TLS connection was established' }, 'unknown'],
    [{ name: 'SyntaxError', message: 'Unexpected token < in JSON at position 0' }, 'badResponse'],
  ] as const) {
    test(`${JSON.stringify(fields)} is ${kind}`, () => {
      const error = toCloudError(errorWith(fields), 'ListKeyPairs');
      assert.equal(error.kind, kind satisfies CloudErrorKind);
      assert.equal(error.action, 'ListKeyPairs');
    });
  }

  test('a SyntaxError thrown as such is badResponse; a plain object is unknown', () => {
    assert.equal(toCloudError(new SyntaxError('Unexpected end of JSON input'), 'ListKeyPairs').kind, 'badResponse');
    assert.equal(toCloudError({ message: 'odd' }, 'ListKeyPairs').kind, 'unknown');
    assert.equal(toCloudError(undefined, 'ListKeyPairs').kind, 'unknown');
  });

  test('details keep only fields of the right type, and no request id the SDK spelled "undefined"', () => {
    const details = toCloudError({ code: 7, statusCode: '503', requestId: 'undefined', retryAfter: '300', message: 'odd' }, 'ListKeyPairs').details;
    assert.equal(details.code, undefined);
    assert.equal(details.statusCode, undefined);
    assert.equal(details.requestId, undefined);
    assert.equal(details.retryAfterMs, undefined);
    const answered = toCloudError({ code: 'Throttling.User', statusCode: 400, requestId: 'REQ-1', retryAfter: 300, data: { Message: 'slow down' } }, 'ListKeyPairs');
    assert.deepEqual(
      { kind: answered.kind, code: answered.details.code, statusCode: answered.details.statusCode, requestId: answered.details.requestId, retryAfterMs: answered.details.retryAfterMs },
      { kind: 'throttled', code: 'Throttling.User', statusCode: 400, requestId: 'REQ-1', retryAfterMs: 300 },
    );
    assert.equal(answered.message, 'ListKeyPairs failed: slow down');
  });

  test('the RAM denial detail comes from the answer body, else from the SDK\'s field when it holds anything', () => {
    const inBody = { AuthAction: 'swas-open:ListKeyPairs' };
    const onError = { AuthAction: 'swas-open:CreateKeyPair' };
    const denied = (fields: Record<string, unknown>) =>
      toCloudError({ code: 'Forbidden.RAM', statusCode: 403, ...fields }, 'ListKeyPairs').details.accessDeniedDetail;
    assert.deepEqual(denied({ data: { AccessDeniedDetail: inBody }, accessDeniedDetail: onError }), inBody);
    assert.deepEqual(denied({ accessDeniedDetail: onError }), onError);
    assert.equal(denied({ accessDeniedDetail: {} }), undefined);
  });
});
