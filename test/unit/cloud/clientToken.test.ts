import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientToken, mayHaveActed } from '../../../src/cloud/clientToken';
import { CredentialsError } from '../../../src/cloud/credentials';
import { CloudError } from '../../../src/cloud/errors';

/** An error shaped as the SDK throws for a service answer (code and HTTP status). */
const answered = (code: string, statusCode: number) => Object.assign(new Error(code), { code, statusCode });

describe('the ClientToken rule', () => {
  test('after a failure the service may have acted on, Retry sends the same token', () => {
    for (const error of [
      Object.assign(new Error('timeout'), { name: 'RequestTimeoutError' }),
      Object.assign(new Error('reset'), { code: 'ECONNRESET' }),
      answered('ServiceUnavailable', 503),
      answered('Throttling.User', 400),
      new CloudError('badResponse', 'CreateKeyPair', 'garbled', {}),
    ]) {
      const token = new ClientToken();
      const first = token.value;
      token.beforeRetryAfter(error);
      assert.equal(token.value, first, `${error.message}: a second request could do it twice`);
      assert.equal(mayHaveActed(error), true);
    }
  });

  test('after a refusal the user can fix (RAM, quota) or a credentials problem, Retry is a new request', () => {
    for (const error of [answered('Forbidden.RAM', 403), answered('QuotaExceed.KeyPair', 403), new CredentialsError('none', 'no credentials')]) {
      const token = new ClientToken();
      const first = token.value;
      token.beforeRetryAfter(error);
      assert.notEqual(token.value, first, `${error.message}: a reused token may get the refusal again`);
      assert.match(token.value, /^[0-9a-f-]{36}$/, 'at most 64 ASCII characters, as ClientToken allows');
    }
  });

  test('renew gives a new token; tokens of two requests differ', () => {
    const token = new ClientToken();
    const first = token.value;
    token.renew();
    assert.notEqual(token.value, first);
    assert.notEqual(new ClientToken().value, new ClientToken().value);
  });
});
