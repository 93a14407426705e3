import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Memento, RegionCache, REGIONS_TTL_MS } from '../../../src/cloud/regionCache';

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
  test('an empty stored list is not served: ListRegions is asked again', async () => {
    const cache = new RegionCache(memory());
    await cache.store('en', []);
    assert.equal(cache.fresh('en'), undefined);
  });
  test('keeps regions for one day', () => {
    assert.equal(REGIONS_TTL_MS, 86_400_000);
  });
  test('reads what earlier versions stored, under the same globalState keys', () => {
    const stored = new Map<string, unknown>([
      ['swas.regionsCache', { fetchedAt: 1_000, language: 'en', regions }],
      ['swas.lastRegion', 'cn-shanghai'],
    ]);
    const cache = new RegionCache({ get: <T>(key: string) => stored.get(key) as T | undefined, update: async () => undefined }, () => 2_000);
    assert.deepEqual(cache.fresh('en'), regions);
    assert.equal(cache.lastRegion(), 'cn-shanghai');
  });
  test('keeps the service order among regions of the same rank', () => {
    const many = ['a-1', 'b-1', 'c-1', 'd-1', 'e-1'].map((regionId) => ({ regionId, localName: regionId }));
    assert.deepEqual(RegionCache.order(many, 'd-1', undefined).map((r) => r.regionId), ['d-1', 'a-1', 'b-1', 'c-1', 'e-1']);
  });
  // More regions than a sort handles by insertion alone: its merges keep the service order too.
  test('keeps the service order among many regions, and leaves the list it was given as it was', () => {
    const many = Array.from({ length: 100 }, (_, i) => ({ regionId: `r-${i}`, localName: `Region ${i}` }));
    const given = [...many];
    const ordered = RegionCache.order(many, 'r-70', 'r-30').map((r) => r.regionId);
    assert.deepEqual(ordered, ['r-70', 'r-30', ...many.map((r) => r.regionId).filter((id) => id !== 'r-70' && id !== 'r-30')]);
    assert.deepEqual(many, given);
  });
  test('remembers the last region', async () => {
    const cache = new RegionCache(memory());
    await cache.rememberRegion('cn-shanghai');
    assert.equal(cache.lastRegion(), 'cn-shanghai');
  });
});
