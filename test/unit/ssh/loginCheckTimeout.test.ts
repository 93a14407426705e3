// Apart from loginCheck.test.ts because it waits 20 s: Stryker runs this file last (stryker.config.mjs).
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkLogin } from '../../../src/ssh/loginCheck';
import { ensureOpenSsh } from '../../support/openssh';
import { onlyOn } from '../../support/platform';
import { ownLoopbackAddress, silentServer } from '../../support/silentServer';

const HOST = ownLoopbackAddress(62);

describe('login check: the process limit', onlyOn(['linux']), () => {
  let dir: string;
  before(async () => {
    await ensureOpenSsh();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'swas-login-limit-'));
  });
  after(async () => fs.rm(dir, { recursive: true, force: true }));

  test('without a ConnectTimeout ssh waits forever: the check ends it 20 s later as a timeout', { timeout: 60_000 }, async () => {
    const server = await silentServer(HOST);
    try {
      const config = path.join(dir, 'forever');
      await fs.writeFile(config, `Host forever\n  HostName ${HOST}\n  Port ${server.port}\n`);
      const started = Date.now();
      // ConnectTimeout=0 is no limit at all for ssh
      const result = await checkLogin('forever', { configFile: config, connectTimeoutSeconds: 0 });
      const took = Date.now() - started;
      assert.deepEqual(result, { diagnosis: { kind: 'timeout' }, stderr: '' });
      assert.ok(took >= 19_500 && took < 30_000, `took ${took} ms`);
    } finally {
      await server.close();
    }
  });
});
