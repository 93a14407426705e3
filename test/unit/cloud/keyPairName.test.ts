import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkKeyPairName, rotatedName } from '../../../src/cloud/keyPairName';

describe('checkKeyPairName', () => {
  const valid = ['ab', 'a'.repeat(64), 'Key:pair_1-x', '密钥', '密a', 'a密钥', 'Z9'];
  for (const name of valid) {
    test(`accepts ${JSON.stringify(name)}`, () => assert.equal(checkKeyPairName(name), undefined));
  }
  const invalid: Array<[string, string, string?]> = [
    ['', 'empty'],
    ['a', 'tooShort'],
    ['a'.repeat(65), 'tooLong'],
    ['密'.repeat(65), 'tooLong'],
    ['1abc', 'badFirstCharacter', '1'],
    ['_abc', 'badFirstCharacter', '_'],
    ['http://x', 'urlPrefix'],
    ['https://x', 'urlPrefix'],
    ['HTTPS://x', 'urlPrefix'],
    // only a prefix is a URL: further in, the slash is the broken rule
    ['keyhttp://x', 'badCharacter'],
    ['ab cd', 'badCharacter', ' '],
    ['ab\u0000', 'badCharacter', '\u0000'],
    ['key😀', 'badCharacter', '😀'],
    ['😀key', 'badFirstCharacter', '😀'],
    ['a.b', 'badCharacter', '.'],
    ['a/b', 'badCharacter', '/'],
  ];
  for (const [name, problem, character] of invalid) {
    test(`refuses ${JSON.stringify(name)} as ${problem}`, () => {
      const result = checkKeyPairName(name);
      assert.equal(result?.problem, problem);
      if (character !== undefined) assert.equal(result?.character, character);
    });
  }
  test('http without :// is a normal name', () => assert.equal(checkKeyPairName('httpserver'), undefined));
  test('counts code points: 64 Chinese characters are accepted', () => assert.equal(checkKeyPairName('密'.repeat(64)), undefined));
});

describe('rotatedName', () => {
  const today = new Date('2026-12-03T23:30:00Z');
  const none = new Set<string>();
  test('appends the UTC date', () => assert.equal(rotatedName('team-key', none, today), 'team-key-20261203'));
  test('replaces a date suffix (and its counter) instead of stacking dates', () => {
    assert.equal(rotatedName('team-key-20250101', none, today), 'team-key-20261203');
    assert.equal(rotatedName('team-key-20250101-3', none, today), 'team-key-20261203');
    assert.equal(rotatedName('team-key-20250101-12', none, today), 'team-key-20261203');
  });
  test('a date inside the name is part of the name, only a suffix is replaced', () => {
    assert.equal(rotatedName('key-20250101-prod', none, today), 'key-20250101-prod-20261203');
  });
  test('counts up while the name is taken', () => {
    assert.equal(rotatedName('team-key', new Set(['team-key-20261203', 'team-key-20261203-2']), today), 'team-key-20261203-3');
  });
  test('cuts the stem so the name stays at 64 characters, counted as code points', () => {
    assert.equal(rotatedName('a'.repeat(64), none, today), `${'a'.repeat(55)}-20261203`);
    assert.equal(Array.from(rotatedName('密'.repeat(64), new Set([`${'密'.repeat(55)}-20261203`]), today)).length, 64);
    assert.equal(rotatedName('密'.repeat(64), new Set([`${'密'.repeat(55)}-20261203`]), today), `${'密'.repeat(53)}-20261203-2`);
  });
});
