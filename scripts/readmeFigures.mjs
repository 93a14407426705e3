// Keeps a figure between `<!-- figure:NAME -->` and `<!-- /figure:NAME -->` in README.md or CONTRIBUTING.md
// (whichever holds the markers; the contributor figures live in CONTRIBUTING.md), written by the command that
// measures it (npm test's coverage, npm run mutate), never pasted by hand.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DOCS = ['README.md', 'CONTRIBUTING.md'].map((name) => path.join(repoRoot, name));

/** Replaces the text between the markers named `name`; throws if neither file has such markers. */
export function writeReadmeFigure(name, text) {
  const open = `<!-- figure:${name} -->`;
  const close = `<!-- /figure:${name} -->`;
  for (const file of DOCS) {
    const doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    const start = doc.indexOf(open);
    const end = doc.indexOf(close);
    if (start >= 0 && end > start) {
      fs.writeFileSync(file, `${doc.slice(0, start + open.length)}${text}${doc.slice(end)}`);
      return;
    }
  }
  throw new Error(`neither README.md nor CONTRIBUTING.md has ${open} … ${close} markers`);
}
