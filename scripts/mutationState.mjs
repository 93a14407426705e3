// Stryker's incremental mode reuses a surviving mutant's result unless a *new* test covers it. The tap
// runner names each test after its file, so a test added to an existing file is invisible to it and a
// survivor that the new test kills would stay "Survived" forever. This module records a hash of every
// unit test file (plus the shared test support code) per group, and before a run drops from the
// incremental file each survivor covered by a file that changed, so Stryker runs it again.
// Killed results are still reused while the killing file exists; `npm run mutate -- --force` retests all.
// https://stryker-mutator.io/docs/stryker-js/incremental/ (what is reused and when)
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SUPPORT_DIRS = ['test/emulator', 'test/support'];
// the unit suite's TypeScript tests: of src/ (test/unit), and of the tooling and the repository (test/tooling)
const TEST_DIRS = ['test/unit', 'test/tooling'];

export const incrementalFile = (group) => path.join(repoRoot, `test/mutation/${group}.incremental.json`);
const stateFile = (group) => path.join(repoRoot, `test/mutation/${group}.state.json`);

function sha256(...parts) {
  const hash = crypto.createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

function sourcesUnder(dir) {
  const absolute = path.join(repoRoot, dir);
  if (!fs.existsSync(absolute)) return [];
  return fs.readdirSync(absolute, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .sort()
    .map((file) => fs.readFileSync(path.join(absolute, file)));
}

/** The unit suite's TypeScript test files, repo-relative posix paths (`test/unit/cloud/client.test.ts`), sorted. */
export function unitTestSources() {
  return TEST_DIRS.flatMap((dir) => fs.readdirSync(path.join(repoRoot, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => path.posix.join(dir, file.split(path.sep).join('/'))))
    .sort();
}

/** `test/unit/cloud/client.test.ts` → `out/test/unit/cloud/client.test.js`: the name Stryker's tap runner gives its tests. */
export const compiledTestName = (source) => `out/${source.replace(/\.ts$/, '.js')}`;

/** { 'out/test/unit/cloud/client.test.js': hash of its source and of every support file }: the names Stryker's tap runner uses. */
export function testFileHashes() {
  const support = sha256(...SUPPORT_DIRS.flatMap(sourcesUnder));
  return Object.fromEntries(unitTestSources()
    .map((file) => [compiledTestName(file), sha256(fs.readFileSync(path.join(repoRoot, file)), support)]));
}

export function readState(group) {
  return fs.existsSync(stateFile(group)) ? JSON.parse(fs.readFileSync(stateFile(group), 'utf8')) : undefined;
}

/**
 * Takes this checkout's absolute path out of the group's incremental report (Stryker writes it as
 * `projectRoot` and inside failure messages, with its sandbox folder), so the committed file names no
 * folder of the machine it was measured on. Stryker matches files by their relative names.
 */
export function removeMachinePaths(group, root = repoRoot) {
  const file = incrementalFile(group);
  const escaped = root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const text = fs.readFileSync(file, 'utf8')
    .replace(new RegExp(`${escaped}/(?:\\.stryker-tmp/sandbox-[A-Za-z0-9]+/)?`, 'g'), '')
    .replaceAll(JSON.stringify(root), '"."');
  fs.writeFileSync(file, text);
}

export function writeState(group, state) {
  fs.writeFileSync(stateFile(group), `${JSON.stringify(state, null, 2)}\n`);
}

/**
 * Removes from `report` (an incremental report, edited in place) every Survived mutant covered by a test
 * file in `changed`; returns how many. Stryker then sees them as new and runs them.
 */
export function dropSurvivorsCoveredBy(report, changed) {
  const changedIds = new Set();
  for (const [fileName, { tests }] of Object.entries(report.testFiles ?? {})) {
    for (const test of tests) if (changed.has(test.name) || changed.has(fileName)) changedIds.add(test.id);
  }
  let dropped = 0;
  for (const file of Object.values(report.files)) {
    const kept = file.mutants.filter((mutant) => !(mutant.status === 'Survived'
      && (mutant.coveredBy ?? []).some((id) => changedIds.has(id))));
    dropped += file.mutants.length - kept.length;
    file.mutants = kept;
  }
  return dropped;
}

/**
 * Removes from `report` every Killed mutant whose killing test is in `files` (a kill that test can no
 * longer be trusted with, such as one from a clash between two runs of it); returns how many.
 */
export function dropKillsBy(report, files) {
  const ids = new Set(Object.values(report.testFiles ?? {}).flatMap(({ tests }) => tests)
    .filter((test) => files.some((file) => test.name.endsWith(file))).map((test) => test.id));
  let dropped = 0;
  for (const file of Object.values(report.files)) {
    const kept = file.mutants.filter((mutant) => !(mutant.status === 'Killed' && (mutant.killedBy ?? []).some((id) => ids.has(id))));
    dropped += file.mutants.length - kept.length;
    file.mutants = kept;
  }
  return dropped;
}

/**
 * Before a group's run: drop the survivors whose tests changed since the group was last measured,
 * and the kills of the test files in `retestKilledBy`.
 */
export function prepareIncremental(group, retestKilledBy = []) {
  const file = incrementalFile(group);
  const current = testFileHashes();
  if (!fs.existsSync(file)) return { current, dropped: 0, retested: 0, changed: [] };
  const recorded = readState(group)?.testFiles ?? {};
  const changed = new Set(Object.keys(current).filter((name) => recorded[name] !== current[name]));
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  const dropped = dropSurvivorsCoveredBy(report, changed);
  const retested = dropKillsBy(report, retestKilledBy);
  fs.writeFileSync(file, JSON.stringify(report));
  return { current, dropped, retested, changed: [...changed] };
}
