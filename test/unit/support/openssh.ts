import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { sshAvailable } from '../../../src/ssh/sshVerify';

/** These tests need a real OpenSSH client; install it when missing instead of skipping. */
export async function ensureOpenSsh(): Promise<void> {
  if (await sshAvailable()) {
    return;
  }
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'openssh-client'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  assert.ok(await sshAvailable(), 'ssh is not on PATH even after installing openssh-client');
}
