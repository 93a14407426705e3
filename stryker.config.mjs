// `npm run mutate`: StrykerJS over the pure modules (every src/ file that does not import `vscode`).
// Unit tests are node:test files; the tap runner runs each compiled test file on its own, which gives
// per-file coverage, so a mutant runs only the test files that reach it. Mutated sources are compiled
// in Stryker's sandbox by `tsc` (Stryker adds `// @ts-nocheck` to them).
import { mutationGroups } from './scripts/pureModules.mjs';
import { compiledTestName, unitTestSources } from './scripts/mutationState.mjs';

// scripts/mutate.mjs runs one group at a time (SWAS_MUTATE_GROUP); each keeps its own report
const group = process.env.SWAS_MUTATE_GROUP ?? 'ssh-config';
const groups = mutationGroups();
if (!groups[group]) throw new Error(`SWAS_MUTATE_GROUP=${group}: not one of ${Object.keys(groups).join(', ')}`);

// The compiled unit suite (test/unit and test/tooling). l10n.test reads src/ as text, and in the sandbox
// src/ is Stryker's instrumented copy rather than the source it checks. A mutant runs the files that
// reach it in this order and stops at the first failure, so the files that take seconds (real ssh -G
// over a corpus, SDK calls to the emulator) come last.
const SLOW_LAST = ['test/unit/cloud/client.test.ts', 'test/tooling/emulator.test.ts', 'test/unit/ssh/sshConfigCorpus.test.ts',
  'test/unit/ssh/loginCheck.test.ts', 'test/unit/ssh/loginCheckTimeout.test.ts'];
const unitTests = unitTestSources()
  .filter((file) => file !== 'test/tooling/l10n.test.ts')
  .sort((a, b) => SLOW_LAST.indexOf(a) - SLOW_LAST.indexOf(b) || a.localeCompare(b))
  .map(compiledTestName);

export default {
  mutate: groups[group],
  testRunner: 'tap',
  tap: {
    testFiles: unitTests,
    forceBail: true,
  },
  buildCommand: 'tsc -p tsconfig.mutate.json',
  coverageAnalysis: 'perTest',
  concurrency: 2,
  incremental: true,
  incrementalFile: `test/mutation/${group}.incremental.json`,
  // out/test stays in the project (scripts/mutate.mjs compiles it first): Stryker's incremental mode
  // counts a test whose file is not among the project's files as removed and then reuses no result.
  ignorePatterns: ['/out/*', '!/out/test', 'dist', '.vscode-test', 'reports', 'coverage', 'bench-results', '*.vsix'],
  reporters: ['json', 'clear-text', 'progress'],
  jsonReporter: { fileName: `reports/mutation/${group}.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 90, low: 85, break: null },
  // generous: two groups may run side by side on two cores, and a slow run must not pass for a kill
  timeoutMS: 20000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
