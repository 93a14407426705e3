import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runProcess } from '../../../src/ssh/process';

test('runs the program with the given environment', async () => {
  const result = await runProcess('sh', ['-c', 'printf %s "$SWAS_PROCESS_TEST"'], {
    env: { PATH: process.env.PATH, SWAS_PROCESS_TEST: 'given' },
    timeoutMs: 10_000,
  });
  assert.deepEqual(result, { code: 0, stdout: 'given', stderr: '' });
});

test('a program that runs out of time is killed and rejects, instead of being waited for', async () => {
  const started = Date.now();
  await assert.rejects(runProcess('sleep', ['5'], { timeoutMs: 200 }), (error: unknown) => {
    assert.equal((error as { killed?: boolean }).killed, true);
    assert.equal((error as { signal?: string }).signal, 'SIGKILL');
    return true;
  });
  assert.ok(Date.now() - started < 4000, 'waited for sleep 5 to end');
});

test('a program that cannot be found rejects with ENOENT, not an exit code', async () => {
  await assert.rejects(runProcess('/nonexistent/swas-no-such-program', [], { timeoutMs: 10_000 }), { code: 'ENOENT' });
});
