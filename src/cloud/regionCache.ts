import type { Region } from './regions';

/** Key-value storage that survives restarts (VS Code's `globalState` in the product). */
export interface Memento {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void> | Promise<void>;
}

interface CachedRegions {
  fetchedAt: number;
  language: string;
  regions: Region[];
}

const REGIONS_KEY = 'swas.regionsCache';
const LAST_REGION_KEY = 'swas.lastRegion';
/** ListRegions is throttled hard (about 10 calls a minute) and regions change rarely. */
export const REGIONS_TTL_MS = 24 * 60 * 60 * 1000;

export class RegionCache {
  constructor(
    private readonly memento: Memento,
    private readonly now: () => number = Date.now,
  ) {}

  fresh(language: string): Region[] | undefined {
    const cached = this.memento.get<CachedRegions>(REGIONS_KEY);
    if (cached && cached.language === language && this.now() - cached.fetchedAt < REGIONS_TTL_MS && cached.regions.length > 0) {
      return cached.regions;
    }
    return undefined;
  }

  async store(language: string, regions: Region[]): Promise<void> {
    await this.memento.update(REGIONS_KEY, { fetchedAt: this.now(), language, regions } satisfies CachedRegions);
  }

  lastRegion(): string | undefined {
    return this.memento.get<string>(LAST_REGION_KEY);
  }

  async rememberRegion(regionId: string): Promise<void> {
    await this.memento.update(LAST_REGION_KEY, regionId);
  }

  /**
   * Last used first, then the default, then the rest in the service's order: Array.prototype.sort
   * is stable (ES2019), so regions of the same rank keep the order they came in.
   */
  static order(regions: Region[], lastUsed: string | undefined, defaultRegion: string | undefined): Region[] {
    const rank = (r: Region) => (r.regionId === lastUsed ? 0 : r.regionId === defaultRegion ? 1 : 2);
    return [...regions].sort((a, b) => rank(a) - rank(b));
  }
}
