// UI test: VS Code's display language set to zh-cn (argv.json `locale`, as Configure Display Language
// does). The extension's command title, prompts and validation messages must show the translations in
// package.nls.zh-cn.json and l10n/bundle.l10n.zh-cn.json (read here, so the test checks whatever the
// translation says), and ListRegions must be asked for Chinese region names. Saves the screenshot
// `zh-cn-region`. Prints the UI-RESULT line.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../host/code-server.mjs';
import {
  createUiRunner, palette, quickInputMessage, screenshot, startDemoEmulator, startWorkbench, waitForQuickInput, waitForQuickInputClosed,
} from './lib.mjs';

const REGION = 'cn-hangzhou';
const REGION_PLACEHOLDER = 'Region for the key pair (type to filter, e.g. cn-hangzhou)';
const NAME_PLACEHOLDER = '2–{0} characters: a letter or Chinese character first, then letters, digits, ":", "_" or "-"';
const BAD_FIRST_CHARACTER = 'The name must start with a letter or a Chinese character, not "{0}".';
const HAN = /\p{Script=Han}/u;

/** A translation file as key → text; throws when it is missing or has no Chinese for `key`. */
function translation(file, key) {
  const full = path.join(REPO_ROOT, file);
  assert.ok(fs.existsSync(full), `${file} does not exist: the zh-cn translation is missing`);
  const entry = JSON.parse(fs.readFileSync(full, 'utf8'))[key];
  // bundle entries are either the text or { message, comment }
  const text = typeof entry === 'string' ? entry : entry?.message;
  assert.ok(typeof text === 'string' && HAN.test(text), `${file} has no Chinese text for "${key}" (got ${JSON.stringify(entry)})`);
  return text;
}

const world = await startDemoEmulator();
let workbench;
try {
  workbench = await startWorkbench({ env: world.credentials, settings: { 'swas.endpoint': world.url }, locale: 'zh-cn' });
} catch (error) {
  await world.stop();
  throw error;
}
const { page } = workbench;
const ui = createUiRunner({ page });

try {
  await ui.test('the command palette shows Create Key Pair under its zh-cn title', async () => {
    const title = `SWAS: ${translation('package.nls.zh-cn.json', 'command.createKeyPair')}`;
    // palette() waits for the extension's contributions and fails unless a row shows the title
    await palette(page, title);
    // the command runs: let its first step open before Escape, or the step opens after it and stays
    await waitForQuickInput(page, translation('l10n/bundle.l10n.zh-cn.json', REGION_PLACEHOLDER));
    await page.keyboard.press('Escape');
    await waitForQuickInputClosed(page);
  });

  await ui.test('the region pick has the zh-cn placeholder and Chinese region names (AcceptLanguage zh-CN)', async () => {
    // the English title stays searchable in other display languages (VS Code keeps it as an alias)
    await palette(page, 'SWAS: Create Key Pair');
    const placeholder = translation('l10n/bundle.l10n.zh-cn.json', REGION_PLACEHOLDER);
    const input = await waitForQuickInput(page, placeholder);
    await input.pressSequentially(REGION);
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: REGION }).first();
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    const listRegions = world.emulator.callsOf('ListRegions');
    assert.ok(listRegions.length >= 1, 'ListRegions was not called');
    assert.equal(listRegions.at(-1).query.AcceptLanguage, 'zh-CN');
    assert.match(await row.innerText(), HAN, 'region name not in Chinese');
    await screenshot(page, 'zh-cn-region');
    await input.press('Enter');
  });

  await ui.test('the name input box validates in zh-cn as the user types', async () => {
    const expected = translation('l10n/bundle.l10n.zh-cn.json', BAD_FIRST_CHARACTER).replace('{0}', '1');
    const placeholder = translation('l10n/bundle.l10n.zh-cn.json', NAME_PLACEHOLDER).replace('{0}', '64');
    const input = await waitForQuickInput(page, placeholder);
    await input.pressSequentially('1abc');
    await quickInputMessage(page).filter({ hasText: expected }).waitFor({ state: 'visible', timeout: 10_000 });
    await page.keyboard.press('Escape');
  });
} finally {
  await workbench.stop();
  await world.stop();
  ui.finish();
}
