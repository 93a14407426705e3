import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyManagedBlock } from '../../src/ssh/sshConfig';
import { changedOutsideBlock } from '../support/untouchedBytes';

const block = { region: 'cn-hangzhou', keyPairName: 'web', user: 'root', identityFile: '~/.ssh/web.pem', hosts: [{ alias: 'swas-web' }] };
const ORIGINAL = 'Host a\n  User me\n\n# a comment\nHost b\n\tHostName 10.0.0.9\n';
const CRLF = '\uFEFFHost a\r\n  User me\r\n';

describe('changedOutsideBlock (independent of the product\'s block parser)', () => {
  test('accepts the product\'s real edits: into LF, CRLF with a BOM, and empty configs', () => {
    for (const original of [ORIGINAL, CRLF, '', 'Host x']) {
      assert.equal(changedOutsideBlock(original, applyManagedBlock(original, block), 'cn-hangzhou', 'web'), undefined, JSON.stringify(original));
    }
  });

  test('catches every kind of change outside the block', () => {
    const edited = applyManagedBlock(ORIGINAL, block);
    const editedCrlf = applyManagedBlock(CRLF, block);
    const planted: Array<[string, string, string]> = [
      ['one byte changed', ORIGINAL, edited.replace('10.0.0.9', '10.0.0.8')],
      ['a line removed', ORIGINAL, edited.replace('# a comment\n', '')],
      ['a blank line removed', ORIGINAL, edited.replace('User me\n\n', 'User me\n')],
      ['trailing whitespace added', ORIGINAL, edited.replace('User me\n', 'User me \n')],
      ['a second copy of the block', ORIGINAL, edited + edited],
      ['the END marker gone', ORIGINAL, edited.replace(/# --- END SWAS KEY PAIR cn-hangzhou\/web ---/, '')],
      ['CRLF turned into LF', CRLF, editedCrlf.replace(/\r\n/g, '\n')],
      ['the BOM dropped', CRLF, editedCrlf.slice(1)],
    ];
    for (const [what, original, text] of planted) {
      assert.notEqual(changedOutsideBlock(original, text, 'cn-hangzhou', 'web'), undefined, what);
    }
  });

  test('another key pair\'s block is not ours to skip', () => {
    const edited = applyManagedBlock(ORIGINAL, { ...block, keyPairName: 'other' });
    assert.match(changedOutsideBlock(ORIGINAL, edited, 'cn-hangzhou', 'web') ?? '', /expected one BEGIN marker/);
  });
});
