import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { World } from '../world';
import { currentScenario } from './scenarios';

interface StandInCall {
  command: string;
  args: unknown[];
}

const ALIAS = 'swas-Web1-Prod';
const ALL_PROVIDER_IDS = ['ms-vscode-remote.remote-ssh', 'anysphere.remote-ssh', 'codeium.windsurf-remote-openssh', 'jeanp413.open-remote-ssh'];
const ALL_PROVIDER_COMMANDS = [
  'opensshremotes.openEmptyWindow',
  'opensshremotes.openEmptyWindowInCurrentWindow',
  'openremotessh.openEmptyWindow',
  'openremotessh.openEmptyWindowInCurrentWindow',
];

/** What the stand-in recorded (activating it if the product did not, so "nothing" is read, not assumed). */
async function callsOf(extensionId: string): Promise<StandInCall[]> {
  const extension = vscode.extensions.getExtension<{ calls: StandInCall[] }>(extensionId);
  assert.ok(extension, `${extensionId} stand-in is installed`);
  return (await extension.activate()).calls;
}

/** The hostName inside `ssh-remote+<hex JSON>`, decoded independently of the product. */
function decodeAuthority(authority: string): unknown {
  const match = /^ssh-remote\+([0-9a-f]+)$/.exec(authority);
  assert.ok(match, `not a hex-encoded ssh-remote authority: ${authority}`);
  return JSON.parse(Buffer.from(match[1], 'hex').toString('utf8'));
}

/**
 * The product's hand-off to each remote-SSH extension, against stand-ins that register that
 * extension's command IDs and record what they get. One host run per scenario (runTest.ts), so
 * each suite sees only its scenario's extensions. A new window is recorded instead of opened.
 */
function providerSuite(title: string, body: (world: () => World, opened: string[]) => void): void {
  if (!currentScenario().titles.includes(title)) return;
  suite(title, function () {
    this.timeout(60_000);
    let world: World;
    const opened: string[] = [];
    suiteSetup(async () => {
      world = await World.start();
      world.api.setRemoteWindowOpener(async (authority) => {
        opened.push(authority);
      });
    });
    suiteTeardown(async () => world?.stop());
    setup(async () => {
      opened.length = 0;
      await world.reset();
    });
    body(() => world, opened);
  });
}

async function connect(world: World, alias = ALIAS): Promise<unknown> {
  world.script();
  return vscode.commands.executeCommand('swas.connectWithRemoteSsh', { alias });
}

providerSuite('Remote-SSH provider: Microsoft', (world, opened) => {
  test('calls opensshremotes.openEmptyWindow with { host } keeping the alias as written (capital letters)', async () => {
    assert.equal(await connect(world()), true);
    assert.deepEqual(await callsOf('ms-vscode-remote.remote-ssh'), [{ command: 'opensshremotes.openEmptyWindow', args: [{ host: ALIAS }] }]);
    assert.deepEqual(opened, []);
  });
});

providerSuite('Remote-SSH provider: Cursor', (world, opened) => {
  test("calls the fork's opensshremotes.openEmptyWindow with { host }", async () => {
    assert.equal(await connect(world()), true);
    assert.deepEqual(await callsOf('anysphere.remote-ssh'), [{ command: 'opensshremotes.openEmptyWindow', args: [{ host: ALIAS }] }]);
    assert.deepEqual(opened, []);
  });
});

providerSuite('Remote-SSH provider: Cursor without the known command', (world, opened) => {
  test('a command that is not registered is not called: the ssh-remote authority is opened instead', async () => {
    assert.equal(await connect(world()), true);
    assert.ok(!(await vscode.commands.getCommands(true)).includes('opensshremotes.openEmptyWindow'));
    assert.deepEqual(await callsOf('anysphere.remote-ssh'), []);
    assert.equal(opened.length, 1);
    assert.deepEqual(decodeAuthority(opened[0]), { hostName: ALIAS });
  });
});

for (const [title, extensionId] of [
  ['Remote-SSH provider: open-remote-ssh', 'jeanp413.open-remote-ssh'],
  ['Remote-SSH provider: Windsurf', 'codeium.windsurf-remote-openssh'],
] as const) {
  providerSuite(title, (world, opened) => {
    test('opens a new window on ssh-remote+<hex of {"hostName"}> that keeps capital letters; calls none of its commands', async () => {
      assert.equal(await connect(world()), true);
      assert.equal(opened.length, 1);
      assert.deepEqual(decodeAuthority(opened[0]), { hostName: ALIAS });
      assert.equal(opened[0], opened[0].toLowerCase(), 'the authority survives lowercasing');
      assert.deepEqual(await callsOf(extensionId), []);
    });
  });
}

providerSuite('Remote-SSH provider: all installed', (world, opened) => {
  test("this editor's own (code-server: Open VSX's open-remote-ssh) wins over Cursor's registered command; no other provider is called", async () => {
    assert.equal(await connect(world(), 'swas-demo'), true);
    assert.equal(opened.length, 1);
    assert.deepEqual(decodeAuthority(opened[0]), { hostName: 'swas-demo' });
    for (const id of ALL_PROVIDER_IDS.filter((id) => id !== 'ms-vscode-remote.remote-ssh')) {
      assert.deepEqual(await callsOf(id), [], `${id} was not called`);
    }
    assert.ok((await vscode.commands.getCommands(true)).includes('opensshremotes.openEmptyWindow'), "Cursor's command was there to be (wrongly) chosen");
  });
});

providerSuite('Remote-SSH provider: Microsoft refusing to run', (world, opened) => {
  test('an installed extension whose command is not registered is never called: the install of Open VSX\'s is offered instead', async () => {
    const registered = await vscode.commands.getCommands(true);
    const prompter = world().script({ answer: undefined });
    const connected = await vscode.commands.executeCommand('swas.connectWithRemoteSsh', { alias: ALIAS });
    assert.equal(connected, false);
    assert.ok(!ALL_PROVIDER_COMMANDS.some((c) => registered.includes(c)), 'the refusing stand-in registered nothing');
    assert.match(prompter.messages()[0].text, /needs a Remote - SSH extension\. Install Open Remote - SSH now\?/);
    assert.deepEqual(opened, []);
  });
});
