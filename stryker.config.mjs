// `npm run mutate`: StrykerJS over the pure modules (every src/ file that does not import `vscode`).
// Unit tests are node:test files; the tap runner runs each compiled test file on its own, which gives
// per-file coverage, so a mutant runs only the test files that reach it. Mutated sources are compiled
// in Stryker's sandbox by `tsc` (Stryker adds `// @ts-nocheck` to them).
import fs from 'node:fs';
import path from 'node:path';

const IMPORTS_VSCODE = /(?:from\s+|require\()\s*['"]vscode['"]/;
const pureModules = fs.readdirSync('src', { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.ts'))
  .map((file) => path.posix.join('src', file.split(path.sep).join('/')))
  .filter((file) => !IMPORTS_VSCODE.test(fs.readFileSync(file, 'utf8')))
  .sort();

// The compiled unit tests. l10n.test reads src/ as text, and in the sandbox src/ is Stryker's
// instrumented copy rather than the source it checks. A mutant runs the files that reach it in this
// order and stops at the first failure, so the files that take seconds (real ssh -G over a corpus,
// SDK calls to the emulator) come last.
const SLOW_LAST = ['client.test.ts', 'emulator.test.ts', 'sshConfigCorpus.test.ts'];
const unitTests = fs.readdirSync('test/unit')
  .filter((file) => file.endsWith('.test.ts') && file !== 'l10n.test.ts')
  .sort((a, b) => SLOW_LAST.indexOf(a) - SLOW_LAST.indexOf(b) || a.localeCompare(b))
  .map((file) => `out/test/unit/${file.replace(/\.ts$/, '.js')}`);

export default {
  mutate: pureModules,
  testRunner: 'tap',
  tap: {
    testFiles: unitTests,
    forceBail: true,
  },
  buildCommand: 'tsc -p tsconfig.mutate.json',
  coverageAnalysis: 'perTest',
  concurrency: 2,
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  ignorePatterns: ['out', 'dist', '.vscode-test', 'reports', 'bench-results', '*.vsix'],
  reporters: ['json', 'clear-text', 'progress'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 90, low: 85, break: null },
  timeoutMS: 10000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
