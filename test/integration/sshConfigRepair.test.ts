import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as vscode from 'vscode';
import type { CreateKeyPairOutcome } from '../../src/commands/createKeyPair';
import { DEMO_REGION_ID } from '../emulator/demo';
import type { ScriptStep } from './scriptedPrompter';
import { listFiles, sshG, World } from './world';

/*
 * Configs OpenSSH itself rejects (macOS's UseKeychain on Linux, a UTF-8 BOM: fault case 38), through
 * the real create command and the real write path: the refusal names the user's line and the fix,
 * changes nothing, and the offered repair (with a backup) makes the next attempt succeed.
 */
suite('SSH configs OpenSSH rejects: refusal, consent, repair', function () {
  this.timeout(120_000);
  let world: World;
  let counter = 0;
  suiteSetup(async () => (world = await World.start()));
  suiteTeardown(async () => world?.stop());
  setup(async () => world.reset());

  const MAC_CONFIG = '# from my Mac\nHost *\n  AddKeysToAgent yes\n  UseKeychain yes\n\nHost work\n  HostName 192.0.2.10\n';
  const BOM_CONFIG = '\uFEFF# saved by Notepad\r\nHost work\r\n  HostName 192.0.2.10\r\n';

  function uniqueName(): string {
    counter += 1;
    return `repair-${Date.now().toString(36)}-${counter}`;
  }

  async function writeConfig(text: string): Promise<void> {
    await fs.mkdir(world.sshDir, { recursive: true, mode: 0o700 });
    await fs.writeFile(world.configPath, text, { mode: 0o600 });
  }

  function create(name: string, ...consent: ScriptStep[]) {
    const prompter = world.script({ pick: DEMO_REGION_ID }, { type: [name] }, { pick: 'Skip' }, ...consent);
    return { prompter, outcome: vscode.commands.executeCommand<CreateKeyPairOutcome | undefined>('swas.createKeyPair') };
  }

  test('UseKeychain: the modal names line 4 and says nothing changed; Add IgnoreUnknown and Retry writes the entry, backup kept', async () => {
    await writeConfig(MAC_CONFIG);
    const { prompter, outcome } = create(uniqueName(), { answer: 'Add IgnoreUnknown and Retry' });
    const result = await outcome;
    const modal = prompter.shown.find((shown) => shown.kind === 'confirm');
    assert.ok(modal, 'the user was asked');
    assert.match(modal.text, new RegExp(`${world.configPath} line 4: Bad configuration option: usekeychain`));
    assert.match(modal.text, /Nothing was changed/);
    assert.match(modal.text, /"IgnoreUnknown UseKeychain" as the first line/);
    assert.ok(result?.alias, 'the entry was written after the repair');
    const written = await fs.readFile(world.configPath, 'utf8');
    assert.ok(written.endsWith(`\nIgnoreUnknown UseKeychain\n${MAC_CONFIG}`), 'the user\'s bytes follow the IgnoreUnknown line');
    assert.equal(await fs.readFile(`${world.configPath}.swas-backup-ignore-unknown`, 'utf8'), MAC_CONFIG);
    const resolved = await sshG(world.configPath, result.alias, world.home);
    assert.equal(resolved.get('identityfile')?.[0], result.privateKeyPath);
  });

  test('UseKeychain, offer declined: nothing written, the warning names the line and the fix', async () => {
    await writeConfig(MAC_CONFIG);
    const { prompter, outcome } = create(uniqueName(), { answer: undefined });
    const result = await outcome;
    assert.ok(result?.privateKeyPath, 'the key is saved whatever the config holds');
    assert.equal(result.alias, undefined);
    assert.equal(await fs.readFile(world.configPath, 'utf8'), MAC_CONFIG);
    assert.deepEqual((await listFiles(world.sshDir)).filter((file) => file.startsWith('config')), ['config'], 'no backup, no candidate');
    const warning = prompter.lastMessage()?.text ?? '';
    assert.match(warning, /SSH config .* was not changed: .* already fails OpenSSH's own check/);
    assert.match(warning, /line 4: Bad configuration option: usekeychain/);
    assert.match(warning, /Add "IgnoreUnknown UseKeychain" as the first line/);
  });

  test('a BOM (fault case 38): the modal says why; Remove BOM and Retry writes the entry, backup kept', async () => {
    await writeConfig(BOM_CONFIG);
    const { prompter, outcome } = create(uniqueName(), { answer: 'Remove BOM and Retry' });
    const result = await outcome;
    const modal = prompter.shown.find((shown) => shown.kind === 'confirm');
    assert.match(modal?.text ?? '', /byte order mark .*OpenSSH reads it as part of the first keyword .*Nothing was changed/);
    assert.ok(result?.alias);
    const written = await fs.readFile(world.configPath, 'utf8');
    assert.ok(!written.startsWith('\uFEFF') && written.endsWith(BOM_CONFIG.slice(1)));
    assert.equal(await fs.readFile(`${world.configPath}.swas-backup-bom`, 'utf8'), BOM_CONFIG);
    assert.deepEqual((await sshG(world.configPath, result.alias, world.home)).get('hostname'), [result.alias]);
  });

  test('a BOM, offer declined: byte-for-byte unchanged, the warning says why', async () => {
    await writeConfig(BOM_CONFIG);
    const { prompter, outcome } = create(uniqueName(), { answer: undefined });
    const result = await outcome;
    assert.equal(result?.alias, undefined);
    assert.deepEqual(await fs.readFile(world.configPath), Buffer.from(BOM_CONFIG, 'utf8'));
    assert.deepEqual((await listFiles(world.sshDir)).filter((file) => file.startsWith('config')), ['config']);
    assert.match(prompter.lastMessage()?.text ?? '', /was not changed: .*byte order mark \(BOM\), which OpenSSH reads as part of the first keyword/);
  });
});
