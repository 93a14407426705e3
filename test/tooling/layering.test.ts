import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const srcDir = path.resolve(__dirname, '../../../src');

/** Every import of every source file under src/, as `from` (repo-relative file) → `to` (resolved file, or the package). */
function imports(): { from: string; to: string }[] {
  return fs.readdirSync(srcDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .flatMap((file) => {
      const text = fs.readFileSync(path.join(srcDir, file), 'utf8');
      return [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom '([^']+)'/gms)].map((match) => ({
        from: path.posix.join('src', file.split(path.sep).join('/')),
        to: match[1].startsWith('.') ? path.posix.join('src', path.posix.dirname(file.split(path.sep).join('/')), match[1]) : match[1],
      }));
    });
}

const under = (folder: string) => (file: string) => file.startsWith(`src/${folder}/`);

test('the layers hold: commands import no command, tree and shared operations import no command, cloud/ and ssh/ import no vscode', () => {
  const all = imports();
  assert.ok(all.length > 100, `read ${all.length} imports`);
  const broken = all.filter(({ from, to }) =>
    (under('commands')(from) && under('commands')(to))
    || ((under('tree')(from) || under('operations')(from) || under('local')(from) || under('ui')(from)) && under('commands')(to))
    || ((under('cloud')(from) || under('ssh')(from)) && to === 'vscode'));
  assert.deepEqual(broken, [], 'move the shared step to src/operations/ (or src/local/, src/ui/); keep vscode out of cloud/ and ssh/');
});
