import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  applyManagedBlock,
  chooseAlias,
  defaultAlias,
  ManagedBlock,
  removeManagedBlock,
  repairSshConfig,
  SshConfigError,
  SshConfigRepair,
  updateSshConfig,
} from '../../../src/ssh/sshConfig';
import { sshG } from '../../../src/ssh/sshVerify';
import { ensureOpenSsh } from '../../support/openssh';

/*
 * Every config in test/fixtures/ssh-config goes through the real file transaction (add, replace,
 * remove) in a scratch HOME, and OpenSSH (`ssh -G`) is the judge. The fixtures are written for
 * this suite, modelled on patterns common in published dotfiles: global IdentityFile/User/Port
 * lines, Include-only files, macOS options, `Host *` first and last, Match variants, non-ASCII
 * aliases, Windows paths, `=` syntax, CRLF, no final newline, dozens of hosts.
 */

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/ssh-config');
const REGION = 'cn-hangzhou';
const KEY = 'corpus-key';
const IDENTITY_FILE = '~/.ssh/corpus key.pem';
const BROKEN_MARKERS: Record<string, string> = {
  'broken-begin-without-end.conf': 'MARKERS_UNBALANCED',
  'broken-end-without-begin.conf': 'MARKERS_UNBALANCED',
  'broken-nested.conf': 'MARKERS_UNBALANCED',
  'broken-duplicated.conf': 'MARKERS_DUPLICATED',
};
/** Files OpenSSH itself rejects: refused untouched, with the fix named; after the repair the entry goes in. */
const REFUSED: Record<string, { code: string; fix: RegExp; repair: SshConfigRepair }> = {
  'bom.conf': { code: 'BOM', fix: /byte order mark/, repair: { kind: 'removeBom' } },
  'bom-crlf-globals.conf': { code: 'BOM', fix: /byte order mark/, repair: { kind: 'removeBom' } },
  'macos-usekeychain.conf': { code: 'CONFIG_INVALID', fix: /line 4: Bad configuration option: usekeychain.*IgnoreUnknown UseKeychain/, repair: { kind: 'ignoreUnknown', options: ['UseKeychain'] } },
  'macos-usekeychain-match-exec.conf': { code: 'CONFIG_INVALID', fix: /line 7: Bad configuration option: usekeychain.*IgnoreUnknown UseKeychain/, repair: { kind: 'ignoreUnknown', options: ['UseKeychain'] } },
  'macos-usekeychain-crlf-no-final-newline.conf': { code: 'CONFIG_INVALID', fix: /line 2: .*line 7: .*IgnoreUnknown UseKeychain/, repair: { kind: 'ignoreUnknown', options: ['UseKeychain'] } },
};
/** Enough aliases of the long fixture to cover its start and end without 3000 ssh runs. */
const MAX_ALIASES_CHECKED = 40;

const fixtureNames = readdirSync(FIXTURES).filter((name) => name.endsWith('.conf')).sort();

/**
 * Written independently of the module under test: cut our marker lines and
 * everything between, plus the separating blank line, by plain line arithmetic.
 */
function stripOurBlock(text: string): string {
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const lines = text.slice(bom.length).split(/(?<=\n)/);
  const begin = lines.findIndex((line) => line.startsWith(`# --- BEGIN SWAS KEY PAIR ${REGION}/${KEY} `));
  const end = lines.findIndex((line) => line.replace(/\r?\n$/, '') === `# --- END SWAS KEY PAIR ${REGION}/${KEY} ---`);
  if (begin === -1) {
    return text;
  }
  assert.ok(end > begin, 'our END marker follows our BEGIN marker');
  const endHasNewline = lines[end].endsWith('\n');
  let removeUntil = end + 1;
  if (endHasNewline && (lines[removeUntil] === '\n' || lines[removeUntil] === '\r\n')) {
    removeUntil++;
  }
  const kept = [...lines.slice(0, begin), ...lines.slice(removeUntil)];
  if (!endHasNewline && begin > 0) {
    kept[begin - 1] = kept[begin - 1].replace(/\r?\n$/, '');
  }
  return bom + kept.join('');
}

/**
 * Concrete names on the `Host` lines outside our block, read independently of the module under
 * test: a plain line scan (OpenSSH matches host names case-insensitively).
 */
function userHostNames(text: string): string[] {
  const names = new Set<string>();
  for (const line of stripOurBlock(text).replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const host = /^\s*host(?:\s*=\s*|\s+)(.*)$/i.exec(line);
    for (const name of host?.[1].replace(/#.*/, '').split(/\s+/) ?? []) {
      const unquoted = name.replace(/^"(.*)"$/, '$1');
      if (unquoted && !/[*?!"]/.test(unquoted)) {
        names.add(unquoted.toLowerCase());
      }
    }
  }
  return [...names];
}

function sample<T>(items: T[]): T[] {
  if (items.length <= MAX_ALIASES_CHECKED) {
    return items;
  }
  const half = MAX_ALIASES_CHECKED / 2;
  return [...items.slice(0, half), ...items.slice(-half)];
}

/** Every file under `folder` with its bytes, to prove a refusal wrote nothing anywhere. */
async function snapshot(folder: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await fs.readdir(folder, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const file = path.join(entry.parentPath, entry.name);
      files.set(path.relative(folder, file), (await fs.readFile(file)).toString('base64'));
    }
  }
  return files;
}

describe('SSH config corpus, judged by OpenSSH', () => {
  let home: string;
  let sshDir: string;
  let configPath: string;
  let savedHome: string | undefined;

  before(async () => {
    await ensureOpenSsh();
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'swas-corpus-'));
    sshDir = path.join(home, '.ssh');
    configPath = path.join(sshDir, 'config');
    // updateSshConfig's own ssh -G resolves ~ and relative Includes against HOME.
    savedHome = process.env.HOME;
    process.env.HOME = home;
  });
  after(() => {
    process.env.HOME = savedHome;
  });

  async function freshHome(text: string): Promise<void> {
    await fs.rm(sshDir, { recursive: true, force: true });
    await fs.cp(path.join(FIXTURES, 'ssh-dir'), sshDir, { recursive: true });
    await fs.writeFile(configPath, text, { mode: 0o600 });
  }

  async function resolveAll(aliases: string[]): Promise<Map<string, Map<string, string[]>>> {
    const resolved = new Map<string, Map<string, string[]>>();
    // A few at a time: dozens of parallel ssh runs on the long fixture can hit sshG's timeout on a busy machine.
    for (let start = 0; start < aliases.length; start += 8) {
      const batch = aliases.slice(start, start + 8);
      const results = await Promise.all(batch.map((alias) => sshG(alias, configPath, { env: { ...process.env, HOME: home } })));
      batch.forEach((alias, index) => resolved.set(alias, results[index]));
    }
    return resolved;
  }

  const isOurKey = (file: string | undefined): boolean =>
    file !== undefined && file.replace(/^~/, home) === path.join(home, '.ssh', 'corpus key.pem');

  test('has at least 40 configs', () => {
    assert.ok(fixtureNames.length >= 40, `only ${fixtureNames.length} fixtures`);
  });

  for (const name of fixtureNames) {
    const fixture = readFileSync(path.join(FIXTURES, name), 'utf8');
    const markersCode = BROKEN_MARKERS[name];
    const block = (alias: string, hostName: string): ManagedBlock => ({
      region: REGION,
      keyPairName: KEY,
      user: 'root',
      identityFile: IDENTITY_FILE,
      hosts: [{ alias, hostName, instanceId: 'i-corpus', instanceName: 'corpus server' }],
    });
    const options = { region: REGION, keyPairName: KEY };

    if (markersCode) {
      test(`${name}: refused with ${markersCode}, every file untouched`, async () => {
        await freshHome(fixture);
        const before = await snapshot(home);
        await assert.rejects(updateSshConfig(configPath, () => block('swas-corpus-key', '203.0.113.7'), options),
          (error: unknown) => error instanceof SshConfigError && error.code === markersCode);
        assert.deepEqual(await snapshot(home), before);
        assert.throws(() => applyManagedBlock(fixture, block('swas-corpus-key', '203.0.113.7')), SshConfigError);
        assert.throws(() => removeManagedBlock(fixture, REGION, KEY), SshConfigError);
      });
      continue;
    }

    const refused = REFUSED[name];
    test(`${name}: ${refused ? 'refused untouched with the fix named; after the fix, ' : ''}added, replaced and removed without touching anything else`, async () => {
      await freshHome(fixture);
      const alias = chooseAlias(fixture, defaultAlias(KEY, { region: REGION, publicKey: 'ssh-ed25519 AAAA' }), REGION, KEY);
      if (refused) {
        const before = await snapshot(home);
        await assert.rejects(updateSshConfig(configPath, () => block(alias, '203.0.113.7'), options), (error: unknown) => {
          assert.ok(error instanceof SshConfigError);
          assert.equal(error.code, refused.code, error.message);
          assert.match(error.message, refused.fix);
          assert.match(error.message, /Nothing was changed/);
          return true;
        });
        assert.deepEqual(await snapshot(home), before, 'a refusal writes nothing, backup included');
        await repairSshConfig(configPath, refused.repair);
      }
      const baseline = await fs.readFile(configPath, 'utf8');
      // A fixture may hold an old block of ours: the user's bytes are everything else.
      const userBytes = stripOurBlock(baseline);
      const userAliases = sample(userHostNames(baseline));
      const resolvedBefore = await resolveAll(userAliases);

      const added = await updateSshConfig(configPath, () => block(alias, '203.0.113.7'), options);
      assert.equal(added.verified, 'ok');
      const applied = await fs.readFile(configPath, 'utf8');
      assert.equal(stripOurBlock(applied), userBytes, 'bytes outside our block are unchanged');
      assert.equal(await fs.readFile(`${configPath}.swas-backup`, 'utf8'), baseline, 'backup holds the previous file');
      assert.equal((await fs.stat(configPath)).mode & 0o777, 0o600);
      const resolvedAfter = await resolveAll([...userAliases, alias]);
      for (const userAlias of userAliases) {
        assert.deepEqual(resolvedAfter.get(userAlias), resolvedBefore.get(userAlias), `ssh -G ${userAlias} is unchanged`);
      }
      const ours = resolvedAfter.get(alias);
      assert.deepEqual(ours?.get('hostname'), ['203.0.113.7']);
      assert.deepEqual(ours?.get('user'), ['root']);
      assert.ok(isOurKey(ours?.get('identityfile')?.[0]), `our key is offered first: ${ours?.get('identityfile')?.join(', ')}`);

      await updateSshConfig(configPath, () => block(alias, '203.0.113.8'), options);
      const replaced = await fs.readFile(configPath, 'utf8');
      assert.equal(stripOurBlock(replaced), userBytes, 'replacing keeps everything else');
      assert.equal(replaced.indexOf(`# --- BEGIN SWAS KEY PAIR ${REGION}/${KEY}`), applied.indexOf(`# --- BEGIN SWAS KEY PAIR ${REGION}/${KEY}`), 'replaced in place');
      const moved = (await resolveAll([alias])).get(alias);
      assert.deepEqual(moved?.get('hostname'), ['203.0.113.8']);
      assert.ok(isOurKey(moved?.get('identityfile')?.[0]));

      await updateSshConfig(configPath, () => undefined, options);
      assert.equal(await fs.readFile(configPath, 'utf8'), userBytes, 'removal restores the file byte for byte');
    });
  }
});
