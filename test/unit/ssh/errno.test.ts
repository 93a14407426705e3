import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { errnoCode } from '../../../src/ssh/errno';

test('an exit status is not an errno code: execFile\'s error for a program that exits 1 has code 1', async () => {
  const error = await new Promise<unknown>((resolve) => execFile('false', (e) => resolve(e)));
  assert.equal((error as { code?: unknown }).code, 1);
  assert.equal(errnoCode(error), undefined);
});
