import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isPlausibleRegionId, isShuttingDown, KNOWN_REGIONS } from '../../../src/cloud/regions';
import { regionsToShow, supportsKeyPairs, withoutRegion, withRegion } from '../../../src/cloud/regionList';

// A current ListRegions answer (docs/swas-api.md, "Regions"), its region ids in its order, written out; the two
// whose names say "关停中" (being shut down) are marked. me-east-1 is not in it.
const LIST_REGIONS_ANSWER = [
  'cn-qingdao', 'cn-beijing', 'cn-zhangjiakou', 'cn-huhehaote', 'cn-hangzhou', 'cn-shanghai', 'cn-shenzhen', 'cn-heyuan',
  'cn-chengdu', 'cn-guangzhou', 'cn-wulanchabu', 'cn-nanjing', 'cn-fuzhou', 'cn-wuhan-lr', 'cn-hongkong', 'ap-southeast-1',
  'ap-southeast-3', 'ap-southeast-5', 'ap-northeast-1', 'us-west-1', 'us-east-1', 'eu-central-1', 'eu-west-1',
  'ap-southeast-6', 'ap-southeast-7', 'ap-northeast-2',
];

describe('KNOWN_REGIONS (the offline fallback of the region picker)', () => {
  test('holds the regions of a current ListRegions answer, in its order, the ones being shut down marked', () => {
    assert.deepEqual(KNOWN_REGIONS.map((region) => region.regionId), LIST_REGIONS_ANSWER);
    assert.deepEqual(KNOWN_REGIONS.filter((region) => region.shuttingDown).map((region) => region.regionId), ['cn-nanjing', 'cn-fuzhou']);
  });

  test('a Chinese ListRegions name marks a region being shut down', () => {
    assert.equal(isShuttingDown('华东5 （南京）关停中'), true);
    assert.equal(isShuttingDown('华东1（杭州）'), false);
  });

  test('each region id is plausible and listed once, each with a name of its own', () => {
    const ids = KNOWN_REGIONS.map((region) => region.regionId);
    assert.deepEqual(ids.filter((id) => !isPlausibleRegionId(id)), []);
    assert.equal(new Set(ids).size, ids.length);
    const names = KNOWN_REGIONS.map((region) => region.localName);
    assert.deepEqual(names.filter((name) => name.trim() === ''), []);
    assert.equal(new Set(names).size, names.length);
  });
});

describe('isPlausibleRegionId', () => {
  test('takes lower-case words joined by one to three hyphens', () => {
    for (const id of ['cn-hangzhou', 'ap-southeast-1', 'cn-wuhan-lr', 'cn-a-b-c', 'me-east-1']) {
      assert.equal(isPlausibleRegionId(id), true, id);
    }
  });

  test('refuses anything else, including a valid id inside a longer string', () => {
    for (const id of ['', 'cn', 'c-hangzhou', 'CN-hangzhou', 'cn_hangzhou', 'cn-', 'cn--x', 'cn-a-b-c-d',
      '1cn-hangzhou', 'cn-hangzhou!', ' cn-hangzhou', 'cn-hangzhou ', 'cn-Hangzhou']) {
      assert.equal(isPlausibleRegionId(id), false, JSON.stringify(id));
    }
  });
});

describe('region list', () => {
  test('swas.regions wins once set, even when empty', () => {
    assert.deepEqual(regionsToShow(['us-east-1'], ['cn-hangzhou']), ['us-east-1']);
    assert.deepEqual(regionsToShow([], ['cn-hangzhou']), []);
  });

  test('until then: the default region and the last one used, trimmed, blanks and repeats dropped, in order', () => {
    assert.deepEqual(regionsToShow(undefined, [' cn-hangzhou ', undefined, '', '  ', 'cn-shanghai', 'cn-hangzhou']),
      ['cn-hangzhou', 'cn-shanghai']);
    assert.deepEqual(regionsToShow(undefined, [undefined]), []);
  });

  test('adding puts a new region last and leaves a listed one where it is', () => {
    const shown = ['cn-hangzhou', 'cn-shanghai'];
    assert.deepEqual(withRegion(shown, 'us-east-1'), ['cn-hangzhou', 'cn-shanghai', 'us-east-1']);
    assert.deepEqual(withRegion(shown, 'cn-hangzhou'), ['cn-hangzhou', 'cn-shanghai']);
    assert.deepEqual(shown, ['cn-hangzhou', 'cn-shanghai']);
  });

  test('removing drops only that region', () => {
    assert.deepEqual(withoutRegion(['cn-hangzhou', 'cn-shanghai', 'us-east-1'], 'cn-shanghai'), ['cn-hangzhou', 'us-east-1']);
    assert.deepEqual(withoutRegion(['cn-hangzhou'], 'us-east-1'), ['cn-hangzhou']);
  });

  test('key pairs attach to Linux servers only, whatever the case of OSType', () => {
    for (const os of ['Linux', 'linux', 'LINUX']) assert.equal(supportsKeyPairs(os), true, os);
    for (const os of ['Windows', 'windows', '', undefined]) assert.equal(supportsKeyPairs(os), false, String(os));
  });

  test('the setting wins once set, even empty; otherwise the defaults, without blanks or duplicates', () => {
    assert.deepEqual(regionsToShow(undefined, ['cn-hangzhou', undefined, ' ', 'cn-hangzhou', 'cn-shanghai']), ['cn-hangzhou', 'cn-shanghai']);
    assert.deepEqual(regionsToShow([], ['cn-hangzhou']), [], 'an emptied list stays empty');
    assert.deepEqual(regionsToShow(['ap-southeast-1'], ['cn-hangzhou']), ['ap-southeast-1']);
    assert.deepEqual(withRegion(['a-1'], 'a-1'), ['a-1']);
    assert.deepEqual(withRegion(['a-1'], 'b-2'), ['a-1', 'b-2']);
    assert.deepEqual(withoutRegion(['a-1', 'b-2'], 'a-1'), ['b-2']);
  });

  test('only Linux servers take key pairs', () => {
    assert.equal(supportsKeyPairs('Linux'), true);
    assert.equal(supportsKeyPairs('linux'), true);
    assert.equal(supportsKeyPairs('Windows'), false);
    assert.equal(supportsKeyPairs(undefined), false);
  });
});
