import { describe, test } from 'node:test';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import {
  applyManagedBlock,
  chooseAlias,
  findManagedBlock,
  locateDirective,
  originalLineOf,
  removeManagedBlock,
  sshConfigValue,
  withIgnoreUnknown,
} from '../../../src/ssh/sshConfigText';
import { BLOCK } from '../../support/managedBlock';
import { ensureOpenSsh } from '../../support/openssh';

const BEGIN = '# --- BEGIN SWAS KEY PAIR cn-hangzhou/my-key (managed by the SWAS Key Pairs extension; edits inside are replaced) ---';
const END = '# --- END SWAS KEY PAIR cn-hangzhou/my-key ---';
/** The block applyManagedBlock writes for BLOCK, without a line ending after END. */
const RENDERED = [
  BEGIN,
  'Host swas-my-key',
  '  HostName 47.1.2.3',
  '  User root',
  '  IdentityFile ~/.ssh/my-key.pem',
  '  IdentitiesOnly yes',
  '# Match all ends the Host section above: what follows applies to every host, as before.',
  'Match all',
  END,
].join('\n');

/** Another key pair's block, as applyManagedBlock writes it. */
const OTHER = RENDERED.replaceAll('cn-hangzhou/my-key', 'cn-hangzhou/other');

describe('reading a managed block', () => {
  test('instance comments are read without trailing blanks; the first User and IdentityFile win, as in OpenSSH', () => {
    const text = [
      BEGIN,
      'Host swas-my-key',
      '  # SWAS instance ID: i-abc   ',
      '  # SWAS instance name: web 1 \t',
      '  HostName 1.2.3.4',
      '  IdentityFile ~/.ssh/a.pem',
      '  IdentityFile ~/.ssh/b.pem',
      END,
      '',
    ].join('\n');
    assert.deepEqual(findManagedBlock(text, 'cn-hangzhou', 'my-key'), {
      region: 'cn-hangzhou',
      keyPairName: 'my-key',
      user: '',
      identityFile: '~/.ssh/a.pem',
      hosts: [{ alias: 'swas-my-key', instanceId: 'i-abc', instanceName: 'web 1', hostName: '1.2.3.4' }],
    });
  });
});

describe('rendering refuses what it cannot write', () => {
  test('an empty alias or one starting with "!" (a negated pattern) is not a plain name', () => {
    for (const alias of ['', '!swas-my-key']) {
      assert.throws(() => applyManagedBlock('', { ...BLOCK, hosts: [{ alias }] }),
        { name: 'TypeError', message: `Host alias ${JSON.stringify(alias)} is not a plain name.` });
    }
  });

  test('a region with a blank, or an empty one, cannot go into a block marker', () => {
    assert.throws(() => applyManagedBlock('', { ...BLOCK, region: 'cn hangzhou' }),
      { name: 'TypeError', message: 'Region/key pair "cn hangzhou/my-key" cannot be used in a block marker.' });
    assert.throws(() => applyManagedBlock('', { ...BLOCK, region: '' }),
      { name: 'TypeError', message: 'Region/key pair "/my-key" cannot be used in a block marker.' });
  });

  test('the error names the keyword whose value cannot be written', () => {
    assert.throws(() => applyManagedBlock('', { ...BLOCK, hosts: [{ alias: 'a', hostName: 'h"x' }] }),
      { name: 'SshConfigError', code: 'VALUE_UNWRITABLE', message: 'HostName value "h\\"x" cannot be written to an SSH config.' });
    assert.throws(() => applyManagedBlock('', { ...BLOCK, user: 'a\nb' }),
      { name: 'SshConfigError', unwritable: { keyword: 'User', value: 'a\nb' }, message: 'User value "a\\nb" cannot be written to an SSH config.' });
    assert.throws(() => applyManagedBlock('', { ...BLOCK, identityFile: '' }),
      { name: 'SshConfigError', message: 'IdentityFile value "" cannot be written to an SSH config.' });
  });

  test('an instance name over several lines is written on one line, words kept apart', () => {
    const text = applyManagedBlock('', { ...BLOCK, hosts: [{ alias: 'swas-my-key', hostName: '47.1.2.3', instanceName: 'web\n1' }] });
    assert.equal(text.split('\n')[2], '  # SWAS instance name: web 1');
  });
});

describe('replacing and removing a block', () => {
  test('a block at the end of a file without a final newline is replaced up to its last character', () => {
    const updated = applyManagedBlock(RENDERED, { ...BLOCK, hosts: [{ alias: 'swas-my-key', hostName: '9.9.9.9' }] });
    assert.equal(updated, RENDERED.replace('47.1.2.3', '9.9.9.9'));
  });

  test('in a CRLF file the block is replaced up to its END line, whose CRLF and the lines after it stay', () => {
    const crlf = RENDERED.replaceAll('\n', '\r\n');
    const updated = applyManagedBlock(`${crlf}\r\nHost a\r\n`, { ...BLOCK, hosts: [{ alias: 'swas-my-key', hostName: '9.9.9.9' }] });
    assert.equal(updated, `${crlf.replace('47.1.2.3', '9.9.9.9')}\r\nHost a\r\n`);
  });

  test('removing a block followed directly by the user\'s lines keeps those lines', () => {
    assert.equal(removeManagedBlock(`${RENDERED}\nHost a\n  User x\n`, 'cn-hangzhou', 'my-key'), 'Host a\n  User x\n');
  });

  test('removing the last block of a file without a final newline also removes the line break before it', () => {
    assert.equal(removeManagedBlock(`Host a\n${RENDERED}`, 'cn-hangzhou', 'my-key'), 'Host a');
    assert.equal(removeManagedBlock(`\nHost a\n${RENDERED}`, 'cn-hangzhou', 'my-key'), '\nHost a');
  });

  test('removing a key pair that has no block, or another key pair\'s block, leaves the rest alone', () => {
    const text = `${RENDERED}\n\n${OTHER}\n`;
    assert.equal(removeManagedBlock(text, 'cn-hangzhou', 'missing'), text);
    assert.equal(removeManagedBlock(text, 'cn-beijing', 'my-key'), text);
    assert.equal(removeManagedBlock(text, 'cn-hangzhou', 'other'), `${RENDERED}\n\n`);
  });

  test('the blank line after a removed block goes with it, even when it holds spaces', () => {
    assert.equal(removeManagedBlock(`${RENDERED}\n  \t\nHost a\n`, 'cn-hangzhou', 'my-key'), 'Host a\n');
  });

  test('removing a block between two lines of a file without a final newline keeps them on their own lines', () => {
    assert.equal(removeManagedBlock(`Host b\n${RENDERED}\nHost a`, 'cn-hangzhou', 'my-key'), 'Host b\nHost a');
  });

  test('a new key pair\'s block goes above another key pair\'s block of the same region, which stays', () => {
    assert.equal(applyManagedBlock(`${OTHER}\n`, BLOCK), `${RENDERED}\n\n${OTHER}\n`);
  });

  test('our block below the user\'s lines that follow another block moves to the top', () => {
    assert.equal(applyManagedBlock(`${OTHER}\n\nHost a\n  User x\n\n${RENDERED}\n`, BLOCK), `${RENDERED}\n\n${OTHER}\n\nHost a\n  User x\n\n`);
  });
});

describe('aliases', () => {
  test('an alias the user\'s own Host uses is taken even when the key pair has no block yet', () => {
    assert.equal(chooseAlias('Host swas-my-key\n  User x\n', 'swas-my-key', 'cn-hangzhou', 'my-key'), 'swas-my-key-2');
  });

  test('a user\'s Host after the key pair\'s own block still takes the alias', () => {
    assert.equal(chooseAlias(`${RENDERED}\n\nHost swas-my-key\n  User x\n`, 'swas-my-key', 'cn-hangzhou', 'my-key'), 'swas-my-key-2');
  });
});

describe('line numbers for messages', () => {
  test('locateDirective finds the 1-based line of a keyword in any case with the exact value, else nothing', () => {
    const text = '# users\nHost a b\n  user admin\n  User root\n  IdentityFile "~/.ssh/my key.pem"\n';
    assert.equal(locateDirective(text, 'user', 'root'), 4);
    assert.equal(locateDirective(text, 'user', 'admin'), 3);
    assert.equal(locateDirective(text, 'identityfile', '~/.ssh/my key.pem'), 5);
    assert.equal(locateDirective(text, 'host', 'a b'), 2);
    assert.equal(locateDirective(text, 'hostname', 'a'), undefined);
    assert.equal(locateDirective(text, 'user', 'nobody'), undefined);
    assert.equal(locateDirective(text, 'hostname', 'admin'), undefined, 'the value under another keyword does not count');
  });

  test('originalLineOf: an inserted copy of a neighbouring line or a changed line maps to nothing, every other line to its own', () => {
    const map = originalLineOf('Host a\n', 'Host a\nHost a\n');
    assert.deepEqual([1, 2, 3].map(map), [1, undefined, 2]);
    const same = originalLineOf('a\nb', 'a\nb');
    assert.deepEqual([1, 2].map(same), [1, 2]);
    const changed = originalLineOf('Host a\n  User x\n', 'Host a\n  User y\n');
    assert.deepEqual([1, 2, 3].map(changed), [1, undefined, 3], 'a changed line is not the user\'s line any more');
  });

  test('the user\'s IgnoreUnknown patterns are kept one by one after ours, empty ones between commas dropped', () => {
    const text = withIgnoreUnknown('IgnoreUnknown Foo,,Bar,\n', ['UseKeychain']);
    assert.equal(text.split('\n')[1], 'IgnoreUnknown UseKeychain,Foo,Bar');
  });
});

describe('one quoting rule for every value (sshConfigValue), read back by real OpenSSH', () => {
  const written: [keyword: 'HostName' | 'User' | 'IdentityFile', value: string][] = [
    ['IdentityFile', '~/cloud keys/k.pem'],
    ['IdentityFile', "/srv/it's/k.pem"],
    ['IdentityFile', '/srv/#1/k.pem'],
    ['IdentityFile', '/srv/100%/k%d.pem'],
    ['IdentityFile', '/srv/a=b/k.pem'],
    ['IdentityFile', 'C:/Users/First Last/.ssh/密钥.pem'],
    ['IdentityFile', '/srv/back\\slash/k.pem'],
    ['User', "o'brien"],
    ['User', 'first last'],
    ['HostName', '47.1.2.3'],
  ];

  test('ssh -G reads each value exactly as meant, and findManagedBlock reads back the same path', async () => {
    await ensureOpenSsh();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quoting-test-'));
    try {
      for (const [keyword, value] of written) {
        const config = path.join(dir, 'config');
        fs.writeFileSync(config, `Host t\n  ${keyword} ${sshConfigValue(keyword, value)}\n`);
        const resolved = execFileSync('ssh', ['-G', '-F', config, 't'], { encoding: 'utf8' }).split('\n');
        // ssh -G prints IdentityFile before %-expansion: the escaped form
        const expected = keyword === 'IdentityFile' ? value.replace(/%/g, '%%') : value;
        assert.ok(resolved.includes(`${keyword.toLowerCase()} ${expected}`), `${keyword} ${value}: ssh -G printed ${resolved.filter((l) => l.startsWith(keyword.toLowerCase())).join(' | ')}`);
      }
      for (const [, value] of written.filter(([keyword]) => keyword === 'IdentityFile')) {
        assert.equal(findManagedBlock(applyManagedBlock('', { ...BLOCK, identityFile: value }), BLOCK.region, BLOCK.keyPairName)?.identityFile, value);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a plain value is written bare; whitespace, #, \' and = are quoted', () => {
    assert.equal(sshConfigValue('IdentityFile', '~/.ssh/k.pem'), '~/.ssh/k.pem');
    assert.equal(sshConfigValue('IdentityFile', '~/a b'), '"~/a b"');
    assert.equal(sshConfigValue('User', "o'b"), '"o\'b"');
    assert.equal(sshConfigValue('IdentityFile', '/#'), '"/#"');
    assert.equal(sshConfigValue('IdentityFile', '/a=b'), '"/a=b"');
  });

  test('what OpenSSH versions would read differently is refused: a double quote, a backslash before a quote, blank or backslash, % in User, control characters', () => {
    for (const [keyword, value] of [
      ['IdentityFile', '/a"b'], ['IdentityFile', "/a\\'b"], ['IdentityFile', '/a\\ b'], ['IdentityFile', '/a\\\\b'], ['IdentityFile', '/a\\'],
      ['IdentityFile', '/a\u0001b'], ['User', '100%'], ['HostName', '%h'], ['User', ''],
    ] as const) {
      assert.throws(() => sshConfigValue(keyword, value), { code: 'VALUE_UNWRITABLE', unwritable: { keyword, value } }, `${keyword} ${JSON.stringify(value)}`);
    }
  });
});
