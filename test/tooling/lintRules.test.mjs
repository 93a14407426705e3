// The rules of eslint.config.mjs bite: each snippet is linted with the real config as if it were a file of the
// folder it breaks the rule in (the text stands in for one real file there, so the TypeScript service types it
// with tsconfig.json), and the rule ids ESLint reports are compared. The same imports and calls where the layers
// allow them report nothing. The lint suite of `npm test` then holds the whole tree to these rules.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let eslint;

/** The real .ts files of `folder` (repo-relative paths), to lint snippets under their names. */
function filesIn(folder) {
  const files = fs.readdirSync(path.join(repoRoot, folder)).filter((name) => name.endsWith('.ts')).sort();
  assert.ok(files.length > 0, `no .ts file in ${folder}`);
  return files.map((file) => path.join(folder, file));
}
const aFileIn = (folder) => filesIn(folder)[0];

/** The rule ids ESLint reports for `code` linted as the file `filePath` (repo-relative); a parse error fails. */
async function ruleIds(filePath, code) {
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, filePath) });
  const fatal = result.messages.filter((message) => message.fatal);
  assert.deepEqual(fatal, [], `${filePath} did not parse`);
  return result.messages.map((message) => message.ruleId);
}

before(() => {
  eslint = new ESLint({ cwd: repoRoot });
});

describe('promises', () => {
  test('a promise neither awaited nor handled is flagged, in src/ and in tests', async () => {
    const code = 'async function step(): Promise<void> {}\nexport function run(): void {\n  step();\n}\n';
    assert.deepEqual(await ruleIds(aFileIn('src/operations'), code), ['@typescript-eslint/no-floating-promises']);
    assert.deepEqual(await ruleIds(aFileIn('test/unit/cloud'), code), ['@typescript-eslint/no-floating-promises']);
    const handled = 'async function step(): Promise<void> {}\nexport async function run(): Promise<void> {\n  await step();\n  step().catch(() => undefined);\n}\n';
    assert.deepEqual(await ruleIds(aFileIn('src/operations'), handled), []);
  });

  test('only node:test\'s own test() and describe() may be left unawaited (its runner waits for them)', async () => {
    const nodeTest = "import { describe, test } from 'node:test';\ndescribe('a', () => {\n  test('b', async () => {});\n});\n";
    assert.deepEqual(await ruleIds(aFileIn('test/unit/cloud'), nodeTest), []);
    const ownTest = 'async function test(): Promise<void> {}\nexport function run(): void {\n  test();\n}\n';
    assert.deepEqual(await ruleIds(aFileIn('test/unit/cloud'), ownTest), ['@typescript-eslint/no-floating-promises']);
  });

  test('an async function where a void callback is expected is flagged', async () => {
    const code = "import { EventEmitter } from 'node:events';\nexport function listen(events: EventEmitter): void {\n  events.on('close', async () => { await Promise.resolve(); });\n}\n";
    assert.deepEqual(await ruleIds(aFileIn('src/local'), code), ['@typescript-eslint/no-misused-promises']);
  });
});

describe('layers', () => {
  const importsVscode = "import * as vscode from 'vscode';\nexport const version = vscode.version;\n";

  test('src/ssh/ and src/cloud/ import no vscode; src/operations/ may', async () => {
    assert.deepEqual(await ruleIds(aFileIn('src/ssh'), importsVscode), ['@typescript-eslint/no-restricted-imports']);
    assert.deepEqual(await ruleIds(aFileIn('src/cloud'), importsVscode), ['@typescript-eslint/no-restricted-imports']);
    assert.deepEqual(await ruleIds(aFileIn('src/cloud'), `import type * as vscode from 'vscode';\nexport type Uri = vscode.Uri;\n`), ['@typescript-eslint/no-restricted-imports']);
    assert.deepEqual(await ruleIds(aFileIn('src/operations'), importsVscode), []);
  });

  test('a command imports no other command, by either path; it may import the registry, the ids, the args and vscode', async () => {
    const [command, otherFile] = filesIn('src/commands');
    const other = path.basename(otherFile, '.ts');
    for (const specifier of [`./${other}`, `../commands/${other}`]) {
      assert.deepEqual(await ruleIds(command, `import * as other from '${specifier}';\nexport const used = other;\n`), ['@typescript-eslint/no-restricted-imports'], specifier);
    }
    const allowed = [
      "import * as vscode from 'vscode';",
      "import { registerSwasCommand } from '../commandRegistry';",
      "import type { SwasCommandId } from '../commandIds';",
      "import type { KeyPairArgs } from '../commandArgs';",
      "export const used = [vscode, registerSwasCommand] as const;",
      'export type Used = SwasCommandId | KeyPairArgs;',
    ].join('\n');
    assert.deepEqual(await ruleIds(command, `${allowed}\n`), []);
  });

  test('the tree, the shared operations, src/local/ and src/ui/ import no command; src/extension.ts does', async () => {
    const code = "import * as refresh from '../commands/refresh';\nexport const used = refresh;\n";
    for (const folder of ['src/tree', 'src/operations', 'src/local', 'src/ui']) {
      assert.deepEqual(await ruleIds(aFileIn(folder), code), ['@typescript-eslint/no-restricted-imports'], folder);
    }
    assert.deepEqual(await ruleIds('src/extension.ts', "import * as refresh from './commands/refresh';\nexport const used = refresh;\n"), []);
  });
});

describe('the command registry', () => {
  const registers = "import * as vscode from 'vscode';\nexport const registration = vscode.commands.registerCommand('swas.refresh', () => undefined);\n";
  const runs = "import * as vscode from 'vscode';\nexport const run = (): Thenable<unknown> => vscode.commands.executeCommand('swas.refresh');\n";

  test('registerCommand and executeCommand of our commands are flagged outside src/commandRegistry.ts, with the way round', async () => {
    for (const file of ['src/extension.ts', aFileIn('src/commands'), aFileIn('src/tree')]) {
      assert.deepEqual(await ruleIds(file, registers), ['no-restricted-syntax'], file);
      assert.deepEqual(await ruleIds(file, runs), ['no-restricted-syntax'], file);
    }
    const [result] = await eslint.lintText(registers, { filePath: path.join(repoRoot, 'src/extension.ts') });
    assert.match(result.messages[0].message, /registerSwasCommand \(src\/commandRegistry\.ts\)/);
    assert.deepEqual(await ruleIds('src/commandRegistry.ts', registers), []);
    assert.deepEqual(await ruleIds('src/commandRegistry.ts', runs), []);
  });

  test('executeCommand of another extension\'s command is allowed', async () => {
    const code = "import * as vscode from 'vscode';\nexport const run = (): Thenable<unknown> => vscode.commands.executeCommand('workbench.action.reloadWindow');\n";
    assert.deepEqual(await ruleIds(aFileIn('src/remote'), code), []);
  });
});
