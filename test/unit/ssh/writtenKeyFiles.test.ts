import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import type { Memento } from '../../../src/cloud/regionCache';
import { WrittenKeyFiles } from '../../../src/ssh/writtenKeyFiles';

function memory(): Memento & { values: Map<string, unknown> } {
  const values = new Map<string, unknown>();
  return { values, get: <T>(key: string) => values.get(key) as T | undefined, update: async (key, value) => void values.set(key, value) };
}

describe('WrittenKeyFiles', () => {
  test('a fresh machine has placed nothing: no file is offered for deletion', () => {
    const placed = new WrittenKeyFiles(memory());
    assert.deepEqual(placed.privateKeys(), []);
    assert.equal(placed.wasPlaced('/home/u/.ssh/id_ed25519'), false);
  });

  test('remembered files are kept in globalState as absolute paths, each once', async () => {
    const state = memory();
    const placed = new WrittenKeyFiles(state);
    await placed.remember('/home/u/.ssh/swas-a', '/home/u/.ssh/swas-a.pub');
    await placed.remember('/home/u/.ssh/swas-a');
    assert.deepEqual(state.values.get('swas.placedKeyFiles'), ['/home/u/.ssh/swas-a', '/home/u/.ssh/swas-a.pub']);
    // a relative name is the same file as its absolute path from the current directory
    await placed.remember('swas-rel');
    assert.equal(placed.wasPlaced(path.join(process.cwd(), 'swas-rel')), true);
    assert.equal(placed.wasPlaced('/home/u/.ssh/swas-a.pub'), true);
    assert.equal(placed.wasPlaced('/home/u/.ssh/id_ed25519'), false);
  });

  test('privateKeys lists only the private halves, the newest first', async () => {
    const placed = new WrittenKeyFiles(memory());
    await placed.remember('/k/old', '/k/old.pub');
    await placed.remember('/k/new', '/k/new.pub');
    assert.deepEqual(placed.privateKeys(), ['/k/new', '/k/old']);
  });

  test('forget removes exactly the named files, relative or absolute', async () => {
    const placed = new WrittenKeyFiles(memory());
    await placed.remember('/k/a', '/k/a.pub', path.resolve('b'));
    await placed.forget('/k/a.pub', 'b');
    assert.equal(placed.wasPlaced('/k/a.pub'), false);
    assert.equal(placed.wasPlaced(path.resolve('b')), false);
    assert.deepEqual(placed.privateKeys(), ['/k/a']);
  });
});
