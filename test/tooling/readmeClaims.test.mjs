// README.md's claims and docs/claims.md, kept in step: every `<!-- claim: id -->` marker in the README has a
// row in docs/claims.md, every row has a marker, every test a row names exists (its title found literally in
// the named file), and every row of the "Proven end to end" section names at least one integration or UI test.
// The rules for writing rows are at the top of docs/claims.md.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const PROVEN_HEADING = '## Proven end to end';
export const UNPROVEN_HEADING = '## Not yet proven end to end';
const ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MARKER = /<!--\s*claim:([^>]*?)-->/g;
/** A test file a row may name, and whether a test there proves a claim end to end. */
const END_TO_END = /^test\/(?:integration\/(?:[^/]+\/)*[^/]+\.test\.ts|ui\/[^/]+\.ui\.mjs)$/;
const ANY_TEST_FILE = /^test\/(?:(?:integration|unit)\/(?:[^/]+\/)*[^/]+\.test\.ts|ui\/[^/]+\.ui\.mjs)$/;
const REFERENCE = /^`([^`]+)`\s*›\s*(.+)$/;

/** The claim ids of the README's markers, in order, with their line numbers; malformed markers as problems. */
export function readmeMarkers(readme) {
  const markers = [];
  const problems = [];
  for (const match of readme.matchAll(MARKER)) {
    const line = readme.slice(0, match.index).split('\n').length;
    const ids = match[1].split(/[\s,]+/).filter(Boolean);
    if (ids.length === 0) problems.push(`README.md line ${line}: "${match[0]}" names no claim id; write <!-- claim: some-id -->.`);
    for (const id of ids) {
      if (ID.test(id)) markers.push({ id, line });
      else problems.push(`README.md line ${line}: claim id "${id}" is not lower-case words joined by "-" (like create-one-token).`);
    }
  }
  return { markers, problems };
}

/** The title arguments of test/suite calls in a test file's source, as written between the quotes. */
export function titlesIn(source) {
  const titles = new Set();
  const call = /\b(?:ui\.test|test|it|describe|suite|suiteOn)\(\s*(?:\[[^\]]*\]\s*,\s*)?(['"`])((?:\\[\s\S]|(?!\1)[^\\])*)\1/g;
  for (const [, quote, raw] of source.matchAll(call)) {
    // Escapes resolved (\' → '); a template string's ${…} stays as written in the source.
    titles.add(raw.replace(/\\([\s\S])/g, (all, c) => (quote === '`' && c === '$' ? all : c === 'n' ? '\n' : c)));
  }
  return titles;
}

/** The rows of docs/claims.md: { id, section, line, references: [{ file, title }] }, plus format problems. */
export function claimRows(claimsText) {
  const rows = [];
  const problems = [];
  let section;
  claimsText.split('\n').forEach((text, index) => {
    const line = index + 1;
    if (text.startsWith('## ')) {
      section = text.trim() === PROVEN_HEADING ? 'proven' : text.trim() === UNPROVEN_HEADING ? 'unproven' : undefined;
      return;
    }
    const row = /^\|\s*`([^`]*)`\s*\|/.exec(text);
    if (!row) return;
    if (!section) {
      problems.push(`docs/claims.md line ${line}: row "${row[1]}" is outside the "${PROVEN_HEADING}" and "${UNPROVEN_HEADING}" sections; move it into one.`);
      return;
    }
    // A `|` inside a cell (a title such as "(|1|…)") is written `\|`, as GitHub tables want it.
    const cells = text.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim().replace(/\\\|/g, '|'));
    const id = row[1];
    if (!ID.test(id)) problems.push(`docs/claims.md line ${line}: claim id "${id}" is not lower-case words joined by "-".`);
    const proofCell = cells[2] ?? '';
    const references = [];
    for (const part of proofCell.split(/<br\s*\/?>/)) {
      const item = part.trim();
      if (item === '' || item === '—' || item === '-' || /^none\b/i.test(item)) continue;
      const reference = REFERENCE.exec(item);
      if (!reference) {
        problems.push(`docs/claims.md line ${line} (${id}): "${item}" is not a test reference; write \`test/…/file\` › exact title, one per line, separated by <br>.`);
        continue;
      }
      // A title holding `<…>` (which Markdown would take for HTML) is wrapped in backticks.
      const title = reference[2].trim().replace(/^`(.*)`$/, '$1');
      references.push({ file: reference[1], title });
    }
    rows.push({ id, section, line, references });
  });
  return { rows, problems };
}

/**
 * Every problem with README.md + docs/claims.md, each saying what to fix. `readFile(relativePath)` returns a
 * test file's source, or undefined when there is no such file.
 */
export function claimProblems(readme, claimsText, readFile) {
  const { markers, problems } = readmeMarkers(readme);
  const parsed = claimRows(claimsText);
  problems.push(...parsed.problems);
  const byId = new Map();
  for (const row of parsed.rows) {
    const earlier = byId.get(row.id);
    if (earlier) problems.push(`docs/claims.md line ${row.line}: claim "${row.id}" already has a row (line ${earlier.line}); keep one row per id.`);
    else byId.set(row.id, row);
  }
  const marked = new Set(markers.map((m) => m.id));
  for (const marker of markers) {
    if (!byId.has(marker.id)) {
      problems.push(`README.md line ${marker.line}: claim "${marker.id}" has no row in docs/claims.md; add one (under "${PROVEN_HEADING}" with its integration or UI test, or under "${UNPROVEN_HEADING}").`);
    }
  }
  for (const row of byId.values()) {
    if (!marked.has(row.id)) {
      problems.push(`docs/claims.md line ${row.line}: claim "${row.id}" has no <!-- claim: ${row.id} --> marker in README.md (stale row?); put the marker next to the README sentence, or delete the row.`);
    }
  }
  const titleCache = new Map();
  for (const row of parsed.rows) {
    for (const { file, title } of row.references) {
      if (!ANY_TEST_FILE.test(file)) {
        problems.push(`docs/claims.md line ${row.line} (${row.id}): "${file}" is not a test file (test/integration/**/*.test.ts, test/ui/*.ui.mjs or test/unit/**/*.test.ts).`);
        continue;
      }
      if (!titleCache.has(file)) {
        const source = readFile(file);
        titleCache.set(file, source === undefined ? undefined : titlesIn(source));
      }
      const titles = titleCache.get(file);
      if (titles === undefined) {
        problems.push(`docs/claims.md line ${row.line} (${row.id}): ${file} does not exist; fix the path.`);
      } else if (!titles.has(title)) {
        problems.push(`docs/claims.md line ${row.line} (${row.id}): no test or suite titled "${title}" in ${file}; copy the title exactly as it stands between the quotes in the source (a template string's \${…} as written).`);
      }
    }
    if (row.section === 'proven' && !row.references.some((r) => END_TO_END.test(r.file))) {
      problems.push(`docs/claims.md line ${row.line} (${row.id}): a proven claim needs at least one integration test (test/integration/*.test.ts) or UI test (test/ui/*.ui.mjs); name one, or move the row to "${UNPROVEN_HEADING}".`);
    }
  }
  return problems;
}

function readRepoFile(relative) {
  try {
    return fs.readFileSync(path.join(repoRoot, relative), 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  }
}

describe('README claims and docs/claims.md', () => {
  test('every README claim marker has a row, every row a marker, and every named test exists', () => {
    const claims = readRepoFile('docs/claims.md');
    assert.ok(claims !== undefined, 'docs/claims.md is missing: it lists each README claim and the tests that prove it');
    const problems = claimProblems(readRepoFile('README.md'), claims, readRepoFile);
    assert.deepEqual(problems, [], `\n${problems.join('\n')}\n`);
  });

  test('the README has claim markers and docs/claims.md has both sections', () => {
    const claims = readRepoFile('docs/claims.md') ?? '';
    assert.ok(claims.includes(`\n${PROVEN_HEADING}\n`), `docs/claims.md has no "${PROVEN_HEADING}" heading`);
    assert.ok(claims.includes(`\n${UNPROVEN_HEADING}\n`), `docs/claims.md has no "${UNPROVEN_HEADING}" heading`);
    assert.ok(readmeMarkers(readRepoFile('README.md')).markers.length > 20, 'README.md has (almost) no <!-- claim: … --> markers');
  });

  // The checker itself, on small inputs: each mistake is caught and the message says what to fix.
  const files = {
    'test/integration/a.test.ts': "suite('A suite', () => {\n  test('does it', () => {});\n  test(`${label}: each`, () => {});\n  test('the user\\'s key', () => {});\n});\n",
    'test/ui/b.ui.mjs': "await ui.test('clicks it', async () => {});\nawait ui.test('opens <name>.pem', async () => {});\n",
    'test/unit/cloud/c.test.ts': "test('unit only', () => {});\n",
  };
  const read = (file) => files[file];
  const claims = (proven, unproven = '') =>
    `# Claims\n\n${PROVEN_HEADING}\n\n| Claim | README says | Proven by |\n|---|---|---|\n${proven}\n\n${UNPROVEN_HEADING}\n\n| Claim | README says | Tested only by | Why |\n|---|---|---|---|\n${unproven}\n`;

  test('checker: accepts test, suite, template and escaped titles, and unit-only rows in the unproven section', () => {
    const readme = 'Does it. <!-- claim: does-it -->\nMore. <!-- claim: more, unit-only -->\n';
    const text = claims(
      "| `does-it` | x | `test/integration/a.test.ts` › does it<br>`test/ui/b.ui.mjs` › clicks it<br>`test/ui/b.ui.mjs` › `opens <name>.pem` |\n| `more` | y | `test/integration/a.test.ts` › A suite<br>`test/integration/a.test.ts` › ${label}: each<br>`test/integration/a.test.ts` › the user's key |",
      '| `unit-only` | z | `test/unit/cloud/c.test.ts` › unit only | no host test yet |',
    );
    assert.deepEqual(claimProblems(readme, text, read), []);
  });

  test('checker: a marker without a row, a stale row, a missing title or file, a proven row with only a unit test', () => {
    const readme = 'One. <!-- claim: one -->\nTwo. <!-- claim: two -->\nBad. <!-- claim: Bad_Id -->\n';
    const text = claims(
      "| `one` | x | `test/integration/a.test.ts` › does it not |\n| `two` | y | `test/unit/cloud/c.test.ts` › unit only |\n| `gone` | z | `test/ui/nope.ui.mjs` › clicks it |\n| `one` | again | `test/ui/b.ui.mjs` › clicks it |",
    );
    const problems = claimProblems(readme, text, read);
    const expect = [
      /claim id "Bad_Id" is not lower-case/,
      /line \d+: claim "one" already has a row/,
      /claim "gone" has no <!-- claim: gone --> marker in README\.md/,
      /\(one\): no test or suite titled "does it not" in test\/integration\/a\.test\.ts/,
      /\(two\): a proven claim needs at least one integration test/,
      /\(gone\): test\/ui\/nope\.ui\.mjs does not exist/,
    ];
    for (const pattern of expect) assert.ok(problems.some((p) => pattern.test(p)), `expected a problem matching ${pattern}, got:\n${problems.join('\n')}`);
    assert.equal(problems.length, expect.length, problems.join('\n'));
    const noRow = claimProblems('New. <!-- claim: brand-new -->\n', claims(''), read);
    assert.match(noRow.join('\n'), /README\.md line 1: claim "brand-new" has no row in docs\/claims\.md/);
  });
});
