// Pure rules of `npm test` (scripts/test.mjs): which environment may narrow a run, which test sources are
// refused, how each suite's output is counted and what the last line says. No I/O here, so
// test/tooling/testRun.test.mjs can check every rule.

export const SUITES = ['lint', 'unit', 'integration', 'ui'];
/**
 * `npm run test:floor` (`npm test -- --floor`) runs these on the floor host (test/host/install-floor.sh): only the
 * integration suite depends on the VS Code version; unit tests run on plain Node, the UI tests on the main host.
 */
export const FLOOR_SUITES = ['integration'];
export const FLOOR_FLAG = '--floor';

/** Variables that run fewer tests than `npm test` normally does, with what each one does. */
export const NARROWING_VARIABLES = {
  SWAS_TEST_ONLY: 'runs only these suites (comma-separated: lint, unit, integration, ui)',
  SWAS_TEST_GREP: 'runs only the integration tests whose full title matches (mocha grep)',
  SWAS_TEST_UNIT: 'runs only the unit test files whose path under test/ contains one of its comma-separated parts',
  SWAS_TEST_UI: 'runs only the UI scripts (test/ui/*.ui.mjs) whose file name contains one of its comma-separated parts',
};
/**
 * SWAS_TEST_* variables that do not narrow: set by scripts/test.mjs itself, the opt-in for narrowing, the
 * integration host's choice (scripts/testHost.mjs), coverage (scripts/coverage.mjs), and how many integration hosts run side by side (test/integration/runTest.ts).
 */
const OTHER_TEST_VARIABLES = new Set(['SWAS_TEST_RESULTS', 'SWAS_TEST_ALLOW_NARROW', 'SWAS_TEST_HOST', 'SWAS_TEST_VSCODE', 'SWAS_TEST_COVERAGE', 'SWAS_TEST_COVERAGE_DIR', 'SWAS_TEST_JOBS']);
/**
 * The reason a test that runs only on other platforms is skipped with (test/support/platform.ts); such tests
 * are counted apart from other skipped tests.
 */
export const NOT_FOR_PLATFORM = 'not for this platform';
export const NARROW_FLAG = '--narrow';

/**
 * Decides whether the environment may narrow this run. Narrowing needs `--narrow` on the command line
 * (`npm test -- --narrow`) or SWAS_TEST_ALLOW_NARROW=1, so a variable left over in a shell never silently
 * runs fewer tests. An unknown SWAS_TEST_* name is refused too (a typo would otherwise run everything
 * while the caller believes it narrowed). Returns { narrowing: ["NAME=value", ...], error?: string }.
 */
export function checkNarrowing(env, argv) {
  const unknownArgs = argv.filter((arg) => arg !== NARROW_FLAG && arg !== FLOOR_FLAG);
  if (unknownArgs.length > 0) return { narrowing: [], error: `unknown argument(s): ${unknownArgs.join(' ')} (only ${NARROW_FLAG}, ${FLOOR_FLAG})` };
  const unknown = Object.keys(env)
    .filter((name) => name.startsWith('SWAS_TEST_') && !(name in NARROWING_VARIABLES) && !OTHER_TEST_VARIABLES.has(name));
  if (unknown.length > 0) {
    return { narrowing: [], error: `unknown variable(s) ${unknown.join(', ')}; known: ${Object.keys(NARROWING_VARIABLES).join(', ')}` };
  }
  const narrowing = Object.keys(NARROWING_VARIABLES)
    .filter((name) => env[name] !== undefined && env[name] !== '')
    .map((name) => `${name}=${env[name]}`);
  const allowed = argv.includes(NARROW_FLAG) || env.SWAS_TEST_ALLOW_NARROW === '1';
  if (narrowing.length > 0 && !allowed) {
    return {
      narrowing,
      error: `${narrowing.join(' ')} would run fewer tests than \`npm test\`. To narrow on purpose, pass `
        + `\`npm test -- ${NARROW_FLAG}\` or set SWAS_TEST_ALLOW_NARROW=1; otherwise unset it.`,
    };
  }
  const only = env.SWAS_TEST_ONLY;
  const suites = argv.includes(FLOOR_FLAG) ? FLOOR_SUITES : SUITES;
  const unknownSuites = (only ?? '').split(',').filter((suite) => only && !suites.includes(suite));
  if (unknownSuites.length > 0) return { narrowing, error: `SWAS_TEST_ONLY must be one of ${suites.join('|')}, got "${unknownSuites.join(',')}" (several: comma-separated)` };
  return { narrowing };
}

// `.only` in mocha's tdd/bdd interfaces and node:test (test.only, it.only, describe.only, suite.only),
// and node:test's `{ only: true }` option
const EXCLUSIVE_CALL = /\b(?:test|it|describe|suite|context|specify)\.only\s*\(/;
const EXCLUSIVE_OPTION = /\bonly\s*:\s*true\b/;

/** Lines of a test source that would run it exclusively; returns [{ line, text }] (1-based lines). */
export function findExclusiveTests(sourceText) {
  return sourceText.split(/\r?\n/)
    .map((text, index) => ({ line: index + 1, text: text.trim() }))
    .filter(({ text }) => EXCLUSIVE_CALL.test(text) || EXCLUSIVE_OPTION.test(text));
}

/**
 * Counts node --test's TAP output. Tests cancelled because a hook failed count as failed; a file that
 * throws while loading is reported by node as a failed test; tests (or suites) skipped as NOT_FOR_PLATFORM
 * count as notForPlatform, not as pending. Returns { passed, failed, pending, notForPlatform, crashed? }.
 */
export function countNodeTap(tap, exitCode) {
  const count = (key) => Number(tap.match(new RegExp(`^# ${key} (\\d+)$`, 'm'))?.[1] ?? NaN);
  // a skipped describe is one line (its tests are not listed) that node's `# skipped` total leaves out
  const lines = tap.split(/\r?\n/);
  const notForPlatformSkips = lines.flatMap((line, index) => {
    if (!/^\s*ok \d+ - .* # SKIP not for this platform\b/.test(line)) return [];
    const end = lines.findIndex((next, at) => at > index && /^\s*\.\.\.$/.test(next));
    return [{ suite: lines.slice(index + 1, end === -1 ? undefined : end).some((next) => /^\s*type: 'suite'$/.test(next)) }];
  });
  const skippedTests = notForPlatformSkips.filter((skip) => !skip.suite).length;
  const counts = {
    passed: count('pass'),
    failed: count('fail') + count('cancelled'),
    pending: count('skipped') + count('todo') - skippedTests,
    notForPlatform: notForPlatformSkips.length,
  };
  if (Number.isNaN(counts.passed + counts.failed + counts.pending)) return { passed: 0, failed: 0, pending: 0, notForPlatform: 0, crashed: `no TAP summary (exit ${exitCode})` };
  if (/^# 'only' and 'runOnly' require/m.test(tap)) return { ...counts, crashed: 'a test asked for `only`' };
  if (exitCode !== 0 && counts.failed === 0) return { ...counts, crashed: `node --test exited ${exitCode}` };
  return counts;
}

/** Counts one UI script from its last `UI-RESULT passed=N failed=N [skipped=N]` line and exit code. */
export function countUiScript(stdout, exitCode) {
  const result = [...stdout.matchAll(/^UI-RESULT passed=(\d+) failed=(\d+)(?: skipped=(\d+))?$/gm)].at(-1);
  if (!result) return { passed: 0, failed: 0, pending: 0, crashed: `no UI-RESULT line (exit ${exitCode})` };
  const counts = { passed: Number(result[1]), failed: Number(result[2]), pending: Number(result[3] ?? 0) };
  if (counts.passed + counts.failed === 0) return { ...counts, crashed: 'ran 0 tests' };
  if (exitCode !== 0 && counts.failed === 0) return { ...counts, crashed: `exited ${exitCode}` };
  return counts;
}

/**
 * Counts the lint suite from `eslint --format json` output (undefined when ESLint wrote none) and its exit code. Each
 * linted file is one test, failed when ESLint reports an error in it (what fails `npm run lint`; every rule of
 * eslint.config.mjs is an error). ESLint exits 2 when it could not lint at all (a broken config): a crash.
 */
export function countLint(resultsJson, exitCode) {
  if (resultsJson === undefined) return { passed: 0, failed: 0, pending: 0, crashed: `eslint wrote no results (exit ${exitCode})` };
  const results = JSON.parse(resultsJson);
  const failed = results.filter((result) => result.errorCount > 0).length;
  const counts = { passed: results.length - failed, failed, pending: 0 };
  if (exitCode !== 0 && failed === 0) return { ...counts, crashed: `eslint exited ${exitCode}` };
  return counts;
}

/**
 * Counts the integration suite from index.ts's results file (undefined when it wrote none; notForPlatform
 * optional) and the exit code.
 */
export function countIntegration(resultsJson, exitCode) {
  if (resultsJson === undefined) return { passed: 0, failed: 0, pending: 0, crashed: `no results from the extension host (exit ${exitCode})` };
  const { passed, failed, pending, notForPlatform = 0 } = JSON.parse(resultsJson);
  const counts = { passed, failed, pending, notForPlatform };
  if (exitCode !== 0 && failed === 0) return { ...counts, crashed: `runner exited ${exitCode}` };
  return counts;
}

/**
 * The summary: one line per suite, `S skipped, W not for this platform`, then the last line `P passed, F failed`
 * where F counts every failed test and hook, plus one per suite that crashed or ran no tests (so a run that did
 * not finish can never end in `0 failed`). `results` maps suite → { passed, failed, pending, notForPlatform?,
 * crashed? }, `durations` suite → text, `expected` the suites a whole run has (SUITES, or FLOOR_SUITES).
 * Returns { lines, ok }.
 */
export function summarize(results, durations = {}, narrowing = [], expected = SUITES) {
  const lines = [];
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let notForPlatform = 0;
  for (const [suite, r] of Object.entries(results)) {
    const ran = r.passed + r.failed;
    const problem = r.crashed ? `CRASHED: ${r.crashed}` : ran === 0 ? 'FAILED: ran 0 tests' : '';
    const suiteFailed = r.failed + (problem ? 1 : 0);
    passed += r.passed;
    failed += suiteFailed;
    skipped += r.pending;
    notForPlatform += r.notForPlatform ?? 0;
    lines.push(`${suite.padEnd(12)} ${r.passed} passed, ${suiteFailed} failed, ${r.pending} skipped, ${r.notForPlatform ?? 0} not for this platform`
      + `${durations[suite] ? `  (${durations[suite]})` : ''}${problem ? `  ${problem}` : ''}`);
  }
  const missing = expected.filter((suite) => !(suite in results));
  if (narrowing.length > 0 || missing.length > 0) {
    lines.push(`NARROWED RUN (${narrowing.join(' ') || 'not every suite ran'}): not run: ${missing.join(', ') || 'part of a suite'}`);
  }
  lines.push(`${skipped} skipped, ${notForPlatform} ${NOT_FOR_PLATFORM}`);
  lines.push(`${passed} passed, ${failed} failed`);
  return { lines, ok: failed === 0 };
}

/**
 * The command prefix for suites whose tests mount file systems (the unit suite's disk failures): none for root
 * or off Linux; for a normal user on Linux a user and mount namespace of its own (`unshare -r -m`), where it may
 * mount without being root.
 */
export function privilegedPrefix(uid, platform) {
  return platform === 'linux' && uid !== 0 ? ['unshare', '--map-root-user', '--mount'] : [];
}

/** What to tell a normal user whose kernel refuses unprivileged user namespaces (`sysctl` values as read). */
export function userNamespaceAdvice(unshareError, sysctls) {
  const values = Object.entries(sysctls).filter(([, value]) => value !== undefined).map(([name, value]) => `${name}=${value}`);
  return [
    `unshare -r failed (${unshareError}): this kernel refuses user namespaces to normal users${values.length ? ` (${values.join(', ')})` : ''}.`,
    'Ask root to allow them: sysctl -w user.max_user_namespaces=15000'
      + (sysctls['kernel.unprivileged_userns_clone'] !== undefined ? ' kernel.unprivileged_userns_clone=1' : '')
      + (sysctls['kernel.apparmor_restrict_unprivileged_userns'] !== undefined ? ' kernel.apparmor_restrict_unprivileged_userns=0' : '')
      + ', or run npm test as root.',
  ].join('\n');
}
