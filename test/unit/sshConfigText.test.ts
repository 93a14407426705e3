import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyManagedBlock,
  chooseAlias,
  findManagedBlock,
  locateDirective,
  ManagedBlock,
  originalLineOf,
  removeManagedBlock,
  withIgnoreUnknown,
} from '../../src/ssh/sshConfigText';

const BLOCK: ManagedBlock = {
  region: 'cn-hangzhou',
  keyPairName: 'my-key',
  user: 'root',
  identityFile: '~/.ssh/my-key.pem',
  hosts: [{ alias: 'swas-my-key', hostName: '47.1.2.3' }],
};
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

  test('a region with a blank cannot go into a block marker', () => {
    assert.throws(() => applyManagedBlock('', { ...BLOCK, region: 'cn hangzhou' }),
      { name: 'TypeError', message: 'Region/key pair "cn hangzhou/my-key" cannot be used in a block marker.' });
  });

  test('the error names the keyword whose value cannot be written', () => {
    assert.throws(() => applyManagedBlock('', { ...BLOCK, hosts: [{ alias: 'a', hostName: 'h"x' }] }),
      { name: 'TypeError', message: 'HostName value "h\\"x" cannot be written to an SSH config.' });
    assert.throws(() => applyManagedBlock('', { ...BLOCK, user: 'a\nb' }),
      { name: 'TypeError', message: 'User value "a\\nb" cannot be written to an SSH config.' });
    assert.throws(() => applyManagedBlock('', { ...BLOCK, identityFile: '' }),
      { name: 'TypeError', message: 'IdentityFile value "" cannot be written to an SSH config.' });
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

  test('removing a block followed directly by the user\'s lines keeps those lines', () => {
    assert.equal(removeManagedBlock(`${RENDERED}\nHost a\n  User x\n`, 'cn-hangzhou', 'my-key'), 'Host a\n  User x\n');
  });

  test('removing the last block of a file without a final newline also removes the line break before it', () => {
    assert.equal(removeManagedBlock(`Host a\n${RENDERED}`, 'cn-hangzhou', 'my-key'), 'Host a');
  });

  test('removing a key pair that has no block, or another key pair\'s block, leaves the rest alone', () => {
    const other = RENDERED.replaceAll('cn-hangzhou/my-key', 'cn-hangzhou/other');
    const text = `${RENDERED}\n\n${other}\n`;
    assert.equal(removeManagedBlock(text, 'cn-hangzhou', 'missing'), text);
    assert.equal(removeManagedBlock(text, 'cn-beijing', 'my-key'), text);
    assert.equal(removeManagedBlock(text, 'cn-hangzhou', 'other'), `${RENDERED}\n\n`);
  });
});

describe('aliases', () => {
  test('an alias the user\'s own Host uses is taken even when the key pair has no block yet', () => {
    assert.equal(chooseAlias('Host swas-my-key\n  User x\n', 'swas-my-key', 'cn-hangzhou', 'my-key'), 'swas-my-key-2');
  });
});

describe('line numbers for messages', () => {
  test('locateDirective finds the 1-based line of a keyword in any case with the exact value, else nothing', () => {
    const text = 'Host a\n  user admin\n  User root\n  IdentityFile "~/.ssh/my key.pem"\n';
    assert.equal(locateDirective(text, 'user', 'root'), 3);
    assert.equal(locateDirective(text, 'user', 'admin'), 2);
    assert.equal(locateDirective(text, 'identityfile', '~/.ssh/my key.pem'), 4);
    assert.equal(locateDirective(text, 'hostname', 'a'), undefined);
    assert.equal(locateDirective(text, 'user', 'nobody'), undefined);
  });

  test('originalLineOf: an inserted copy of a neighbouring line maps to nothing, every old line to itself', () => {
    const map = originalLineOf('Host a\n', 'Host a\nHost a\n');
    assert.deepEqual([1, 2, 3].map(map), [1, undefined, 2]);
    const same = originalLineOf('a\nb', 'a\nb');
    assert.deepEqual([1, 2].map(same), [1, 2]);
  });

  test('the user\'s IgnoreUnknown patterns, several comma-separated, are kept one by one after ours', () => {
    const text = withIgnoreUnknown('IgnoreUnknown Foo,Bar\n', ['UseKeychain']);
    assert.equal(text.split('\n')[1], 'IgnoreUnknown UseKeychain,Foo,Bar');
  });
});
