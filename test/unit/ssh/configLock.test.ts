import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { withConfigLock } from '../../../src/ssh/configLock';
import { Logger, silentLogger } from '../../../src/logger';
import { listManagedBlocks, SshConfigError } from '../../../src/ssh/sshConfig';

const SSH_CONFIG_MODULE = path.resolve(__dirname, '../../../src/ssh/sshConfig.js');

/** A separate node process that adds `count` hosts, one update each, to its own key pair's block. */
function runUpdater(configPath: string, keyPairName: string, count: number): Promise<void> {
  const script = `
    const { updateSshConfig } = require(${JSON.stringify(SSH_CONFIG_MODULE)});
    (async () => {
      for (let i = 1; i <= ${count}; i++) {
        await updateSshConfig(process.argv[1], (current) => ({
          region: 'cn-hangzhou', keyPairName: process.argv[2], user: 'root',
          identityFile: '~/.ssh/' + process.argv[2] + '.pem',
          hosts: [...(current ? current.hosts : []), { alias: 'swas-' + process.argv[2] + '-' + i, hostName: '192.0.2.' + i }],
        }), { region: 'cn-hangzhou', keyPairName: process.argv[2], verify: false });
      }
    })().catch((error) => { console.error(error); process.exit(1); });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, configPath, keyPairName], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`updater ${keyPairName} exited with ${code}`))));
  });
}

/**
 * One side of a forced interleaving. `first` reads the config, says so, and waits inside its
 * read-modify-write until the second has read too, or has seen the lock (`<config>.lock`) and is
 * waiting for it. `second` starts once the first has read. With the lock, the second reads only
 * after the first has written; without it, both read the original and one update is lost, every time.
 */
function runInterleaved(configPath: string, role: 'first' | 'second', keyPairName: string): Promise<void> {
  const script = `
    const fs = require('fs');
    const { updateSshConfig } = require(${JSON.stringify(SSH_CONFIG_MODULE)});
    const [config, role, name] = process.argv.slice(1);
    const signal = (what) => fs.writeFileSync(config + '.' + what, '');
    const pause = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    const waitFor = (...what) => { while (!what.some((w) => fs.existsSync(config + '.' + w))) pause(); };
    (async () => {
      if (role === 'second') {
        waitFor('first-read');
        if (fs.existsSync(config + '.lock')) signal('second-saw-lock');
      }
      await updateSshConfig(config, (current) => {
        signal(role + '-read');
        if (role === 'first') waitFor('second-read', 'second-saw-lock');
        return { region: 'cn-hangzhou', keyPairName: name, user: 'root', identityFile: '~/.ssh/' + name + '.pem', hosts: [{ alias: 'swas-' + name }] };
      }, { region: 'cn-hangzhou', keyPairName: name, verify: false });
    })().catch((error) => { console.error(error); process.exit(1); });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, configPath, role, keyPairName], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${role} updater exited with ${code}`))));
  });
}

describe('config lock', () => {
  test('two processes updating different key pairs at once both land', async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'swas-lock-'));
    const configPath = path.join(folder, 'config');
    await fs.writeFile(configPath, 'Host existing\n  HostName 192.0.2.99\n');
    await Promise.all([runUpdater(configPath, 'alpha', 5), runUpdater(configPath, 'beta', 5)]);
    const text = await fs.readFile(configPath, 'utf8');
    const blocks = listManagedBlocks(text);
    assert.deepEqual(blocks.map((block) => [block.keyPairName, block.hosts.length]).sort(), [['alpha', 5], ['beta', 5]]);
    assert.ok(text.endsWith('Host existing\n  HostName 192.0.2.99\n'));
    assert.deepEqual((await fs.readdir(folder)).sort(), ['config', 'config.swas-backup']);
  });

  test('case 44: a second window that reads while the first is mid-update waits for it; both entries land', async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'swas-lock-'));
    const configPath = path.join(folder, 'config');
    await fs.writeFile(configPath, 'Host existing\n  HostName 192.0.2.99\n');
    await Promise.all([runInterleaved(configPath, 'first', 'alpha'), runInterleaved(configPath, 'second', 'beta')]);
    const blocks = listManagedBlocks(await fs.readFile(configPath, 'utf8'));
    assert.deepEqual(blocks.map((block) => block.keyPairName).sort(), ['alpha', 'beta']);
  });

  test('actions under the lock never overlap', async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'swas-lock-'));
    const file = path.join(folder, 'config');
    let inside = 0;
    let maxInside = 0;
    await Promise.all([1, 2, 3].map(() => withConfigLock(file, async () => {
      inside++;
      maxInside = Math.max(maxInside, inside);
      await new Promise((resolve) => setTimeout(resolve, 50));
      inside--;
    })));
    assert.equal(maxInside, 1);
  });

  test('a held lock is reported as LOCKED after the retry time, naming the file and its lock', async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'swas-lock-'));
    const file = path.join(folder, 'config');
    await withConfigLock(file, async () => {
      const started = Date.now();
      await assert.rejects(withConfigLock(file, async () => undefined, { retryForMs: 500 }), (error: unknown) => {
        assert.ok(error instanceof SshConfigError);
        assert.equal(error.code, 'LOCKED');
        assert.equal(error.message, `${file} is being edited by another window or process (lock ${file}.lock); try again.`);
        assert.equal(error.path, file);
        assert.equal((error.cause as NodeJS.ErrnoException).code, 'ELOCKED');
        return true;
      });
      // The given 500 ms, not the 10 s default.
      assert.ok(Date.now() - started < 3000, `gave up after ${Date.now() - started} ms`);
    });
  });

  test('retryForMs 0 tries once and does not wait, even when no time passes', async (t) => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'swas-lock-'));
    const file = path.join(folder, 'config');
    let attempt: Promise<string> | undefined;
    await withConfigLock(file, async () => {
      // A frozen clock: the deadline is reached at once, not only once a millisecond has passed.
      const now = Date.now();
      t.mock.method(Date, 'now', () => now);
      attempt = withConfigLock(file, async () => 'acquired', { retryForMs: 0 }).catch((error: SshConfigError) => error.code);
      const outcome = await Promise.race([attempt, delay(1000, 'still waiting')]);
      t.mock.restoreAll();
      assert.equal(outcome, 'LOCKED');
    });
    // Had it kept waiting, it gets the lock now that it is free, and ends.
    await attempt;
  });

  test('a folder that refuses the lock is an IO error at once, with the reason', async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'swas-lock-'));
    const file = path.join(folder, 'missing-folder', 'config');
    await assert.rejects(withConfigLock(file, async () => undefined), (error: unknown) => {
      assert.ok(error instanceof SshConfigError);
      assert.equal(error.code, 'IO');
      assert.equal(error.message, `Cannot lock ${file} (ENOENT); is its folder writable?`);
      assert.equal(error.path, file);
      assert.equal((error.cause as NodeJS.ErrnoException).code, 'ENOENT');
      return true;
    });
  });

  test('a lock taken away mid-action is logged, and so is the failed release; the action\'s result still comes back', async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'swas-lock-'));
    const file = path.join(folder, 'config');
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (message: string) => warnings.push(message) };
    const result = await withConfigLock(file, async () => {
      await fs.rmdir(`${file}.lock`);
      // proper-lockfile checks its lock every stale/2 = 5 s.
      const giveUp = Date.now() + 8000;
      while (warnings.length === 0 && Date.now() < giveUp) {
        await delay(100);
      }
      return 'done';
    }, { logger });
    assert.equal(result, 'done');
    assert.deepEqual(warnings, [
      `Lock on ${file} was compromised: ENOENT: no such file or directory, stat '${file}.lock'`,
      `Releasing the lock on ${file} failed: Error: Lock is already released`,
    ]);
  });

  test('a stale lock left by a crashed process is taken over', async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'swas-lock-'));
    const file = path.join(folder, 'config');
    await fs.mkdir(`${file}.lock`);
    const longAgo = new Date(Date.now() - 60_000);
    await fs.utimes(`${file}.lock`, longAgo, longAgo);
    assert.equal(await withConfigLock(file, async () => 'ran', { retryForMs: 0 }), 'ran');
    await assert.rejects(fs.stat(`${file}.lock`), { code: 'ENOENT' });
  });
});
