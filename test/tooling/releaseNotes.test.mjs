// The GitHub release text and the tag check of release.yml (scripts/releaseNotes.mjs).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import { releaseNotes } from '../../scripts/releaseNotes.mjs';

const CHANGELOG = '# Changelog\r\n\r\n## 0.2.0\r\n\r\n- Open VSX.\r\n- Windows CI.\r\n\r\n## 0.1.0\r\n\r\nFirst release.\r\n';

describe('releaseNotes', () => {
  test('the entry for the tagged version, without its heading or the older entries', () => {
    assert.deepEqual(releaseNotes(CHANGELOG, 'v0.2.0', '0.2.0'), { notes: '- Open VSX.\n- Windows CI.\n' });
    assert.deepEqual(releaseNotes(CHANGELOG, 'v0.1.0', '0.1.0'), { notes: 'First release.\n' });
  });

  test('a bracketed or dated heading counts; 0.1.0 does not match 0.1.01', () => {
    assert.equal(releaseNotes('## [0.3.0] - 2026-12-02\nFixes.\n', 'v0.3.0', '0.3.0').notes, 'Fixes.\n');
    assert.match(releaseNotes('## 0.1.01\nX\n', 'v0.1.0', '0.1.0').error ?? '', /no "## 0.1.0" entry/);
  });

  test('refused: a tag that is not package.json\'s version, a missing or empty entry', () => {
    assert.match(releaseNotes(CHANGELOG, 'v0.3.0', '0.2.0').error ?? '', /not v \+ package\.json's version \(0\.2\.0\)/);
    assert.match(releaseNotes(CHANGELOG, 'v0.3.0', '0.3.0').error ?? '', /no "## 0\.3\.0" entry/);
    assert.match(releaseNotes('## 0.3.0\n\n## 0.2.0\nX\n', 'v0.3.0', '0.3.0').error ?? '', /empty/);
  });

  test('this repository\'s CHANGELOG.md has an entry for package.json\'s version', () => {
    const { version } = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const printed = execFileSync(process.execPath, [fileURLToPath(new URL('../../scripts/releaseNotes.mjs', import.meta.url)), `v${version}`], { encoding: 'utf8' });
    assert.ok(printed.trim().length > 0);
    assert.ok(!printed.includes(`## ${version}`));
  });
});
