// UI test: the questions and error buttons of the commands, through the real widgets of code-server, in a
// window with no credentials at all: the error's Sign In button and Sign In's two input boxes, an error's
// Retry (a 503 on CreateKeyPair), Delete Key Pair's confirmation modals, Import's file dialog (code-server's
// simple file dialog), and Open Settings on an endpoint that refuses connections. Asserts on the emulator
// and the sandbox files afterwards. Prints the UI-RESULT line.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  createUiRunner, palette, quickInputMessage, quickInputSelect, quickPickFilterAndAccept, startDemoEmulator,
  startWorkbench, waitForDialog, waitForFileDialog, waitForMessage, waitForNotification, waitForQuickInput, waitForQuickInputTitle, waitUntil,
} from './lib.mjs';

const REGION = 'cn-hangzhou';
const SIGN_IN_TITLE = 'Sign In to Alibaba Cloud (SWAS)';
const CREATED_NAME = 'retry-key';
const IMPORTED_NAME = 'imported-key';

const world = await startDemoEmulator();
const { DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET } = world.demo;
let emulatorRunning = true;
let workbench;
try {
  // no credentials in the environment: the sandbox HOME has no aliyun CLI config or credentials file either
  workbench = await startWorkbench({ settings: { 'swas.endpoint': world.url, 'swas.defaultRegion': REGION } });
} catch (error) {
  await world.stop();
  throw error;
}
const { page, home } = workbench;
const sshConfig = path.join(home, '.ssh', 'config');
const keyFile = path.join(home, '.ssh', `${CREATED_NAME}.pem`);
const ui = createUiRunner({ page });

try {
  await ui.test('no credentials: the error\'s Sign In button opens Sign In; a wrong secret is refused, the right one is kept', async () => {
    await palette(page, 'SWAS: Create Key Pair');
    const error = await waitForNotification(page, 'No Alibaba Cloud credentials found.');
    await error.getByRole('button', { name: 'Sign In' }).click();
    let input = await waitForQuickInputTitle(page, `${SIGN_IN_TITLE} (1/2)`);
    await input.fill('short');
    await quickInputMessage(page).filter({ hasText: 'An AccessKey ID is 16 or more letters and digits' }).waitFor({ timeout: 10_000 });
    await input.fill(DEMO_ACCESS_KEY_ID);
    await input.press('Enter');
    input = await waitForQuickInputTitle(page, `${SIGN_IN_TITLE} (2/2)`);
    assert.equal(await input.getAttribute('type'), 'password', 'the secret is typed into a password box');
    await input.fill('not-the-secret-of-this-key');
    await input.press('Enter');
    await waitForNotification(page, 'Alibaba Cloud rejected the request signature');
    // asked again, the AccessKey ID kept
    input = await waitForQuickInputTitle(page, `${SIGN_IN_TITLE} (1/2)`);
    assert.equal(await input.inputValue(), DEMO_ACCESS_KEY_ID);
    await input.press('Enter');
    input = await waitForQuickInputTitle(page, `${SIGN_IN_TITLE} (2/2)`);
    await input.fill(DEMO_ACCESS_KEY_SECRET);
    await input.press('Enter');
    await waitForMessage(page, `Signed in to Alibaba Cloud with AccessKey ID ${DEMO_ACCESS_KEY_ID}.`);
    const checks = world.emulator.callsOf('ListKeyPairs').map((call) => [call.accessKeyId, call.signatureValid]);
    assert.deepEqual(checks, [[DEMO_ACCESS_KEY_ID, false], [DEMO_ACCESS_KEY_ID, true]]);
  });

  await ui.test('a 503 on every try of CreateKeyPair: the error offers Retry; Retry creates the key pair once, same ClientToken', async () => {
    // DEFAULT_RETRY in src/cloud/client.ts makes 4 attempts: the 4 faults exhaust them, the 5th call is Retry's
    world.emulator.injectFault({ action: 'CreateKeyPair', kind: 'status', status: 503, times: 4 });
    await palette(page, 'SWAS: Create Key Pair');
    await waitForQuickInput(page, 'Region for the key pair');
    await quickPickFilterAndAccept(page, REGION);
    const input = await waitForQuickInput(page, 'characters: a letter or Chinese character first');
    await quickInputMessage(page).filter({ hasText: 'key pairs used in' }).waitFor({ state: 'visible', timeout: 30_000 });
    await input.fill(CREATED_NAME);
    await input.press('Enter');
    await waitForQuickInput(page, 'Server that will use the key pair');
    await quickInputSelect(page, 'Skip');
    const error = await waitForNotification(page, 'Retrying is safe', 60_000);
    assert.equal(world.emulator.keyPairs(REGION).some((keyPair) => keyPair.keyPairName === CREATED_NAME), false);
    await error.getByRole('button', { name: 'Retry' }).click();
    await waitForNotification(page, `Key pair "${CREATED_NAME}" is `, 60_000);
    const creates = world.emulator.callsOf('CreateKeyPair');
    assert.deepEqual(creates.map((call) => call.status), [503, 503, 503, 503, 200]);
    assert.equal(new Set(creates.map((call) => call.clientToken)).size, 1, 'one ClientToken for the create and its retries');
    assert.equal(world.emulator.keyPairs(REGION).filter((keyPair) => keyPair.keyPairName === CREATED_NAME).length, 1);
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
  });

  await ui.test('Delete Key Pair… asks in a modal; Delete removes it from the cloud, the second modal the key file and SSH entry', async () => {
    await palette(page, 'SWAS: Delete Key Pair…');
    await waitForQuickInput(page, `Key pair in ${REGION}`);
    await quickPickFilterAndAccept(page, CREATED_NAME);
    const confirm = await waitForDialog(page, `Delete key pair "${CREATED_NAME}" in ${REGION}?`);
    assert.match(await confirm.innerText(), /cannot be restored/);
    assert.equal(world.emulator.callsOf('DeleteKeyPairs').length, 0, 'nothing deleted before the answer');
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    const local = await waitForDialog(page, `Key pair "${CREATED_NAME}" deleted. Also remove from this computer:`, 30_000);
    assert.equal(world.emulator.keyPairs(REGION).some((keyPair) => keyPair.keyPairName === CREATED_NAME), false, 'still in the cloud');
    const listed = await local.innerText();
    assert.ok(listed.includes(keyFile), `key file not listed: ${listed}`);
    assert.match(listed, /SSH config entry/);
    assert.ok(fs.existsSync(keyFile), 'local files stay until the second answer');
    await local.getByRole('button', { name: 'Remove These' }).click();
    // the key file and the SSH entry go one after the other: wait until both are gone
    await waitUntil(() => !fs.existsSync(keyFile) && !fs.readFileSync(sshConfig, 'utf8').includes(CREATED_NAME),
      `${keyFile} and its SSH entry removed`);
  });

  await ui.test('Import Public Key…: Choose a .pub File… opens the file dialog; the chosen key is imported as typed', async () => {
    const keyBase = path.join(home, 'own-keys', 'laptop');
    fs.mkdirSync(path.dirname(keyBase));
    execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-C', 'ui-import', '-f', keyBase]);
    await palette(page, 'SWAS: Import Public Key…');
    await waitForQuickInput(page, `Which public key should ${REGION} hold?`);
    await quickInputSelect(page, 'Choose a .pub File…');
    const input = await waitForFileDialog(page, 'Choose Public Key', '/.ssh/');
    await input.fill(`${keyBase}.pub`);
    // the dialog moves into the typed folder and lists it before it takes the file
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'laptop.pub' }).waitFor({ state: 'visible', timeout: 15_000 });
    await input.press('Enter');
    const name = await waitForQuickInput(page, 'characters: a letter first');
    await name.fill(IMPORTED_NAME);
    await name.press('Enter');
    await waitForNotification(page, `Key pair "${IMPORTED_NAME}" imported to ${REGION}`, 60_000);
    const imported = world.emulator.keyPairs(REGION).find((keyPair) => keyPair.keyPairName === IMPORTED_NAME);
    assert.ok(imported, `${IMPORTED_NAME} not in the emulator`);
    const body = (text) => text.trim().split(/\s+/).slice(0, 2).join(' ');
    assert.equal(body(imported.publicKey), body(fs.readFileSync(`${keyBase}.pub`, 'utf8')));
  });

  await ui.test('the endpoint refuses connections: the error\'s Open Settings button opens the Settings editor at swas.endpoint', async () => {
    await world.stop();
    emulatorRunning = false;
    await palette(page, 'SWAS: Delete Key Pair…');
    // connectionRefused is transient: the client's four tries take about 7 s before the error shows
    const error = await waitForNotification(page, 'The connection to the SWAS endpoint was refused.', 60_000);
    await error.getByRole('button', { name: 'Open Settings' }).click();
    await page.locator('.settings-editor').waitFor({ state: 'visible', timeout: 30_000 });
    await page.locator('.settings-editor .setting-item-contents', { hasText: 'Endpoint' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    const search = await page.locator('.settings-editor .suggest-input-container .view-lines').innerText();
    assert.match(search.replace(/\u00a0/g, ' '), /swas\.endpoint/);
  });
} finally {
  await workbench.stop();
  if (emulatorRunning) await world.stop();
  ui.finish();
}
