import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { World } from './world';

/**
 * The hand-off. code-server has no Remote-SSH (and no gallery offline), so this checks the part that
 * runs here: without a Remote-SSH extension the user is offered the install, and declining opens
 * nothing; a server that still needs a restart is mentioned first. The Remote-SSH command call itself
 * (`opensshremotes.openEmptyWindow` with `{ host }`) only exists in desktop VS Code.
 */
suite('Connect with Remote-SSH', function () {
  this.timeout(60_000);
  let world: World;
  suiteSetup(async () => (world = await World.start()));
  suiteTeardown(async () => world?.stop());
  setup(async () => world.reset());

  test('without Remote-SSH installed: offers to install it; declining connects nothing', async () => {
    assert.equal(vscode.extensions.getExtension('ms-vscode-remote.remote-ssh'), undefined, 'this host has no Remote-SSH');
    const prompter = world.script({ answer: undefined });
    const connected = await vscode.commands.executeCommand('swas.connectWithRemoteSsh', { alias: 'swas-demo' });
    assert.equal(connected, false);
    const offer = prompter.messages()[0];
    assert.match(offer.text, /needs a Remote - SSH extension\. Install Open Remote - SSH now\?/);
    assert.deepEqual(offer.actions, ['Install Remote-SSH']);
  });

  test('a server that still needs a restart: the user is warned before connecting', async () => {
    const prompter = world.script({ answer: undefined });
    const connected = await vscode.commands.executeCommand('swas.connectWithRemoteSsh', { alias: 'swas-demo', needsRestart: true });
    assert.equal(connected, false);
    assert.match(prompter.messages('warning')[0].text, /must be restarted before the new key works/);
  });
});
