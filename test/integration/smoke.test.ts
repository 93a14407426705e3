import assert from 'node:assert/strict';
import * as os from 'os';
import * as vscode from 'vscode';

const EXTENSION_ID = 'swas-tools.swas-keypairs';

/** [major, minor, patch] of "1.75.1" or of engines.vscode's "^1.75.0". */
function versionParts(version: string): number[] {
  const match = /^\^?(\d+)\.(\d+)\.(\d+)/.exec(version);
  assert.ok(match, `not a version: ${version}`);
  return match.slice(1).map(Number);
}

// the title names the host, so a run's output says which VS Code it ran on (npm test, npm run test:floor)
suite(`Extension smoke (VS Code ${vscode.version})`, () => {
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

  test('runs on a VS Code that engines.vscode admits; on the floor host, on the floor itself', () => {
    const engine = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON.engines.vscode as string;
    const [floorMajor, floorMinor, floorPatch] = versionParts(engine);
    const [major, minor, patch] = versionParts(vscode.version);
    assert.equal(major, floorMajor, `VS Code ${vscode.version} is outside engines.vscode ${engine}`);
    assert.ok(minor > floorMinor || (minor === floorMinor && patch >= floorPatch), `VS Code ${vscode.version} is older than engines.vscode ${engine}`);
    // set by `npm run test:floor` (test/host/install-floor.sh): the floor host must be the version engines.vscode claims
    if (process.env.SWAS_FLOOR_HOST_DIR) {
      assert.equal(`${major}.${minor}`, `${floorMajor}.${floorMinor}`, `the floor host runs VS Code ${vscode.version}, engines.vscode claims ${engine}`);
    }
  });

  test('runs with a fresh sandbox HOME, not the caller\'s', () => {
    assert.ok(process.env.SWAS_CALLER_HOME, 'SWAS_CALLER_HOME not passed through to the extension host');
    assert.notEqual(os.homedir(), process.env.SWAS_CALLER_HOME);
  });
});
