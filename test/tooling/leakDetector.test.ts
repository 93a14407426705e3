import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { generateRsaKeyPair, md5Fingerprint } from '../emulator/keys';
import { findLeaks } from '../support/leakDetector';

// The leak detector (test/support/leakDetector.ts) against leaks planted in every form a log could hold
// them, and against clean text carrying everything public about the same key.
describe('findLeaks', async () => {
  const { privateKeyBody: pem, publicKey } = await generateRsaKeyPair('pkcs1-pem');
  const key = crypto.createPrivateKey(pem);
  const der = key.export({ type: 'pkcs1', format: 'der' });
  const body = der.toString('base64');
  // '/', '+' and '=' closer than SECRET_WINDOW apart: no piece survives escaping or URL-encoding untouched
  const accessKeySecret = 'Fz3k/Q9vL+m2Xw/R7tY/p=1NbC8/sD';
  const stsToken = 'CAIS8gF1q6Ft5B2yfSjIr5bSEsDgs';
  const signature = crypto.createHmac('sha256', 'k').update('canonical request').digest('hex');
  const sources = { privateKeys: [pem], secrets: [accessKeySecret, stsToken, signature] };
  const log = (leak: string) => `2026-12-02 10:00:00.000 [info] CreateKeyPair cn-hangzhou web-key ok ${leak} request id 1F2E\n`;
  const found = (text: string) => findLeaks(text, sources).map(({ kind, index }) => `${kind} #${index}`);

  const plantedKeys: Record<string, string> = {
    'PEM with LF line breaks': pem,
    'PEM with CRLF line breaks': pem.replace(/\n/g, '\r\n'),
    'PEM with escaped \\n (a JSON string)': JSON.stringify(pem),
    'PEM JSON-wrapped in a response body': JSON.stringify({ RequestId: 'x', PrivateKeyBody: pem, KeyPairName: 'k' }),
    'PEM twice escaped': JSON.stringify(JSON.stringify({ body: pem })),
    'PEM indented, one line per log entry': pem.split('\n').map((line) => `[trace]     ${line}`).join('\n'),
    // line 12 is past the modulus (which is public: the same bytes are in the public key)
    'one partial line (30 characters from the middle of a PEM line)': pem.split('\n')[12].slice(17, 47),
    'bare base64 of the DER': body,
    'URL-encoded base64, every character escaped': [...body].map((c) => `%${c.charCodeAt(0).toString(16)}`).join(''),
    'a hex dump the way `openssl rsa -text` prints it': der.toString('hex').replace(/(..)(?!$)/g, '$1:').replace(/((?:..:){15})/g, '$1\n    '),
    'hex of the DER': der.toString('hex'),
    'the same key re-encoded as PKCS#8 PEM': key.export({ type: 'pkcs8', format: 'pem' }) as string,
    "the JWK's private exponent": (key.export({ format: 'jwk' }) as { d: string }).d,
    'base64 of the whole PEM text': Buffer.from(pem).toString('base64'),
  };
  for (const [form, leak] of Object.entries(plantedKeys)) {
    test(`finds the private key: ${form}`, () => assert.deepEqual(found(log(leak)), ['private key #0']));
  }

  test('finds a key given as bare base64 DER or escaped PEM when it is logged as PEM', async () => {
    for (const format of ['pkcs8-base64', 'escaped-newlines', 'crlf'] as const) {
      const other = await generateRsaKeyPair(format);
      const otherPem = crypto.createPrivateKey(other.privateKeyBody.includes('BEGIN')
        ? other.privateKeyBody.replace(/\\n/g, '\n')
        : { key: Buffer.from(other.privateKeyBody, 'base64'), format: 'der', type: 'pkcs8' }).export({ type: 'pkcs1', format: 'pem' }) as string;
      assert.equal(findLeaks(log(otherPem), { privateKeys: [other.privateKeyBody] }).length, 1, format);
    }
  });

  const plantedSecrets: Record<string, [string, string]> = {
    'the AccessKeySecret': [accessKeySecret, 'secret #0'],
    'the AccessKeySecret in JSON with escaped slashes': [JSON.stringify({ s: accessKeySecret }).replace(/\//g, '\\/'), 'secret #0'],
    'the AccessKeySecret in JSON with unicode escapes': [JSON.stringify({ s: accessKeySecret }).replace(/[+=]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`), 'secret #0'],
    'the AccessKeySecret URL-encoded': [encodeURIComponent(accessKeySecret), 'secret #0'],
    'the STS token URL-encoded': [encodeURIComponent(`${stsToken}/+=`), 'secret #1'],
    'a piece of the STS token': [stsToken.slice(5, 5 + 12), 'secret #1'],
    'the full signature in an Authorization header': [`Authorization: ACS3-HMAC-SHA256 Credential=LTAI,Signature=${signature}`, 'secret #2'],
    'half the signature': [signature.slice(0, 32), 'secret #2'],
  };
  for (const [form, [leak, expected]] of Object.entries(plantedSecrets)) {
    test(`finds ${form}`, () => assert.deepEqual(found(log(leak)), [expected]));
  }

  test('clean text with everything public about the key is not a leak', async () => {
    const publicPem = crypto.createPublicKey(key).export({ type: 'spki', format: 'pem' }) as string;
    const publicJwk = crypto.createPublicKey(key).export({ format: 'jwk' });
    const other = await generateRsaKeyPair('pkcs1-pem');
    const clean = [
      log(`public key ${publicKey}`),
      log(`fingerprint ${md5Fingerprint(publicKey)}`),
      log(publicPem),
      log(JSON.stringify(publicJwk)),
      log(`Authorization: ACS3-HMAC-SHA256 Credential=LTAI,SignedHeaders=host;x-acs-action,Signature=${'0'.repeat(64)}`),
      log(`x-acs-content-sha256: ${crypto.createHash('sha256').update('').digest('hex')}`),
      log(`AccessKey secret ${accessKeySecret.slice(0, 4)}****`),
      log(other.privateKeyBody),
      log('-----BEGIN RSA PRIVATE KEY-----\n[redacted]\n-----END RSA PRIVATE KEY-----'),
    ].join('');
    assert.deepEqual(found(clean), []);
  });
});
