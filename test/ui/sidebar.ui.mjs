// UI test: the SWAS activity-bar view against the demo emulator. A user opens it, sees cn-hangzhou's key
// pairs and servers, runs Create Key Pair from the region's inline button and sees the new key pair in
// the tree. Saves the README screenshot `sidebar`. Prints the UI-RESULT line.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  createUiRunner, quickInputSelect, screenshot, startDemoEmulator, startWorkbench, waitForNotification, waitUntil,
  waitForQuickInput,
} from './lib.mjs';

const REGION = 'cn-hangzhou';
const KEY_PAIR_NAME = 'sidebar-key';
const TREE_ROW = '.part.sidebar .monaco-list-row';

const world = await startDemoEmulator();
const { DEMO_EXISTING_KEY_PAIR } = world.demo;
let workbench;
try {
  workbench = await startWorkbench({
    env: world.credentials,
    settings: { 'swas.endpoint': world.url, 'swas.defaultRegion': REGION },
  });
} catch (error) {
  await world.stop();
  throw error;
}
const { page, home } = workbench;
const ui = createUiRunner({ page });
const treeRow = (text) => page.locator(TREE_ROW, { hasText: text }).first();

try {
  await ui.test('the SWAS view lists cn-hangzhou with its key pairs and servers', async () => {
    await page.locator('.activitybar .action-label[aria-label="SWAS"]').click({ timeout: 30_000 });
    const region = treeRow(REGION);
    await region.waitFor({ state: 'visible', timeout: 60_000 });
    if (await region.getAttribute('aria-expanded') === 'false') await region.click();
    // the region's key pairs load first and redraw its rows: a click before that may land on a row being replaced
    await treeRow(DEMO_EXISTING_KEY_PAIR).waitFor({ state: 'visible', timeout: 30_000 });
    // Servers start collapsed (they load when opened): open the group as a user would.
    const servers = treeRow('Servers');
    await servers.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await servers.getAttribute('aria-expanded'), 'false', 'the Servers group starts collapsed');
    // a click while the tree redraws the row (its count arriving) only selects it: click again, as a user would
    await waitUntil(async () => {
      if (await servers.getAttribute('aria-expanded') === 'true') return true;
      await servers.click();
      await page.waitForTimeout(1_000);
      return await servers.getAttribute('aria-expanded') === 'true';
    }, 'the Servers group opens on a click', 30_000);
    for (const label of ['Key Pairs', DEMO_EXISTING_KEY_PAIR, 'web-1', 'db-1', 'win-1']) {
      await treeRow(label).waitFor({ state: 'visible', timeout: 30_000 });
    }
    const existing = await treeRow(DEMO_EXISTING_KEY_PAIR).innerText();
    assert.match(existing, /1 server/, `existing-key row: "${existing}"`);
    assert.match(await treeRow('web-1').innerText(), /127\.0\.0\.2/);
    assert.match(await treeRow('win-1').innerText(), /Windows/);
    // away from the tree, so no hover covers it in the screenshot (which widens the side bar itself)
    await page.mouse.move(900, 600);
    await page.locator('.workbench-hover').waitFor({ state: 'detached', timeout: 10_000 });
    await screenshot(page, 'sidebar');
  });

  await ui.test('Create Key Pair from the region\'s inline button asks only for the name and the server', async () => {
    const region = treeRow(REGION);
    await region.hover();
    await region.locator('.actions .action-label[aria-label="Create Key Pair"]').click({ timeout: 10_000 });
    // the region is preselected: the first question is the name (step 1 of 2)
    const input = await waitForQuickInput(page, 'characters: a letter or Chinese character first');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: '(1/2)' }).waitFor({ timeout: 5_000 });
    assert.equal(world.emulator.callsOf('ListKeyPairs').some((call) => call.regionId === REGION), true);
    await input.pressSequentially(KEY_PAIR_NAME);
    await input.press('Enter');
    await waitForQuickInput(page, 'Server that will use the key pair');
    await quickInputSelect(page, 'db-1');
    await waitForNotification(page, `Key pair "${KEY_PAIR_NAME}" is `, 60_000);
    const created = world.emulator.keyPairs(REGION).find((keyPair) => keyPair.keyPairName === KEY_PAIR_NAME);
    assert.deepEqual([...(created?.instanceIds ?? [])], [world.demo.DEMO_SERVERS.db1.instanceId]);
    assert.ok(fs.existsSync(path.join(home, '.ssh', `${KEY_PAIR_NAME}.pem`)), 'private key not saved');
  });

  await ui.test('the new key pair appears in the tree, attached to one server, its key on this machine', async () => {
    const row = treeRow(KEY_PAIR_NAME);
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    const text = await row.innerText();
    assert.match(text, /1 server/, `new key pair row: "${text}"`);
    assert.match(text, /private key on this machine/, `new key pair row: "${text}"`);
  });
} finally {
  await workbench.stop();
  await world.stop();
  ui.finish();
}
