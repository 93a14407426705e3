/**
 * Tests that can run only on some platforms (real `icacls` on Windows; mounts, the private network namespace
 * and a local sshd on Linux) are reported elsewhere as skipped with this reason, and scripts/testRun.mjs counts
 * them apart ("W not for this platform" above the totals), so none is dropped silently.
 */
export const NOT_FOR_PLATFORM = 'not for this platform';

/** node:test options for a test or describe that runs only on `platforms`. */
export function onlyOn(platforms: readonly NodeJS.Platform[], platform: NodeJS.Platform = process.platform): { skip?: string } {
  return platforms.includes(platform) ? {} : { skip: `${NOT_FOR_PLATFORM} (${platforms.join(', ')} only)` };
}

/** The title mocha suites that run only on `platforms` get elsewhere (test/integration/index.ts counts it). */
function notForPlatformTitle(title: string, platforms: readonly NodeJS.Platform[]): string {
  return `${title} [${NOT_FOR_PLATFORM}: ${platforms.join(', ')} only]`;
}

/** A mocha (tdd) suite that runs only on `platforms`; elsewhere each of its tests is pending as not for this platform. */
export function suiteOn(platforms: readonly NodeJS.Platform[], title: string, body: (this: Mocha.Suite) => void): void {
  if (platforms.includes(process.platform)) suite(title, body);
  else suite.skip(notForPlatformTitle(title, platforms), body);
}
