// UI test: Rotate Key Pair and Connect in the real workbench. A real sshd plays web-1 (127.0.0.2), trusting
// what the emulator writes for it at each restart. "team-key" (a key made here with ssh-keygen) is on web-1;
// the user rotates it from the palette, answers the modal and the first-connection host key question, and
// the new key logs in before the old pair is offered for deletion. Then Connect in code-server, where no
// remote-SSH extension is installed, offers the Open VSX one. Saves the README screenshots `rotate` and
// `connect`. Prints the UI-RESULT line.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { HOST_DIR, REPO_ROOT } from '../host/code-server.mjs';
import {
  createUiRunner, palette, quickPickFilterAndAccept, screenshot, startDemoEmulator, startWorkbench, waitForDialog,
  waitForNotification, waitForQuickInput, waitUntil,
} from './lib.mjs';

const REGION = 'cn-hangzhou';
const OLD = 'team-key';
const NEW = 'team-key-next';
const TREE_ROW = '.part.sidebar .monaco-list-row';
// the test sshd is TypeScript compiled by `tsc -p .`, as the emulator is
const { LocalSshd } = createRequire(import.meta.url)(path.join(REPO_ROOT, 'out/test/integration/sshd.js'));

fs.mkdirSync(path.join(HOST_DIR, 'tmp'), { recursive: true });
const sandbox = fs.mkdtempSync(path.join(HOST_DIR, 'tmp', 'ui-rotate-'));
const home = path.join(sandbox, 'First Last');
const sshDir = path.join(home, '.ssh');
const sshConfig = path.join(sshDir, 'config');
const knownHosts = path.join(sshDir, 'known_hosts');
fs.mkdirSync(sshDir, { recursive: true, mode: 0o700 });
const serverRootsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'swas-ui-servers-'));
const world = await startDemoEmulator({ serverRootsDir });
const web1 = world.demo.DEMO_SERVERS.web1;
const authorizedKeys = path.join(serverRootsDir, 'web-1', 'home', '.ssh', 'authorized_keys');

let sshd;
let workbench;
try {
  const ownKey = path.join(sandbox, 'team-key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', OLD, '-f', ownKey]);
  await world.emulator.addKeyPair(REGION, { keyPairName: OLD, publicKey: fs.readFileSync(`${ownKey}.pub`, 'utf8').trim(), instanceIds: [web1.instanceId] });
  // The restart path, with its first-connection question; Rotate without a restart is driven in rotate.test.ts.
  world.emulator.setAgentRunning(web1.instanceId, false);
  sshd = await LocalSshd.start(web1.publicIpAddress, authorizedKeys);
  if (sshd.port !== 22) fs.appendFileSync(sshConfig, `Match host ${web1.publicIpAddress}\n  Port ${sshd.port}\n`, { mode: 0o600 });
  workbench = await startWorkbench({
    home,
    env: world.credentials,
    settings: { 'swas.endpoint': world.url, 'swas.defaultRegion': REGION, 'swas.defaultUser': LocalSshd.loginUser() },
  });
} catch (error) {
  await sshd?.stop();
  await world.stop();
  throw error;
}
const { page } = workbench;
const ui = createUiRunner({ page });
const treeRow = (text) => page.locator(TREE_ROW, { hasText: text }).first();

/** Opens the SWAS view with cn-hangzhou and its groups expanded, as a user would. */
async function openSwasView() {
  // the activity bar icon toggles the side bar: click it only while the view is not shown
  if (!(await treeRow(REGION).isVisible())) await page.locator('.activitybar .action-label[aria-label="SWAS"]').click({ timeout: 30_000 });
  for (const label of [REGION, 'Key Pairs', 'Servers']) {
    const row = treeRow(label);
    await row.waitFor({ state: 'visible', timeout: 60_000 });
    if (await row.getAttribute('aria-expanded') === 'false') await row.click();
  }
}

/** Lets toasts finish sliding in, so a screenshot does not catch two on top of each other. */
async function settle(toast) {
  await page.mouse.move(900, 600);
  let last;
  for (let i = 0; i < 20; i++) {
    const box = JSON.stringify(await toast.boundingBox());
    if (box === last) return;
    last = box;
    await page.waitForTimeout(150);
  }
}

/** `ssh <alias> id -un` as Remote-SSH runs ssh (the user's own config and known_hosts), batch mode, no agent. */
function login(alias) {
  const env = { ...process.env, HOME: home };
  delete env.SSH_AUTH_SOCK;
  return execFileSync('ssh', ['-o', 'BatchMode=yes', alias, 'id', '-un'], { env, timeout: 20_000, encoding: 'utf8' }).trim();
}

try {
  await ui.test('Rotate Key Pair… asks for the new name and in one modal for the restart, then logs in with the new key before anything old goes', async () => {
    await openSwasView();
    await treeRow(OLD).waitFor({ state: 'visible', timeout: 30_000 });
    await palette(page, 'SWAS: Rotate Key Pair…');
    await waitForQuickInput(page, `Key pair in ${REGION}`);
    await quickPickFilterAndAccept(page, OLD);
    const name = await waitForQuickInput(page, 'characters: a letter or Chinese character first');
    await page.locator('.quick-input-widget', { hasText: `replaces "${OLD}" on web-1` }).waitFor({ timeout: 30_000 });
    assert.match(await name.inputValue(), new RegExp(`^${OLD}-\\d{8}$`), 'a dated name is suggested');
    await name.fill(NEW);
    await name.press('Enter');
    const modal = await waitForDialog(page, `Replace "${OLD}" with a new key pair "${NEW}" on web-1?`);
    assert.match(await modal.innerText(), /restarts them/);
    assert.equal(world.emulator.callsOf('CreateKeyPair').length, 0, 'nothing created before the answer');
    await modal.getByRole('button', { name: 'Rotate and Restart' }).click();
    const trust = await waitForDialog(page, 'First connection to web-1', 90_000);
    assert.ok((await trust.innerText()).includes(await sshd.fingerprint()), 'the real host key fingerprint is shown');
    await trust.getByRole('button', { name: 'Trust and Continue' }).click();
    const done = await waitForNotification(page, `Rotated "${OLD}" to "${NEW}".`, 60_000);
    assert.match(await done.innerText(), /web-1: logs in with "team-key-next"/);
    await settle(done);
    await screenshot(page, 'rotate');
    assert.equal(world.emulator.instances(REGION).find((i) => i.instanceId === web1.instanceId).keyPairName, NEW);
    const listed = world.emulator.keyPairs(REGION).find((k) => k.keyPairName === NEW);
    assert.equal(fs.readFileSync(authorizedKeys, 'utf8').trim().split(' ')[1], listed.publicKey.split(' ')[1], 'the restart put the new key on web-1');
    assert.ok(world.emulator.keyPairs(REGION).some((k) => k.keyPairName === OLD), 'the old pair stays until the user deletes it');
    // at once: an information toast hides itself after a while, and a slow login below could outlast it
    await done.getByRole('button', { name: `Delete "${OLD}"…` }).click();
    const confirm = await waitForDialog(page, `Delete key pair "${OLD}" in ${REGION}?`);
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    await waitUntil(() => !world.emulator.keyPairs(REGION).some((k) => k.keyPairName === OLD), `${OLD} deleted`);
    // the sidebar reloaded after each step: on a fast machine the rotation spends the minute's ListKeyPairs budget,
    // and the reload after the delete waits for it (up to a minute; "waiting N s for Alibaba Cloud's rate limit")
    await treeRow(NEW).waitFor({ state: 'visible', timeout: 90_000 });
    assert.equal(login(`swas-${NEW}`), LocalSshd.loginUser());
  });

  await ui.test('Connect to Server with Remote-SSH in code-server, with no remote-SSH extension: the Open VSX one is offered', async () => {
    await palette(page, 'Notifications: Clear All Notifications');
    await openSwasView();
    const row = treeRow('web-1');
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    await row.hover();
    await row.locator('.actions .action-label[aria-label="Connect to Server with Remote-SSH"]').click({ timeout: 10_000 });
    const offer = await waitForNotification(page, 'Connecting needs a Remote - SSH extension. Install Open Remote - SSH now?');
    assert.ok(await offer.getByRole('button', { name: 'Install Remote-SSH' }).isVisible());
    await page.locator('.notifications-toasts .notification-toast', { hasText: 'Checking the key pair of web-1' }).waitFor({ state: 'hidden', timeout: 15_000 });
    // Connect wrote web-1's entry, so the region reloaded with Servers collapsed again
    await openSwasView();
    await treeRow('web-1').waitFor({ state: 'visible', timeout: 30_000 });
    await settle(offer);
    await screenshot(page, 'connect');
  });
} finally {
  await workbench.stop();
  await sshd?.stop();
  await world.stop();
  fs.rmSync(serverRootsDir, { recursive: true, force: true });
  if (!process.env.KEEP_TMP) fs.rmSync(sandbox, { recursive: true, force: true });
  ui.finish();
}
