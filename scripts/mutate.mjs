// `npm run mutate [-- GROUP...]`: StrykerJS over the pure modules, one group at a time (all groups
// unless named), then docs/mutation.md rendered from the JSON reports (scripts/mutationReport.mjs).
// Each group keeps an incremental file in test/mutation/, so a later run retests only mutants whose
// code or tests changed. Exit 1 if a Stryker run failed.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mutationGroups } from './pureModules.mjs';
import { renderMutationReport } from './mutationReport.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const groups = Object.keys(mutationGroups());
const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !groups.includes(name));
if (unknown.length) {
  console.error(`npm run mutate: unknown group ${unknown.join(', ')}; groups: ${groups.join(', ')}`);
  process.exit(2);
}
let failed = false;
for (const group of asked.length ? asked : groups) {
  console.log(`\n=== mutate ${group}`);
  const stryker = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules/@stryker-mutator/core/bin/stryker.js'), 'run'],
    { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, SWAS_MUTATE_GROUP: group } });
  if (stryker.status !== 0) {
    console.error(`stryker (${group}) exited ${stryker.status}`);
    failed = true;
  }
}
console.log(renderMutationReport());
process.exitCode = failed ? 1 : 0;
