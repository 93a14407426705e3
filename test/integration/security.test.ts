import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { CreateKeyPairOutcome } from '../../src/commands/createKeyPair';
import { DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_EXISTING_KEY_PAIR, DEMO_REGION_ID } from '../emulator/demo';
import { describeLeaks, findLeaks } from '../support/leakDetector';
import { keyPairNode } from './treeSupport';
import { filesUnder, World } from './world';

suite('Security: secrets stay secret', function () {
  this.timeout(120_000);
  let world: World;
  suiteSetup(async () => (world = await World.start()));
  suiteTeardown(async () => {
    await vscode.commands.executeCommand('_extensionTests.setLogLevel', 3);
    await world?.stop();
  });
  setup(async () => world.reset());

  test('Sign In keeps the AccessKey in SecretStorage only, and the flow then uses it', async () => {
    delete process.env.ALIBABA_CLOUD_ACCESS_KEY_ID;
    delete process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
    const signIn = world.script({ type: ['bad id', DEMO_ACCESS_KEY_ID] }, { type: [DEMO_ACCESS_KEY_SECRET] });
    assert.equal(await vscode.commands.executeCommand('swas.signIn'), true);
    assert.match(signIn.shown[0].validation?.[0] ?? '', /AccessKey ID is 16 or more/);
    const stored = await world.api.services.signedInCredentials();
    assert.deepEqual(stored, { accessKeyId: DEMO_ACCESS_KEY_ID, accessKeySecret: DEMO_ACCESS_KEY_SECRET });
    assert.ok(!(await fs.stat(path.join(world.home, '.aliyun')).catch(() => undefined)), 'never writes the aliyun CLI config');
    const userSettings = vscode.workspace.getConfiguration();
    assert.ok(!JSON.stringify(userSettings).includes(DEMO_ACCESS_KEY_SECRET), 'secret not in settings');

    world.script({ pick: DEMO_REGION_ID }, { type: ['signed-in'] }, { pick: 'Skip' });
    const outcome = await vscode.commands.executeCommand<CreateKeyPairOutcome>('swas.createKeyPair');
    assert.ok(outcome?.privateKeyPath);
    assert.ok(world.emulator.callsOf('CreateKeyPair').every((c) => c.accessKeyId === DEMO_ACCESS_KEY_ID && c.signatureValid));

    world.script();
    await vscode.commands.executeCommand('swas.signOut');
    assert.equal(await world.api.services.signedInCredentials(), undefined);
  });

  test('a wrong secret at Sign In is refused and not stored', async () => {
    const prompter = world.script({ type: [DEMO_ACCESS_KEY_ID] }, { type: ['wrong-secret-wrong-secret'] }, { type: 'ESC' });
    assert.equal(await vscode.commands.executeCommand('swas.signIn'), false);
    assert.match(prompter.messages('error')[0]?.text ?? '', /signature/);
    assert.equal(await world.api.services.signedInCredentials(), undefined);
  });

  test('the log names the credential source in use and the AccessKey ID\'s first 8 characters only', async () => {
    const fromEnvironment = { id: 'LTAI5tEnvSource0000000001', secret: 'env-source-secret' };
    const signedIn = { id: 'LTAI5tSignedIn00000000002', secret: 'signed-in-secret' };
    world.emulator.addAccessKey(fromEnvironment);
    world.emulator.addAccessKey(signedIn);
    process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = fromEnvironment.id;
    process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = fromEnvironment.secret;
    await world.configure({ regions: [DEMO_REGION_ID] });
    await keyPairNode(world.api.tree, DEMO_REGION_ID, DEMO_EXISTING_KEY_PAIR);
    await world.api.services.storeSignedInCredentials({ accessKeyId: signedIn.id, accessKeySecret: signedIn.secret });
    world.api.tree.refresh();
    await keyPairNode(world.api.tree, DEMO_REGION_ID, DEMO_EXISTING_KEY_PAIR);
    assert.deepEqual([...new Set(world.emulator.calls.map((c) => c.accessKeyId))], [fromEnvironment.id, signedIn.id], 'each source was used in turn');

    const logsRoot = path.dirname(path.dirname(world.api.services.context.logUri.fsPath));
    const wanted = [`Credentials: environment, AccessKey ID ${fromEnvironment.id.slice(0, 8)}…`, `Credentials: AccessKey signed in to VS Code, AccessKey ID ${signedIn.id.slice(0, 8)}…`];
    let lines: string[] = [];
    // The log channel writes its file a moment after the line is logged.
    for (let attempt = 0; attempt < 50; attempt++) {
      const files = (await filesUnder(logsRoot)).filter((f) => f.endsWith('.log'));
      lines = (await Promise.all(files.map((f) => fs.readFile(f, 'utf8')))).join('\n').split('\n').filter((l) => l.includes('Credentials: '));
      if (wanted.every((w) => lines.some((l) => l.endsWith(w)))) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    for (const line of wanted) {
      assert.ok(lines.some((l) => l.endsWith(line)), `"${line}" in the log under ${logsRoot}; its Credentials lines:\n${lines.join('\n')}`);
    }
    assert.ok(!lines.some((l) => l.includes(fromEnvironment.id) || l.includes(signedIn.id)), 'never the whole AccessKey ID');
  });

  test('at trace level, no log, notification or message contains a private key, secret, token or signature', async () => {
    await vscode.commands.executeCommand('_extensionTests.setLogLevel', 1);
    const token = 'sts-token-value-SHOULD-NOT-LEAK-123';
    const stsId = 'STS.NLeakCheckKey00000001';
    world.emulator.addAccessKey({ id: stsId, secret: 'sts-secret-SHOULD-NOT-LEAK', securityToken: token });

    const seen: string[] = [];
    const flows: Array<() => Promise<void>> = [
      async () => {
        const p = world.script({ pick: DEMO_REGION_ID }, { type: ['leak-check'] }, { pick: 'web-1' });
        await vscode.commands.executeCommand('swas.createKeyPair');
        seen.push(...p.shown.map((s) => s.text));
      },
      async () => {
        process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = stsId;
        process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = 'sts-secret-SHOULD-NOT-LEAK';
        process.env.ALIBABA_CLOUD_SECURITY_TOKEN = token;
        world.emulator.injectFault({ action: 'CreateKeyPair', kind: 'dropAfterAct' });
        const p = world.script({ pick: DEMO_REGION_ID }, { type: ['leak-check-sts'] }, { pick: 'Skip' });
        await vscode.commands.executeCommand('swas.createKeyPair');
        seen.push(...p.shown.map((s) => s.text));
      },
      async () => {
        process.env.ALIBABA_CLOUD_SECURITY_TOKEN = 'a-wrong-token-SHOULD-NOT-LEAK';
        const p = world.script({ pick: DEMO_REGION_ID });
        await vscode.commands.executeCommand('swas.createKeyPair');
        seen.push(...p.shown.map((s) => s.text));
      },
    ];
    for (const flow of flows) await flow();

    const privateKeys = world.emulator
      .keyPairs(DEMO_REGION_ID)
      .map((k) => k.privateKeyBody)
      .filter((k): k is string => Boolean(k));
    assert.ok(privateKeys.length >= 2, 'both flows created a key');
    const signatures = world.emulator.calls.map((call) => call.signature).filter((s): s is string => Boolean(s));
    assert.ok(signatures.length >= 3, 'the emulator saw the signatures the SDK sent');
    const sources = {
      privateKeys,
      secrets: [DEMO_ACCESS_KEY_SECRET, 'sts-secret-SHOULD-NOT-LEAK', token, 'a-wrong-token-SHOULD-NOT-LEAK', ...signatures],
    };
    const logsRoot = path.dirname(path.dirname(world.api.services.context.logUri.fsPath));
    const logFiles = (await filesUnder(logsRoot)).filter((f) => f.endsWith('.log'));
    const ours = [];
    for (const file of logFiles) {
      const text = await fs.readFile(file, 'utf8');
      if (text.includes('CreateKeyPair')) ours.push(file);
      const leaks = findLeaks(text, sources);
      assert.deepEqual(leaks, [], describeLeaks(file, leaks));
    }
    assert.ok(ours.length > 0, `the extension's log was found under ${logsRoot}`);
    const ourLog = (await Promise.all(ours.map((f) => fs.readFile(f, 'utf8')))).join('\n');
    assert.match(ourLog, /request id/i, 'the log keeps request ids for support');
    assert.match(ourLog, /Key pair cn-hangzhou\/leak-check ready: key \S.*\/leak-check\.pem(?: \([^)]+\))?, SHA256:\S+, SSH host swas-leak-check\./, 'the details the final message leaves out are in the log');
    for (const text of seen) {
      const leaks = findLeaks(text, sources);
      assert.deepEqual(leaks, [], describeLeaks('a message', leaks));
    }
  });
});
