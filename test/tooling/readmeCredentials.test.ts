import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { credentialsTable, SETUPS } from '../integration/credentialSetups';

const README = path.resolve(__dirname, '../../../README.md');

test('README Credentials table is the parity test\'s setup list (node scripts/credentialsTable.mjs rewrites it)', () => {
  const readme = readFileSync(README, 'utf8');
  const shown = /<!-- credentials-table:start[^>]*-->\n([\s\S]*?)\n<!-- credentials-table:end -->/.exec(readme)?.[1];
  assert.ok(shown, 'README.md has the credentials-table markers');
  assert.equal(shown, credentialsTable(), 'run `npm run compile-tests && node scripts/credentialsTable.mjs`');
  const rows = shown.split('\n').slice(2).map((row) => row.split(' | ')[0].replace(/^\| /, ''));
  assert.deepEqual(rows, SETUPS.map((s) => s.name));
});

test('every working setup names the key it signs with, every failing one what the message names', () => {
  for (const setup of SETUPS) {
    assert.equal(Boolean(setup.keyId), Boolean(setup.source), setup.name);
    assert.equal(Boolean(setup.culprit), !setup.source, setup.name);
  }
});
