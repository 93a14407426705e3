/**
 * The regions the sidebar shows. `swas.regions` wins once the user has set it (even to an empty
 * list); until then it is the default region and the last region used, so a new user sees something.
 */
export function regionsToShow(configured: readonly string[] | undefined, defaults: ReadonlyArray<string | undefined>): string[] {
  const source = configured ?? defaults;
  return [...new Set(source.map((r) => r?.trim() ?? '').filter((r) => r !== ''))];
}

/** The list after adding `regionId` at the end (no duplicates). */
export function withRegion(shown: readonly string[], regionId: string): string[] {
  return shown.includes(regionId) ? [...shown] : [...shown, regionId];
}

export function withoutRegion(shown: readonly string[], regionId: string): string[] {
  return shown.filter((r) => r !== regionId);
}

/** Key pairs can only be attached to Linux servers. */
export function supportsKeyPairs(osType: string | undefined): boolean {
  return osFamily(osType) === 'linux';
}

/** A server's `Image.OsType`, which an answer may leave out: then neither Linux nor Windows is assumed. */
export function osFamily(osType: string | undefined): 'linux' | 'windows' | 'unknown' {
  const lower = (osType ?? '').toLowerCase();
  return lower === 'linux' ? 'linux' : lower === 'windows' ? 'windows' : 'unknown';
}
