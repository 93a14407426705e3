import * as assert from 'assert';
import * as os from 'os';
import * as vscode from 'vscode';

const EXTENSION_ID = 'swas-tools.swas-keypairs';

suite('Extension smoke', () => {
  test('the extension is installed in the host', () => {
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID), `${EXTENSION_ID} not found`);
  });

  test('activates without error', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension);
    await extension.activate();
    assert.equal(extension.isActive, true);
  });

  test('registers its commands', async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    const commands = await vscode.commands.getCommands(true);
    for (const command of ['swas.createKeyPair', 'swas.signIn', 'swas.signOut']) {
      assert.ok(commands.includes(command), `${command} is not registered`);
    }
  });

  test('runs with a fresh sandbox HOME, not the caller\'s', () => {
    assert.ok(process.env.SWAS_CALLER_HOME, 'SWAS_CALLER_HOME not passed through to the extension host');
    assert.notEqual(os.homedir(), process.env.SWAS_CALLER_HOME);
  });
});
