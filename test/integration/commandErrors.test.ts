import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { filesUnder, World } from './world';

/**
 * The one error boundary every command is registered through (src/commandRegistry.ts): an error no
 * step of a command handled reaches the user once, translated, with the log a click away, and the log
 * keeps its stack, instead of VS Code's bare "command failed".
 */
suite('Commands: one error boundary', function () {
  this.timeout(60_000);
  let world: World;
  suiteSetup(async () => (world = await World.start()));
  suiteTeardown(async () => world?.stop());
  setup(async () => world.reset());

  test('an error no step handles (another extension calls Connect without its arguments): one message with Show Log, the stack in the log', async () => {
    const prompter = world.script({ answer: 'Show Log' });
    const result = await vscode.commands.executeCommand('swas.connectWithRemoteSsh');
    assert.equal(result, undefined, 'the command resolves; it does not reject into VS Code\'s generic error');
    const [shown] = prompter.messages('error');
    assert.match(shown?.text ?? '', /^The command stopped on an unexpected error: .*needsRestart.*\. Nothing more was done\. The log \(Output → SWAS Key Pairs\) has the details/);
    assert.deepEqual(shown.actions, ['Show Log']);
    assert.equal(prompter.remaining, 0);

    const logsRoot = path.dirname(path.dirname(world.api.services.context.logUri.fsPath));
    let logged = '';
    for (let waited = 0; !/swas\.connectWithRemoteSsh stopped on an unexpected error: TypeError/.test(logged); waited += 200) {
      assert.ok(waited < 10_000, `the error was not logged under ${logsRoot}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const files = (await filesUnder(logsRoot)).filter((file) => file.endsWith('.log'));
      logged = (await Promise.all(files.map((file) => fs.readFile(file, 'utf8')))).join('\n');
    }
    const entry = logged.slice(logged.indexOf('swas.connectWithRemoteSsh stopped'), logged.indexOf('swas.connectWithRemoteSsh stopped') + 400);
    assert.match(entry, /stopped on an unexpected error: TypeError[^\n]*\n\s+at \S/, `the stack is logged: ${entry}`);
  });
});
