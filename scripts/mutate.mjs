// `npm run mutate [-- GROUP...]`: StrykerJS over the pure modules, one group at a time (all groups
// unless named), then docs/mutation.md rendered from the JSON reports (scripts/mutationReport.mjs).
// Each group keeps an incremental file in test/mutation/, so a later run retests only mutants whose
// code or tests changed (scripts/mutationState.mjs); `--force` retests every mutant. Exit 1 if a
// Stryker run failed.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mutationGroups } from './pureModules.mjs';
import { renderMutationReport } from './mutationReport.mjs';
import { prepareIncremental, removeMachinePaths, writeState } from './mutationState.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const groups = Object.keys(mutationGroups());
const args = process.argv.slice(2);
const force = args.includes('--force');
// --retest-killed-by FILE (repeatable): run again the mutants that test file killed
const retestKilledBy = args.flatMap((arg, i) => (args[i - 1] === '--retest-killed-by' ? [arg] : []));
const asked = args.filter((arg, i) => !arg.startsWith('--') && args[i - 1] !== '--retest-killed-by');
const unknown = asked.filter((name) => !groups.includes(name));
if (unknown.length) {
  console.error(`npm run mutate: unknown group ${unknown.join(', ')}; groups: ${groups.join(', ')}`);
  process.exit(2);
}
// Stryker's sandbox builds its own copy; the compiled tests must also exist here, where Stryker lists
// the project's files (see ignorePatterns in stryker.config.mjs).
const tsc = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.mutate.json'],
  { cwd: repoRoot, stdio: 'inherit' });
if (tsc.status !== 0) {
  console.error('npm run mutate: the unit tests do not compile');
  process.exit(1);
}
let failed = false;
for (const group of asked.length ? asked : groups) {
  console.log(`\n=== mutate ${group}`);
  const { current, dropped, retested, changed } = prepareIncremental(group, retestKilledBy);
  if (dropped) console.log(`${dropped} surviving mutant(s) run again: covered by ${changed.length} changed test file(s)`);
  if (retested) console.log(`${retested} killed mutant(s) run again: killed by ${retestKilledBy.join(', ')}`);
  const stryker = spawnSync(process.execPath,
    [path.join(repoRoot, 'node_modules/@stryker-mutator/core/bin/stryker.js'), 'run', ...(force ? ['--force'] : [])],
    { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, SWAS_MUTATE_GROUP: group } });
  if (stryker.status !== 0) {
    console.error(`stryker (${group}) exited ${stryker.status}`);
    failed = true;
  } else {
    removeMachinePaths(group);
    writeState(group, { measuredAt: new Date().toISOString(), testFiles: current });
  }
}
console.log(renderMutationReport());
process.exitCode = failed ? 1 : 0;
