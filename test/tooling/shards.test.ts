import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { shardBySize } from '../support/shards';

describe('integration test files spread over hosts (shardBySize)', () => {
  test('every file lands in exactly one list, and the totals end up close', () => {
    const files = [90, 70, 60, 40, 30, 20, 10, 5].map((size, index) => ({ file: `f${index}.test.js`, size }));
    const lists = shardBySize(files, 3);
    assert.equal(lists.length, 3);
    assert.deepEqual(lists.flat().sort(), files.map((f) => f.file).sort());
    const totals = lists.map((list) => list.reduce((sum, file) => sum + files.find((f) => f.file === file)!.size, 0));
    // largest first into the smallest list so far: 90+20 / 70+30+10 / 60+40+5
    assert.deepEqual(totals.sort((a, b) => a - b), [105, 110, 110]);
  });

  test('lists are sorted by name; fewer files than hosts gives fewer lists; 0 or less hosts means one', () => {
    assert.deepEqual(shardBySize([{ file: 'b.test.js', size: 1 }, { file: 'a.test.js', size: 2 }], 1), [['a.test.js', 'b.test.js']]);
    assert.deepEqual(shardBySize([{ file: 'a.test.js', size: 1 }], 3), [['a.test.js']]);
    assert.deepEqual(shardBySize([{ file: 'a.test.js', size: 1 }, { file: 'b.test.js', size: 1 }], 0), [['a.test.js', 'b.test.js']]);
  });
});
