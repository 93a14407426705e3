// UI test: SWAS: Create Key Pair from the command palette, exactly as a user does it, against the local
// emulator with demo credentials and a sandbox HOME. Saves the README screenshots palette-region,
// validation and final-message. Prints the UI-RESULT line.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  createUiRunner, notificationButtons, palette, quickInputMessage, quickInputSelect, quickPickFilterAndAccept, screenshot,
  startDemoEmulator, startWorkbench, waitForNotification, waitForNotificationGone, waitForQuickInput,
} from './lib.mjs';

const REGION = 'cn-hangzhou';
const KEY_PAIR_NAME = 'ui-web-key';
const ALIAS = `swas-${KEY_PAIR_NAME}`;
const REGION_PLACEHOLDER = 'Region for the key pair';
const NAME_PLACEHOLDER = 'characters: a letter or Chinese character first';
const SERVER_PLACEHOLDER = 'Server that will use the key pair';

const world = await startDemoEmulator();
const web1 = world.demo.DEMO_SERVERS.web1;
let workbench;
try {
  workbench = await startWorkbench({ env: world.credentials, settings: { 'swas.endpoint': world.url } });
} catch (error) {
  await world.stop();
  throw error;
}
const { page, home } = workbench;
const keyFile = path.join(home, '.ssh', `${KEY_PAIR_NAME}.pem`);
const sshConfig = path.join(home, '.ssh', 'config');
const ui = createUiRunner({ page });

try {
  await ui.test('F1 → SWAS: Create Key Pair shows the region pick from ListRegions; typing cn-hangzhou filters to it', async () => {
    await palette(page, 'SWAS: Create Key Pair');
    const input = await waitForQuickInput(page, REGION_PLACEHOLDER);
    await input.pressSequentially(REGION);
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: REGION }).first();
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    // the description is the region's LocalName from ListRegions: the list came from the emulator
    const rowText = await row.innerText();
    assert.notEqual(rowText.replace(REGION, '').trim(), '', `row "${rowText}" has no region name`);
    assert.ok(world.emulator.callsOf('ListRegions').length >= 1, 'ListRegions was not called');
    await screenshot(page, 'palette-region');
    // a slow ListKeyPairs: the quick input stays open, busy, with no progress toast between the steps
    world.emulator.setLatency(2_000);
    await input.press('Enter');
    await page.locator('.quick-input-widget .quick-input-message', { hasText: 'Loading…' }).waitFor({ state: 'visible', timeout: 10_000 });
    // VS Code holds typing in a disabled quick input by making its box read-only
    assert.ok(!(await page.locator('.quick-input-widget .quick-input-box input').isEditable()), 'typing is held until the names in use are known');
    assert.equal(await page.locator('.notification-toast', { hasText: 'Checking key pairs' }).count(), 0, 'no toast between the steps');
    world.emulator.setLatency(0);
    await quickInputMessage(page).filter({ hasText: `1 of 10 key pairs used in ${REGION}` }).waitFor({ state: 'visible', timeout: 15_000 });
    assert.ok(await page.locator('.quick-input-widget .quick-input-box input').isEditable(), 'the box takes typing once the names are known');
  });

  await ui.test('the name input box says which rule an invalid name breaks as it is typed', async () => {
    const input = await waitForQuickInput(page, NAME_PLACEHOLDER);
    await input.pressSequentially('1abc');
    await quickInputMessage(page).filter({ hasText: 'The name must start with a letter or a Chinese character, not "1".' })
      .waitFor({ state: 'visible', timeout: 10_000 });
    await screenshot(page, 'validation');
    await input.fill('');
    await input.pressSequentially(KEY_PAIR_NAME);
    // valid again: the message goes back to the prompt with the quota from ListKeyPairs (existing-key)
    await quickInputMessage(page).filter({ hasText: `1 of 10 key pairs used in ${REGION}` })
      .waitFor({ state: 'visible', timeout: 10_000 });
    assert.doesNotMatch(await quickInputMessage(page).innerText(), /must start/);
    await input.press('Enter');
  });

  await ui.test('the server pick offers Skip and the Linux servers (not win-1); Back returns to the name as typed', async () => {
    await waitForQuickInput(page, SERVER_PLACEHOLDER);
    const rows = page.locator('.quick-input-widget .monaco-list-row');
    await rows.filter({ hasText: 'web-1' }).first().waitFor({ state: 'visible', timeout: 15_000 });
    const labels = await rows.allInnerTexts();
    assert.ok(labels.some((text) => text.includes('Skip')), `no Skip in ${JSON.stringify(labels)}`);
    assert.ok(labels.some((text) => text.includes('db-1')), `no db-1 in ${JSON.stringify(labels)}`);
    assert.ok(!labels.some((text) => text.includes('win-1')), `Windows server offered: ${JSON.stringify(labels)}`);
    await page.locator('.quick-input-widget .quick-input-left-action-bar .action-label').click({ timeout: 5_000 });
    const name = await waitForQuickInput(page, NAME_PLACEHOLDER);
    assert.equal(await name.inputValue(), KEY_PAIR_NAME, 'Back keeps the name typed before');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: '(2/3)' }).waitFor({ timeout: 5_000 });
    await name.press('Enter');
    await waitForQuickInput(page, SERVER_PLACEHOLDER);
    await quickInputSelect(page, 'web-1');
  });

  await ui.test('the final notification says one thing, the key pair is ready and what next; its buttons fit uncut: Apply Now, Restart, More…', async () => {
    // web-1's Cloud Assistant agent runs (the emulator's default, as on SWAS servers)
    const toast = await waitForNotification(page, `Key pair "${KEY_PAIR_NAME}" is ready. Apply it on web-1 now with Cloud Assistant (no restart), or restart web-1; then connect.`, 60_000);
    const text = await toast.innerText();
    assert.ok(!text.includes(keyFile) && !text.includes('SHA256:') && !text.includes(ALIAS), `paths and fingerprint are behind More…, not in "${text}"`);
    await waitForNotificationGone(page, 'Attaching');
    const buttons = await notificationButtons(toast);
    // the toast cuts a label that does not fit with an ellipsis (text-overflow): its text is wider than the button
    const cut = buttons.filter((button) => button.scrollWidth > button.clientWidth);
    assert.deepEqual(cut, [], 'buttons cut in the toast');
    assert.deepEqual(buttons.map((button) => button.text), ['Apply Now', 'Restart', 'More…']);
    await screenshot(page, 'final-message');
  });

  await ui.test('More… shows the key file, fingerprint and SSH host with the next steps; Open SSH Config opens the config with the new host', async () => {
    const toast = await waitForNotification(page, `Key pair "${KEY_PAIR_NAME}" is `);
    await toast.getByRole('button', { name: 'More…' }).click();
    await waitForQuickInput(page, 'What to do next');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Reveal Key File' }).waitFor({ state: 'visible', timeout: 10_000 });
    const rows = (await page.locator('.quick-input-widget .monaco-list-row').allInnerTexts()).map((row) => row.trim());
    assert.deepEqual(rows.map((row) => row.split('\n')[0]), ['Open SSH Config', 'Reveal Key File']);
    assert.ok(rows[0].includes(`SSH host ${ALIAS} in ${sshConfig}`), rows[0]);
    assert.match(rows[1], new RegExp(`${keyFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.* · SHA256:`), rows[1]);
    await quickInputSelect(page, 'Open SSH Config');
    await page.locator('.tabs-container .tab.active', { hasText: 'config' }).waitFor({ state: 'visible', timeout: 15_000 });
    await page.locator('.editor-instance .view-lines', { hasText: `Host ${ALIAS}` }).waitFor({ state: 'visible', timeout: 15_000 });
  });

  await ui.test('the emulator got one signed CreateKeyPair with a ClientToken, and the key is attached to web-1', () => {
    const creates = world.emulator.callsOf('CreateKeyPair');
    assert.equal(creates.length, 1);
    assert.equal(creates[0].signatureValid, true);
    assert.ok(creates[0].clientToken, 'CreateKeyPair without ClientToken');
    const created = world.emulator.keyPairs(REGION).find((keyPair) => keyPair.keyPairName === KEY_PAIR_NAME);
    assert.ok(created, `${KEY_PAIR_NAME} not in the emulator`);
    assert.deepEqual([...created.instanceIds], [web1.instanceId]);
    assert.equal(world.emulator.callsOf('RebootInstance').length, 0, 'restarted without asking');
  });

  await ui.test('on disk: the private key (0600) is the created key pair\'s, and ssh -G resolves the alias to web-1', () => {
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
    const created = world.emulator.keyPairs(REGION).find((keyPair) => keyPair.keyPairName === KEY_PAIR_NAME);
    const derived = execFileSync('ssh-keygen', ['-y', '-f', keyFile], { encoding: 'utf8' });
    const keyBody = (line) => line.trim().split(/\s+/).slice(0, 2).join(' ');
    assert.equal(keyBody(derived), keyBody(created.publicKey));

    const config = fs.readFileSync(sshConfig, 'utf8');
    assert.match(config, new RegExp(`^Host ${ALIAS}$`, 'm'));
    // plain ssh, as Remote-SSH runs it: HOME is the passwd home here (lib.mjs), so ~/.ssh/config is the sandbox's
    // stderr piped: ssh -G notes "Pseudo-terminal will not be allocated" without a terminal
    const resolved = execFileSync('ssh', ['-G', ALIAS], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const option = (name) => resolved.match(new RegExp(`^${name} (.*)$`, 'm'))?.[1];
    assert.equal(option('hostname'), web1.publicIpAddress);
    assert.equal(option('user'), 'root');
    // the key is under the home, so the entry names it ~/…, which ssh -G prints as written
    assert.equal(option('identityfile'), `~/.ssh/${KEY_PAIR_NAME}.pem`);
  });
} finally {
  await workbench.stop();
  await world.stop();
  ui.finish();
}
