import { spawnSync, execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';

function sshAvailable(): boolean {
  return spawnSync('ssh', ['-V'], { stdio: 'ignore' }).status === 0;
}

/** These tests need a real OpenSSH client; install it when missing instead of skipping. */
export async function ensureOpenSsh(): Promise<void> {
  if (sshAvailable()) {
    return;
  }
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'openssh-client'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  assert.ok(sshAvailable(), 'ssh is not on PATH even after installing openssh-client');
}
