import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';
import { NOT_FOR_PLATFORM } from '../support/platform';
import { World } from './world';

/**
 * Paths of every file under `dir`, relative to it. Not `readdirSync`'s `recursive` option: that needs Node 18.17,
 * and VS Code 1.75 (the floor, `npm run test:floor`) runs extensions on Node 16, which ignores it.
 */
function listFiles(dir: string, prefix = ''): string[] {
  return fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(prefix, entry.name);
    return entry.isDirectory() ? listFiles(dir, relative) : [relative];
  });
}

/**
 * Entry point the extension host calls (`extensionTestsPath`): runs every `*.test.js` beside this
 * file with mocha (tdd ui, spec reporter so each title and its result is printed) and, when env
 * `SWAS_TEST_RESULTS` names a file, writes `{ passed, failed, pending, notForPlatform }` there for scripts/test.mjs
 * (pending tests of a suite that runs only on other platforms, test/support/platform.ts, count as notForPlatform).
 */
export function run(): Promise<void> {
  // forbidOnly: a `.only` left in a test would silently drop the rest of the suite. SWAS_TEST_GREP is
  // refused by scripts/test.mjs unless the caller asked to narrow the run (npm test -- --narrow).
  const mocha = new Mocha({
    ui: 'tdd', reporter: 'spec', color: false, timeout: 60_000, forbidOnly: true, grep: process.env.SWAS_TEST_GREP,
  });
  // providers/ needs its scenario's stand-in extensions installed: it runs alone, in its own host (runTest.ts).
  const inProviders = (file: string) => file.split(path.sep)[0] === 'providers';
  const scenario = process.env.SWAS_PROVIDER_SCENARIO;
  // runTest.ts spreads the main files over several hosts: this one runs the files it was given
  const given = process.env.SWAS_TEST_FILES?.split(',');
  const testFiles = listFiles(__dirname)
    .filter((file) => file.endsWith('.test.js') && inProviders(file) === Boolean(scenario) && (!given || given.includes(file)))
    .sort();
  for (const file of testFiles) mocha.addFile(path.join(__dirname, file));
  mocha.suite.afterEach(() => World.checkThrottled());

  return new Promise((resolve, reject) => {
    const counts = { passed: 0, failed: 0, pending: 0, notForPlatform: 0 };
    const runner = mocha.run((failures) => {
      const resultsFile = process.env.SWAS_TEST_RESULTS;
      if (resultsFile) fs.writeFileSync(resultsFile, JSON.stringify(counts));
      if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
      else resolve();
    });
    runner.on(Mocha.Runner.constants.EVENT_TEST_PASS, () => counts.passed++);
    // also fires for failing hooks, which must count as failures
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, () => counts.failed++);
    runner.on(Mocha.Runner.constants.EVENT_TEST_PENDING, (test: Mocha.Test) => {
      if (test.fullTitle().includes(`[${NOT_FOR_PLATFORM}: `)) counts.notForPlatform++;
      else counts.pending++;
    });
  });
}
