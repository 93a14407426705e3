// Which VS Code the integration suite runs in (pure; tested by test/tooling/testHost.test.mjs).
// - `code-server`: test/host/code-test-shim, an offline Linux host (code-server + headless chromium in a private
//   network namespace); the default on Linux, where this project's machines have no network.
// - `desktop`: desktop VS Code downloaded by @vscode/test-electron (needs the network); the default on Windows
//   and macOS, where the shim cannot run. Version `stable`, or `floor`: the lowest version engines.vscode allows.
// Env SWAS_TEST_HOST=code-server|desktop and SWAS_TEST_VSCODE=stable|floor choose explicitly.

export const HOSTS = ['code-server', 'desktop'];
export const DESKTOP_VERSIONS = ['stable', 'floor'];

/** The lowest version a `^x.y.z`, `~x.y.z`, `>=x.y.z` or `x.y.z` engines.vscode range allows; undefined otherwise. */
export function engineFloor(range) {
  return /^\s*(?:\^|~|>=)?\s*(\d+\.\d+\.\d+)\s*$/.exec(range ?? '')?.[1];
}

/**
 * Chooses the integration host from the environment, the platform (process.platform) and package.json's
 * engines.vscode. Returns { host: 'code-server', description } or { host: 'desktop', version, description },
 * version being 'stable' or an exact x.y.z; or { error } naming what to set.
 */
export function chooseTestHost(env, platform, enginesVscode) {
  const requested = env.SWAS_TEST_HOST || undefined;
  if (requested !== undefined && !HOSTS.includes(requested)) {
    return { error: `SWAS_TEST_HOST must be one of ${HOSTS.join('|')}, got "${requested}"` };
  }
  const host = requested ?? (platform === 'linux' ? 'code-server' : 'desktop');
  const wantedVersion = env.SWAS_TEST_VSCODE || undefined;
  if (host === 'code-server') {
    if (platform !== 'linux') {
      return { error: `SWAS_TEST_HOST=code-server runs only on Linux (unshare, code-server); on ${platform} use SWAS_TEST_HOST=desktop` };
    }
    if (wantedVersion !== undefined) {
      return { error: `SWAS_TEST_VSCODE=${wantedVersion} picks a desktop VS Code: set SWAS_TEST_HOST=desktop too, or unset it` };
    }
    return { host, description: 'code-server (offline shim: test/host/code-test-shim)' };
  }
  const choice = wantedVersion ?? 'stable';
  if (!DESKTOP_VERSIONS.includes(choice)) {
    return { error: `SWAS_TEST_VSCODE must be one of ${DESKTOP_VERSIONS.join('|')}, got "${choice}"` };
  }
  if (choice === 'stable') return { host, version: 'stable', description: 'desktop VS Code stable (downloaded by @vscode/test-electron)' };
  const floor = engineFloor(enginesVscode);
  if (!floor) return { error: `package.json engines.vscode "${enginesVscode}" has no lowest version (expected ^x.y.z, ~x.y.z, >=x.y.z or x.y.z)` };
  return { host, version: floor, description: `desktop VS Code ${floor}, the engines.vscode floor (downloaded by @vscode/test-electron)` };
}
