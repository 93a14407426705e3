// Writes the README's Credentials table from the parity test's setup list
// (test/integration/credentialSetups.ts, compiled to out/ by `npm run compile-tests`), between the
// `credentials-table` markers. test/tooling/readmeCredentials.test.ts fails when the two differ.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { credentialsTable } = createRequire(import.meta.url)(path.join(repoRoot, 'out/test/integration/credentialSetups.js'));
const readmePath = path.join(repoRoot, 'README.md');
const readme = fs.readFileSync(readmePath, 'utf8');
const markers = /(<!-- credentials-table:start[^>]*-->\n)[\s\S]*?(<!-- credentials-table:end -->)/;
if (!markers.test(readme)) {
  console.error('README.md: the credentials-table markers are missing');
  process.exit(1);
}
fs.writeFileSync(readmePath, readme.replace(markers, (_all, start, end) => `${start}${credentialsTable()}\n${end}`));
