import assert from 'node:assert/strict';
import { execFile } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import Swas, * as $Swas from '@alicloud/swas-open20200601';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_REGION_ID, DEMO_SERVERS } from '../emulator/demo';
import { suiteOn } from '../support/platform';
import { LocalSshd } from './sshd';
import { sshdSuite } from './sshdSuite';

const run = promisify(execFile);
const WEB1 = DEMO_SERVERS.web1;

/**
 * What the Cloud Assistant flows stand on, without the product: a RunCommand sent by the real SDK runs as web-1's
 * root in the extension host's namespaces, its change reaches the real sshd playing web-1, and the host key it
 * prints is the one that sshd presents, so a login with StrictHostKeyChecking=yes and only that line succeeds.
 */
suiteOn(['linux'], 'Emulator Cloud Assistant with a local sshd', function () {
  this.timeout(60_000);
  const sshds = sshdSuite();

  function sdk(): Swas {
    const url = new URL(sshds.world.emulator.url);
    return new Swas(
      new $OpenApiUtil.Config({
        accessKeyId: DEMO_ACCESS_KEY_ID,
        accessKeySecret: DEMO_ACCESS_KEY_SECRET,
        endpoint: url.host,
        protocol: 'http',
      }),
    );
  }

  async function runToEnd(client: Swas, commandContent: string): Promise<$Swas.DescribeInvocationResultResponseBodyInvocationResult> {
    const { body } = await client.runCommand(
      new $Swas.RunCommandRequest({ regionId: DEMO_REGION_ID, instanceId: WEB1.instanceId, name: 'smoke', type: 'RunShellScript', commandContent }),
    );
    for (;;) {
      const answer = await client.describeInvocationResult(
        new $Swas.DescribeInvocationResultRequest({ regionId: DEMO_REGION_ID, instanceId: WEB1.instanceId, invokeId: body?.invokeId }),
      );
      const result = answer.body?.invocationResult;
      if (result && result.invocationStatus !== 'Pending' && result.invocationStatus !== 'Running') return result;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  test('RunCommand against a local sshd: a key appended as root logs in at once with the host key it printed, no restart', async () => {
    const { world } = sshds;
    await sshds.start(WEB1);
    const keyFile = path.join(world.sshDir, 'smoke_ed25519');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'smoke', '-f', keyFile]);
    const publicKey = (await fs.readFile(`${keyFile}.pub`, 'utf8')).trim();
    const before = await fs.readFile(sshds.authorizedKeys(), 'utf8');

    const result = await runToEnd(
      sdk(),
      `set -e\numask 077\nmkdir -p ~/.ssh\nprintf '%s\\n' '${publicKey}' >> ~/.ssh/authorized_keys\ncat /etc/ssh/ssh_host_ed25519_key.pub`,
    );
    assert.equal(result.invocationStatus, 'Success', Buffer.from(result.output ?? '', 'base64').toString());
    const hostKey = Buffer.from(result.output ?? '', 'base64').toString().trim().split(' ').slice(0, 2).join(' ');
    assert.equal(await fs.readFile(sshds.authorizedKeys(), 'utf8'), `${before}${publicKey}\n`, 'appended, the earlier lines kept');

    await fs.writeFile(path.join(world.sshDir, 'known_hosts'), `${sshds.knownHostsName()} ${hostKey}\n`, { mode: 0o600 });
    // its own Port line: the suite's `Match host` line for a high port sees the alias, not the HostName, here
    await fs.appendFile(
      world.configPath,
      `Host smoke\n  HostName ${WEB1.publicIpAddress}\n  Port ${sshds.sshdOf(WEB1).port}\n  User ${LocalSshd.loginUser()}\n  IdentityFile "${keyFile}"\n  IdentitiesOnly yes\n  StrictHostKeyChecking yes\n`,
      { mode: 0o600 },
    );
    assert.equal(await sshds.login('smoke'), LocalSshd.loginUser());
    assert.deepEqual(world.emulator.callsOf('RebootInstance'), [], 'no restart');
  });
});
