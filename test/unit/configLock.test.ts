import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { withConfigLock } from '../../src/ssh/configLock';
import { listManagedBlocks, SshConfigError } from '../../src/ssh/sshConfig';

const SSH_CONFIG_MODULE = path.resolve(__dirname, '../../src/ssh/sshConfig.js');

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

  test('a held lock is reported as LOCKED after the retry time', async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'swas-lock-'));
    const file = path.join(folder, 'config');
    await withConfigLock(file, async () => {
      await assert.rejects(withConfigLock(file, async () => undefined, { retryForMs: 500 }),
        (error: unknown) => error instanceof SshConfigError && error.code === 'LOCKED');
    });
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
