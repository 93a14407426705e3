// Keeps a figure in README.md between `<!-- figure:NAME -->` and `<!-- /figure:NAME -->`, written by
// the command that measures it (npm test's coverage, npm run mutate), never pasted by hand.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const README = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'), 'README.md');

/** Replaces the text between the markers named `name`; throws if README.md has no such markers. */
export function writeReadmeFigure(name, text) {
  const readme = fs.readFileSync(README, 'utf8');
  const open = `<!-- figure:${name} -->`;
  const close = `<!-- /figure:${name} -->`;
  const start = readme.indexOf(open);
  const end = readme.indexOf(close);
  if (start < 0 || end < start) throw new Error(`README.md has no ${open} … ${close} markers`);
  fs.writeFileSync(README, `${readme.slice(0, start + open.length)}${text}${readme.slice(end)}`);
}
