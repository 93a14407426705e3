import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { endpointFor, parseEndpointSetting, regionEndpoint } from '../../../src/cloud/endpoint';

describe('endpoint', () => {
  test('region endpoint is swas.<region>.aliyuncs.com over https', () => {
    assert.deepEqual(regionEndpoint('cn-hangzhou'), { host: 'swas.cn-hangzhou.aliyuncs.com', protocol: 'https' });
  });
  test('an override replaces the endpoint for every region', () => {
    const override = parseEndpointSetting('http://127.0.0.1:8080').endpoint;
    assert.deepEqual(endpointFor('cn-shanghai', override), { host: '127.0.0.1:8080', protocol: 'http' });
    assert.deepEqual(endpointFor('cn-shanghai', undefined), regionEndpoint('cn-shanghai'));
  });
  test('empty setting means no override', () => assert.deepEqual(parseEndpointSetting('  '), {}));
  test('https VPC endpoint', () => {
    assert.deepEqual(parseEndpointSetting('https://swas-vpc.cn-hangzhou.aliyuncs.com'), {
      endpoint: { host: 'swas-vpc.cn-hangzhou.aliyuncs.com', protocol: 'https' },
      insecure: false,
    });
  });
  test('not a URL', () => assert.equal(parseEndpointSetting('swas.cn-hangzhou.aliyuncs.com').problem, 'notUrl'));
  test('unsupported protocol', () => assert.equal(parseEndpointSetting('ftp://example.com').problem, 'unsupportedProtocol'));
  test('a path is refused', () => assert.equal(parseEndpointSetting('https://example.com/api').problem, 'hasPath'));
  // The SDK takes a host only: a query or fragment in the setting would be dropped without a word.
  test('a query or a fragment is refused like a path', () => {
    assert.equal(parseEndpointSetting('https://example.com/?region=cn-hangzhou').problem, 'hasPath');
    assert.equal(parseEndpointSetting('https://example.com#swas').problem, 'hasPath');
  });
  test('plain http to a non-loopback host is flagged insecure', () => {
    assert.equal(parseEndpointSetting('http://10.0.0.5:8080').insecure, true);
    assert.equal(parseEndpointSetting('http://localhost:8080').insecure, false);
    assert.equal(parseEndpointSetting('http://127.0.0.2:80').insecure, false);
    assert.equal(parseEndpointSetting('http://[::1]:80').insecure, false);
  });
  test('only the loopback names themselves count as loopback, not names that begin or end with them', () => {
    assert.equal(parseEndpointSetting('http://127.0.0.10:8080').insecure, false);
    assert.equal(parseEndpointSetting('http://localhost.example.com:8080').insecure, true);
    assert.equal(parseEndpointSetting('http://127.0.0.1.example.com:8080').insecure, true);
    assert.equal(parseEndpointSetting('http://notlocalhost:8080').insecure, true);
  });
  test('the RegionEndpoint ListRegions gave wins over the pattern, unless it is not an Alibaba Cloud name', () => {
    assert.deepEqual(endpointFor('cn-shanghai', undefined, 'swas-open.cn-shanghai.aliyuncs.com'), { host: 'swas-open.cn-shanghai.aliyuncs.com', protocol: 'https' });
    assert.deepEqual(endpointFor('cn-shanghai', undefined, 'evil.example.com'), regionEndpoint('cn-shanghai'));
    assert.deepEqual(endpointFor('cn-shanghai', undefined, 'x.aliyuncs.com.evil.example'), regionEndpoint('cn-shanghai'));
    // A host name is all it may be: with a scheme, user or path in front, the SDK would not call that host.
    assert.deepEqual(endpointFor('cn-shanghai', undefined, 'https://swas.cn-shanghai.aliyuncs.com'), regionEndpoint('cn-shanghai'));
    assert.deepEqual(endpointFor('cn-shanghai', undefined, 'evil.example@swas.cn-shanghai.aliyuncs.com'), regionEndpoint('cn-shanghai'));
    assert.deepEqual(endpointFor('cn-shanghai', { host: '127.0.0.1:1', protocol: 'http' }, 'swas-open.cn-shanghai.aliyuncs.com'), { host: '127.0.0.1:1', protocol: 'http' });
  });
});
