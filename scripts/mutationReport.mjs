// Renders docs/mutation.md from Stryker's reports, so the score, the dates and the list of surviving
// mutants are never pasted by hand. The reports are the committed incremental files
// (test/mutation/<group>.incremental.json, with the date of the run in <group>.state.json), so every
// clone renders the same figures. A mutant that stays alive
// needs a reason in test/mutation/reasons.json, matched on file, mutator, replacement and the text of
// the line it starts on (so it survives line shifts), and on `original`, the mutated text, where one line
// holds a killed mutant with the same key; one without a reason is listed as such.
// `node scripts/mutationReport.mjs` renders without running Stryker.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mutationGroups } from './pureModules.mjs';
import { writeReadmeFigure } from './readmeFigures.mjs';
import { incrementalFile, readState } from './mutationState.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REASONS = path.join(repoRoot, 'test/mutation/reasons.json');
const DOC = path.join(repoRoot, 'docs/mutation.md');
const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** Stryker's mutation score: detected / (detected + undetected); compile and runtime errors and ignored mutants don't count. */
export function mutationScore(mutants) {
  const detected = mutants.filter((mutant) => DETECTED.has(mutant.status)).length;
  const undetected = mutants.filter((mutant) => UNDETECTED.has(mutant.status)).length;
  return { detected, undetected, score: detected + undetected ? (100 * detected) / (detected + undetected) : NaN };
}

const percent = (value) => (Number.isNaN(value) ? 'n/a' : `${value.toFixed(2)}%`);
const cell = (text) => `\`${String(text).replace(/\s+/g, ' ').replace(/`/g, "'").replace(/\|/g, '\\|').slice(0, 80)}\``;

/** Reads every group's report; returns { files: {path: {source, mutants}}, measured: {group: Date}, missing: [group] }. */
function readReports() {
  const files = {};
  const measured = {};
  const missing = [];
  for (const [group, modules] of Object.entries(mutationGroups())) {
    const reportFile = incrementalFile(group);
    const measuredAt = readState(group)?.measuredAt;
    if (!fs.existsSync(reportFile) || !measuredAt) {
      missing.push(group);
      continue;
    }
    measured[group] = new Date(measuredAt);
    const report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
    for (const [file, result] of Object.entries(report.files)) {
      const relative = path.relative(repoRoot, path.resolve(repoRoot, file)).split(path.sep).join('/');
      if (modules.includes(relative)) files[relative] = result;
    }
  }
  return { files, measured, missing };
}

function readReasons() {
  return fs.existsSync(REASONS) ? JSON.parse(fs.readFileSync(REASONS, 'utf8')) : [];
}

/** Writes docs/mutation.md; returns the one-line summary. */
export function renderMutationReport() {
  const { files, measured, missing } = readReports();
  const reasons = readReasons();
  const all = Object.values(files).flatMap((file) => file.mutants);
  const total = mutationScore(all);
  const lines = [
    '# Mutation testing',
    '',
    'Written by `npm run mutate` (StrykerJS over every `src/` module without a `vscode` import, killed by the',
    'unit tests; see `stryker.config.mjs`). Do not edit by hand: run `npm run mutate` (or',
    '`node scripts/mutationReport.mjs` to render the last reports again).',
    '',
    `**Mutation score: ${percent(total.score)}** (${total.detected} detected, ${total.undetected} undetected,`
      + ` ${all.length} mutants in ${Object.keys(files).length} files).`,
    '',
    // Stryker counts a mutant whose tests ran past the time limit as detected; on a loaded machine a slow
    // survivor can look like that, so the floor with no timeout counted is printed beside it.
    `Counting every Timeout as undetected instead: ${percent(100 * all.filter((m) => m.status === 'Killed').length / (total.detected + total.undetected))}`
      + ` (${all.filter((m) => m.status === 'Timeout').length} timeouts).`,
    '',
    ...Object.entries(measured).map(([group, date]) => `- group \`${group}\` measured ${date.toISOString()}`),
    ...missing.map((group) => `- group \`${group}\`: **not measured yet** (\`npm run mutate -- ${group}\`)`),
    '',
    '| file | mutants | killed | timeout | survived | no coverage | errors/ignored | score |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [file, { mutants }] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    const count = (status) => mutants.filter((mutant) => mutant.status === status).length;
    const other = mutants.length - ['Killed', 'Timeout', 'Survived', 'NoCoverage'].reduce((sum, status) => sum + count(status), 0);
    lines.push(`| ${file} | ${mutants.length} | ${count('Killed')} | ${count('Timeout')} | ${count('Survived')}`
      + ` | ${count('NoCoverage')} | ${other} | ${percent(mutationScore(mutants).score)} |`);
  }
  lines.push('', '## Mutants that stay alive', '',
    'Each with the reason it stays (from `test/mutation/reasons.json`), or marked as waiting for a test.', '',
    '| where | mutator | original | replacement | status | reason |', '| --- | --- | --- | --- | --- | --- |');
  let unexplained = 0;
  for (const [file, { source, mutants }] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    const sourceLines = source.split('\n');
    for (const mutant of mutants.filter((m) => UNDETECTED.has(m.status)).sort((a, b) => a.location.start.line - b.location.start.line)) {
      const { start, end } = mutant.location;
      const lineText = sourceLines[start.line - 1].trim();
      const original = start.line === end.line
        ? sourceLines[start.line - 1].slice(start.column - 1, end.column - 1)
        : `${sourceLines[start.line - 1].slice(start.column - 1)} …`;
      const reason = reasons.find((entry) => entry.file === file && entry.mutator === mutant.mutatorName
        && entry.replacement === mutant.replacement && entry.line === lineText
        && (entry.original === undefined || entry.original === original));
      if (!reason) unexplained++;
      lines.push(`| ${file}:${start.line} | ${mutant.mutatorName} | ${cell(original)} | ${cell(mutant.replacement ?? '')}`
        + ` | ${mutant.status} | ${reason ? reason.reason.replace(/\|/g, '\\|') : '**no reason yet: needs a test**'} |`);
    }
  }
  if (total.undetected === 0) lines.push('| (none) | | | | | |');
  fs.writeFileSync(DOC, `${lines.join('\n')}\n`);
  const measuredOn = Object.values(measured).sort((a, b) => a - b)[0]?.toISOString().slice(0, 10) ?? 'never';
  writeReadmeFigure('mutation', `${percent(total.score)} over ${Object.keys(files).length} pure modules`
    + `${missing.length ? ` (groups not measured yet: ${missing.join(', ')})` : ''}, measured ${measuredOn}`);
  return `mutation score ${percent(total.score)} over ${Object.keys(files).length} pure modules`
    + `${missing.length ? ` (not measured: ${missing.join(', ')})` : ''}; ${unexplained} alive without a reason; docs/mutation.md written`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(renderMutationReport());
