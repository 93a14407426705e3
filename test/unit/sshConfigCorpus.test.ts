import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  applyManagedBlock,
  chooseAlias,
  defaultAlias,
  findManagedBlock,
  ManagedBlock,
  removeManagedBlock,
  SshConfigError,
} from '../../src/ssh/sshConfig';
import { sshG } from '../../src/ssh/sshVerify';
import { ensureOpenSsh } from './support/openssh';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/ssh-config');
const REGION = 'cn-hangzhou';
const KEY = 'corpus-key';
const IDENTITY_FILE = '~/.ssh/corpus key.pem';
const BROKEN: Record<string, string> = {
  'broken-begin-without-end.conf': 'MARKERS_UNBALANCED',
  'broken-end-without-begin.conf': 'MARKERS_UNBALANCED',
  'broken-nested.conf': 'MARKERS_UNBALANCED',
  'broken-duplicated.conf': 'MARKERS_DUPLICATED',
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
 * Concrete names on the user's `Host` lines, read independently of the module under test:
 * a plain line scan (OpenSSH matches host names case-insensitively).
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

/** OpenSSH rejects a BOM, so the ssh -G comparisons run on the text without it. */
function forOpenSsh(text: string): string {
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

describe('SSH config corpus', () => {
  let home: string;
  let configPath: string;
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, HOME: home });

  before(async () => {
    await ensureOpenSsh();
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'swas-corpus-'));
    await fs.cp(path.join(FIXTURES, 'ssh-dir'), path.join(home, '.ssh'), { recursive: true });
    configPath = path.join(home, '.ssh', 'config');
  });

  async function resolveAll(text: string, aliases: string[]): Promise<Map<string, Map<string, string[]>>> {
    await fs.writeFile(configPath, forOpenSsh(text));
    const resolved = new Map<string, Map<string, string[]>>();
    // A few at a time: dozens of parallel ssh runs on the long fixture can hit sshG's timeout on a busy machine.
    for (let start = 0; start < aliases.length; start += 8) {
      const batch = aliases.slice(start, start + 8);
      const results = await Promise.all(batch.map((alias) => sshG(alias, configPath, { env: env() })));
      batch.forEach((alias, index) => resolved.set(alias, results[index]));
    }
    return resolved;
  }

  test('has at least 25 configs', () => {
    assert.ok(fixtureNames.length >= 25, `only ${fixtureNames.length} fixtures`);
  });

  for (const name of fixtureNames) {
    const original = readFileSync(path.join(FIXTURES, name), 'utf8');
    const expectedCode = BROKEN[name];
    if (expectedCode) {
      test(`${name}: refused with ${expectedCode}`, () => {
        const block: ManagedBlock = { region: REGION, keyPairName: KEY, user: 'root', identityFile: IDENTITY_FILE, hosts: [{ alias: 'swas-corpus-key', hostName: '203.0.113.7' }] };
        assert.throws(() => applyManagedBlock(original, block), (error: unknown) =>
          error instanceof SshConfigError && error.code === expectedCode);
        assert.throws(() => removeManagedBlock(original, REGION, KEY), SshConfigError);
      });
      continue;
    }

    test(`${name}: block added, replaced and removed without touching anything else`, async () => {
      const alias = chooseAlias(original, defaultAlias(KEY), REGION, KEY);
      const block: ManagedBlock = {
        region: REGION,
        keyPairName: KEY,
        user: 'root',
        identityFile: IDENTITY_FILE,
        hosts: [{ alias, hostName: '203.0.113.7', instanceId: 'i-corpus', instanceName: 'corpus server' }],
      };
      const withoutOurs = stripOurBlock(original);
      const userAliases = sample(userHostNames(original));

      const applied = applyManagedBlock(original, block);
      assert.equal(stripOurBlock(applied), withoutOurs, 'bytes outside our block are unchanged');
      assert.equal(applied.startsWith('\uFEFF'), original.startsWith('\uFEFF'), 'BOM stays first');
      assert.deepEqual(findManagedBlock(applied, REGION, KEY), block);

      const before = await resolveAll(original, userAliases);
      const after = await resolveAll(applied, [...userAliases, alias]);
      for (const userAlias of userAliases) {
        assert.deepEqual(after.get(userAlias), before.get(userAlias), `ssh -G ${userAlias} is unchanged`);
      }
      const ours = after.get(alias);
      assert.deepEqual(ours?.get('hostname'), ['203.0.113.7']);
      assert.deepEqual(ours?.get('user'), ['root']);
      assert.ok(ours?.get('identityfile')?.some((file) => file.replace(/^~/, home) === path.join(home, '.ssh', 'corpus key.pem')),
        `identityfile ${ours?.get('identityfile')?.join(', ')}`);

      const moved: ManagedBlock = { ...block, hosts: [{ ...block.hosts[0], hostName: '203.0.113.8' }] };
      const replaced = applyManagedBlock(applied, moved);
      assert.equal(stripOurBlock(replaced), withoutOurs, 'replacing keeps everything else');
      assert.equal(replaced.indexOf('# --- BEGIN SWAS KEY PAIR cn-hangzhou/corpus-key'), applied.indexOf('# --- BEGIN SWAS KEY PAIR cn-hangzhou/corpus-key'), 'replaced in place');
      assert.equal(findManagedBlock(replaced, REGION, KEY)?.hosts[0].hostName, '203.0.113.8');
      const afterMove = await resolveAll(replaced, [alias]);
      assert.deepEqual(afterMove.get(alias)?.get('hostname'), ['203.0.113.8']);

      assert.equal(removeManagedBlock(replaced, REGION, KEY), withoutOurs, 'remove round-trips');
      assert.equal(removeManagedBlock(applied, REGION, KEY), withoutOurs);
    });
  }
});
