// Rules of `npm test` (scripts/testRun.mjs): narrowing, `.only`, counting, the last line.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FLOOR_SUITES, NOT_FOR_PLATFORM, SUITES, checkNarrowing, countIntegration, countLint, countNodeTap, countUiScript, findExclusiveTests, privilegedPrefix, summarize,
  userNamespaceAdvice,
} from '../../scripts/testRun.mjs';
import { NOT_FOR_PLATFORM as TEST_SUPPORT_REASON } from '../../out/test/support/platform.js';

// built from parts so scripts/test.mjs's own `.only` scan does not refuse this file
const ONLY = '.' + 'only';

describe('checkNarrowing', () => {
  test('a plain run is allowed and not narrowed', () => {
    assert.deepEqual(checkNarrowing({ PATH: '/bin', SWAS_TEST_RESULTS: '/tmp/r.json' }, []), { narrowing: [] });
  });

  test('SWAS_TEST_GREP or SWAS_TEST_ONLY without the opt-in is refused with the way to opt in', () => {
    for (const env of [{ SWAS_TEST_GREP: 'fault' }, { SWAS_TEST_ONLY: 'unit' }]) {
      const result = checkNarrowing(env, []);
      assert.match(result.error ?? '', /--narrow.*SWAS_TEST_ALLOW_NARROW=1/s);
      assert.equal(result.narrowing.length, 1);
    }
  });

  test('--narrow or SWAS_TEST_ALLOW_NARROW=1 allows narrowing and reports it', () => {
    assert.deepEqual(checkNarrowing({ SWAS_TEST_GREP: 'fault' }, ['--narrow']), { narrowing: ['SWAS_TEST_GREP=fault'] });
    assert.deepEqual(checkNarrowing({ SWAS_TEST_ONLY: 'unit', SWAS_TEST_ALLOW_NARROW: '1' }, []), { narrowing: ['SWAS_TEST_ONLY=unit'] });
  });

  test('the integration host choice (SWAS_TEST_HOST, SWAS_TEST_VSCODE) is known and narrows nothing', () => {
    assert.deepEqual(checkNarrowing({ SWAS_TEST_HOST: 'desktop', SWAS_TEST_VSCODE: 'floor' }, []), { narrowing: [] });
  });

  test('SWAS_TEST_ALLOW_NARROW other than 1 does not allow', () => {
    assert.ok(checkNarrowing({ SWAS_TEST_ONLY: 'unit', SWAS_TEST_ALLOW_NARROW: 'yes' }, []).error);
  });

  test('an empty narrowing variable narrows nothing', () => {
    assert.deepEqual(checkNarrowing({ SWAS_TEST_GREP: '' }, []), { narrowing: [] });
  });

  test('an unknown SWAS_TEST_ variable, an unknown argument or a bad suite name is refused', () => {
    assert.match(checkNarrowing({ SWAS_TEST_GERP: 'x' }, ['--narrow']).error ?? '', /SWAS_TEST_GERP/);
    assert.match(checkNarrowing({}, ['--narow']).error ?? '', /--narow/);
    assert.match(checkNarrowing({ SWAS_TEST_ONLY: 'e2e' }, ['--narrow']).error ?? '', /lint\|unit\|integration\|ui/);
    assert.deepEqual(checkNarrowing({ SWAS_TEST_ONLY: 'lint' }, ['--narrow']), { narrowing: ['SWAS_TEST_ONLY=lint'] });
  });

  test('SWAS_TEST_ONLY names several suites comma-separated; one unknown name among them is refused by name', () => {
    assert.deepEqual(checkNarrowing({ SWAS_TEST_ONLY: 'unit,ui' }, ['--narrow']), { narrowing: ['SWAS_TEST_ONLY=unit,ui'] });
    assert.match(checkNarrowing({ SWAS_TEST_ONLY: 'unit,e2e' }, ['--narrow']).error ?? '', /got "e2e"/);
  });

  test('SWAS_TEST_UNIT narrows like the other variables', () => {
    assert.match(checkNarrowing({ SWAS_TEST_UNIT: 'ssh/' }, []).error ?? '', /SWAS_TEST_UNIT=ssh\/.*--narrow/);
    assert.deepEqual(checkNarrowing({ SWAS_TEST_UNIT: 'ssh/' }, ['--narrow']), { narrowing: ['SWAS_TEST_UNIT=ssh/'] });
  });

  test('--floor is known, and its run has only the floor suites to narrow to', () => {
    assert.deepEqual(checkNarrowing({}, ['--floor']), { narrowing: [] });
    assert.deepEqual(checkNarrowing({ SWAS_TEST_GREP: 'smoke' }, ['--floor', '--narrow']), { narrowing: ['SWAS_TEST_GREP=smoke'] });
    assert.match(checkNarrowing({ SWAS_TEST_ONLY: 'ui' }, ['--floor', '--narrow']).error ?? '', /one of integration, got "ui"/);
    assert.match(checkNarrowing({ SWAS_TEST_ONLY: 'lint' }, ['--floor', '--narrow']).error ?? '', /one of integration, got "lint"/);
  });
});

describe('findExclusiveTests', () => {
  test('finds exclusive calls (test, it, describe, suite) and the exclusive option, with line numbers', () => {
    const source = [
      "test('a', () => {});",
      `test${ONLY}('b', () => {});`,
      `  suite${ONLY} ('c', () => {});`,
      `describe${ONLY}('d', () => {});`,
      `it${ONLY}('e', () => {});`,
      "test('f', { " + 'only' + ': true }, () => {});',
    ].join('\r\n');
    assert.deepEqual(findExclusiveTests(source).map(({ line }) => line), [2, 3, 4, 5, 6]);
  });

  test('leaves ordinary code alone', () => {
    const source = ["const onlyOne = list.only;", "test('only the first', () => {});", 'if (x.only) run();', 'only: false'].join('\n');
    assert.deepEqual(findExclusiveTests(source), []);
  });
});

const tap = (pass, fail, cancelled, skipped, todo) =>
  `TAP version 13\n1..1\n# tests 9\n# pass ${pass}\n# fail ${fail}\n# cancelled ${cancelled}\n# skipped ${skipped}\n# todo ${todo}\n`;

describe('countNodeTap', () => {
  test('tests cancelled by a failed hook count as failed; skipped and todo as skipped', () => {
    assert.deepEqual(countNodeTap(tap(3, 1, 2, 1, 1), 1), { passed: 3, failed: 3, pending: 2, notForPlatform: 0 });
  });

  test('tests and suites skipped as not for this platform are counted apart from other skips', () => {
    // node leaves a skipped describe (a suite) out of `# skipped`, and counts a skipped test in it
    const lines = [
      'ok 1 - icacls grants only the owner # SKIP not for this platform (win32 only)',
      '  ---', "  type: 'test'", '  ...',
      '    ok 2 - nested # SKIP not for this platform (win32 only)',
      '    ---', '    duration_ms: 0.1', '    ...',
      'ok 3 - Windows ACL # SKIP not for this platform (win32 only)',
      '  ---', '  duration_ms: 0.6', "  type: 'suite'", '  ...',
      'ok 4 - later # SKIP needs a fix',
      'ok 5 - the word in a title: not for this platform',
    ];
    assert.deepEqual(countNodeTap(`${lines.join('\n')}\n${tap(1, 0, 0, 3, 0)}`, 0), { passed: 1, failed: 0, pending: 1, notForPlatform: 3 });
  });

  test('test/support/platform.ts skips with the very reason counted here', () => {
    assert.equal(TEST_SUPPORT_REASON, NOT_FOR_PLATFORM);
  });

  test('no summary, a non-zero exit with no failure, or an `only` diagnostic is a crash', () => {
    assert.ok(countNodeTap('TAP version 13\n', 1).crashed);
    assert.ok(countNodeTap(tap(3, 0, 0, 0, 0), 1).crashed);
    assert.ok(countNodeTap(`${tap(3, 0, 0, 0, 0)}# 'only' and 'runOnly' require the --test-only command-line option.\n`, 0).crashed);
    assert.equal(countNodeTap(tap(3, 0, 0, 0, 0), 0).crashed, undefined);
  });
});

describe('countUiScript / countIntegration', () => {
  test('the last UI-RESULT line counts, with skipped when given', () => {
    const out = 'UI-RESULT passed=1 failed=0\nnoise\nUI-RESULT passed=4 failed=1 skipped=2\n';
    assert.deepEqual(countUiScript(out, 1), { passed: 4, failed: 1, pending: 2 });
  });

  test('a UI script without a result, with 0 tests, or exiting non-zero with no failure crashed', () => {
    assert.ok(countUiScript('boom', 1).crashed);
    assert.ok(countUiScript('UI-RESULT passed=0 failed=0\n', 0).crashed);
    assert.ok(countUiScript('UI-RESULT passed=2 failed=0\n', 1).crashed);
  });

  test('integration: no results file or a non-zero exit with no failure is a crash', () => {
    assert.ok(countIntegration(undefined, 1).crashed);
    assert.ok(countIntegration('{"passed":5,"failed":0,"pending":0}', 1).crashed);
    assert.deepEqual(countIntegration('{"passed":5,"failed":2,"pending":1}', 1), { passed: 5, failed: 2, pending: 1, notForPlatform: 0 });
    assert.equal(countIntegration('{"passed":5,"failed":0,"pending":1,"notForPlatform":4}', 0).notForPlatform, 4);
  });
});

describe('countLint', () => {
  const file = (errorCount, warningCount = 0) => ({ filePath: '/repo/src/a.ts', messages: [], errorCount, warningCount });

  test('each linted file is a test: passed without errors, failed with any (a warning alone does not fail it)', () => {
    const results = JSON.stringify([file(0), file(3), file(0, 2), file(1)]);
    assert.deepEqual(countLint(results, 1), { passed: 2, failed: 2, pending: 0 });
    assert.deepEqual(countLint(JSON.stringify([file(0), file(0)]), 0), { passed: 2, failed: 0, pending: 0 });
  });

  test('no results (ESLint could not run), or a non-zero exit with no failed file, is a crash', () => {
    assert.match(countLint(undefined, 2).crashed, /no results \(exit 2\)/);
    assert.match(countLint(JSON.stringify([file(0)]), 2).crashed, /exited 2/);
  });

  test('no linted file at all counts as a failed suite in the summary', () => {
    assert.equal(summarize({ lint: countLint('[]', 0) }).lines.at(-1), '0 passed, 1 failed');
  });
});

describe('summarize', () => {
  const clean = { passed: 10, failed: 0, pending: 0 };

  test('the last line sums every suite as "N passed, N failed", the skipped count just above it', () => {
    const { lines, ok } = summarize({ unit: clean, integration: { passed: 5, failed: 2, pending: 1 }, ui: clean });
    assert.equal(lines.at(-2), '1 skipped, 0 not for this platform');
    assert.equal(lines.at(-1), '25 passed, 2 failed');
    assert.equal(ok, false);
  });

  test('a crashed suite counts as a failure even when it reported 0 failed', () => {
    const { lines, ok } = summarize({ unit: clean, integration: { ...clean, crashed: 'runner exited 1' }, ui: clean });
    assert.equal(lines.at(-2), '0 skipped, 0 not for this platform');
    assert.equal(lines.at(-1), '30 passed, 1 failed');
    assert.match(lines[1], /CRASHED: runner exited 1/);
    assert.equal(ok, false);
  });

  test('a suite that ran no tests counts as a failure', () => {
    const { lines, ok } = summarize({ unit: clean, integration: { passed: 0, failed: 0, pending: 3 }, ui: clean });
    assert.equal(lines.at(-2), '3 skipped, 0 not for this platform');
    assert.equal(lines.at(-1), '20 passed, 1 failed');
    assert.equal(ok, false);
  });

  test('tests not for this platform are summed on the line above the totals, apart from the skipped ones', () => {
    const { lines, ok } = summarize({ unit: { ...clean, pending: 1, notForPlatform: 2 }, integration: { ...clean, notForPlatform: 5 }, ui: clean });
    assert.equal(lines.at(-2), '1 skipped, 7 not for this platform');
    assert.equal(lines.at(-1), '30 passed, 0 failed');
    assert.match(lines[0], /10 passed, 0 failed, 1 skipped, 2 not for this platform/);
    assert.equal(ok, true);
  });

  test('a clean full run is ok and says nothing about narrowing', () => {
    const { lines, ok } = summarize({ lint: clean, unit: clean, integration: clean, ui: clean });
    assert.equal(ok, true);
    assert.deepEqual(lines.filter((line) => line.includes('NARROWED')), []);
    assert.equal(lines.at(-1), '40 passed, 0 failed');
  });

  test('a run without the lint suite is a narrowed run', () => {
    assert.deepEqual(SUITES, ['lint', 'unit', 'integration', 'ui']);
    const { lines } = summarize({ unit: clean, integration: clean, ui: clean });
    assert.match(lines.at(-3), /^NARROWED RUN \(not every suite ran\): not run: lint$/);
  });

  test('a whole floor run (only the floor suites) is not reported as narrowed', () => {
    const { lines, ok } = summarize({ integration: clean }, {}, [], FLOOR_SUITES);
    assert.equal(ok, true);
    assert.deepEqual(lines.filter((line) => line.includes('NARROWED')), []);
    assert.equal(lines.at(-1), '10 passed, 0 failed');
  });

  test('a narrowed run says so just above the totals', () => {
    const { lines, ok } = summarize({ integration: clean }, {}, ['SWAS_TEST_ONLY=integration']);
    assert.equal(ok, true);
    assert.match(lines.at(-3), /^NARROWED RUN \(SWAS_TEST_ONLY=integration\): not run: lint, unit, ui$/);
  });
});

describe('privilegedPrefix / userNamespaceAdvice', () => {
  test('a normal user on Linux mounts inside its own user and mount namespace; root and other platforms run directly', () => {
    assert.deepEqual(privilegedPrefix(1001, 'linux'), ['unshare', '--map-root-user', '--mount']);
    assert.deepEqual(privilegedPrefix(0, 'linux'), []);
    assert.deepEqual(privilegedPrefix(501, 'darwin'), []);
    assert.deepEqual(privilegedPrefix(undefined, 'win32'), []);
  });

  test('refused user namespaces: the values read and the sysctl line that allows them', () => {
    const advice = userNamespaceAdvice('unshare: unshare failed: Operation not permitted', {
      'user.max_user_namespaces': '0', 'kernel.unprivileged_userns_clone': undefined, 'kernel.apparmor_restrict_unprivileged_userns': '1',
    });
    assert.match(advice, /Operation not permitted/);
    assert.match(advice, /user\.max_user_namespaces=0, kernel\.apparmor_restrict_unprivileged_userns=1\)/);
    assert.match(advice, /sysctl -w user\.max_user_namespaces=15000 kernel\.apparmor_restrict_unprivileged_userns=0, or run npm test as root/);
    assert.doesNotMatch(advice, /unprivileged_userns_clone/);
  });
});
