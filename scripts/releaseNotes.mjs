// `node scripts/releaseNotes.mjs v0.2.0` prints CHANGELOG.md's entry for that tag (the GitHub release text) and
// fails unless the tag is `v` + package.json's version and the entry exists (release.yml). releaseNotes() is pure,
// tested by test/tooling/releaseNotes.test.mjs.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The body of the `## <version>` section of `changelog` (up to the next `## `), or { error }. */
export function releaseNotes(changelog, tag, packageVersion) {
  if (tag !== `v${packageVersion}`) {
    return { error: `tag "${tag}" is not v + package.json's version (${packageVersion}): bump the version or fix the tag` };
  }
  const lines = changelog.split(/\r?\n/);
  const heading = lines.findIndex((line) => new RegExp(`^## \\[?${packageVersion.replace(/\./g, '\\.')}\\]?(\\s|$)`).test(line));
  if (heading === -1) return { error: `CHANGELOG.md has no "## ${packageVersion}" entry: write one before tagging` };
  const next = lines.findIndex((line, index) => index > heading && /^## /.test(line));
  const notes = lines.slice(heading + 1, next === -1 ? undefined : next).join('\n').trim();
  if (notes === '') return { error: `CHANGELOG.md's "## ${packageVersion}" entry is empty` };
  return { notes: `${notes}\n` };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const { version } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const result = releaseNotes(fs.readFileSync(path.join(repoRoot, 'CHANGELOG.md'), 'utf8'), process.argv[2] ?? '', version);
  if (result.error) {
    console.error(`releaseNotes: ${result.error}`);
    process.exit(1);
  }
  process.stdout.write(result.notes);
}
