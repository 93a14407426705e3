import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Memento, RegionCache, REGIONS_TTL_MS } from '../../src/cloud/regionCache';

function memory(): Memento {
  const values = new Map<string, unknown>();
  return { get: <T>(key: string) => values.get(key) as T | undefined, update: async (key, value) => void values.set(key, value) };
}

const regions = [
  { regionId: 'cn-hangzhou', localName: 'Hangzhou' },
  { regionId: 'cn-shanghai', localName: 'Shanghai' },
  { regionId: 'ap-southeast-1', localName: 'Singapore' },
];

describe('RegionCache', () => {
  test('serves stored regions until the TTL passes', async () => {
    let now = 1_000;
    const cache = new RegionCache(memory(), () => now);
    assert.equal(cache.fresh('en'), undefined);
    await cache.store('en', regions);
    assert.deepEqual(cache.fresh('en'), regions);
    now += REGIONS_TTL_MS - 1;
    assert.deepEqual(cache.fresh('en'), regions);
    now += 1;
    assert.equal(cache.fresh('en'), undefined);
  });
  test('a different display language misses the cache', async () => {
    const cache = new RegionCache(memory());
    await cache.store('en', regions);
    assert.equal(cache.fresh('zh-cn'), undefined);
  });
  test('orders last used, then default, then the rest', () => {
    const ordered = RegionCache.order(regions, 'ap-southeast-1', 'cn-shanghai').map((r) => r.regionId);
    assert.deepEqual(ordered, ['ap-southeast-1', 'cn-shanghai', 'cn-hangzhou']);
  });
  test('remembers the last region', async () => {
    const cache = new RegionCache(memory());
    await cache.rememberRegion('cn-shanghai');
    assert.equal(cache.lastRegion(), 'cn-shanghai');
  });
});
