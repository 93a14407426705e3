import assert from 'node:assert/strict';
import { execFile } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import { DEMO_REGION_ID, DEMO_SERVERS } from '../emulator/demo';
import { serverHostKeyFile } from '../emulator/serverRoot';
import { LocalSshd, SSHD } from './sshd';
import { World } from './world';

const run = promisify(execFile);

/** A demo server an sshd plays: its name (its server root's folder, World.serverRoot) and its "public IP". */
export type SshdServer = { instanceName: string; publicIpAddress: string };

/**
 * The setup every suite shares that logs in to real sshds playing the demo servers; call it first in the suite's
 * body. The World for the suite, once sshd is known to be installed; before each test a new cloud and HOME showing
 * the demo region, with a ~/.ssh folder, and the login user of new entries the one these sshds let in; after each
 * test every sshd stopped and the settings put back.
 */
export function sshdSuite(): SshdSuite {
  const suite = new SshdSuite();
  suiteSetup(async () => {
    assert.ok(LocalSshd.available(), `${SSHD} is missing: install openssh-server (test/host/install.sh does)`);
    suite.world = await World.start();
  });
  suiteTeardown(async () => suite.world?.stop());
  setup(async () => {
    await suite.world.resetShowing([DEMO_REGION_ID]);
    // a normal user's sshd (started as that user again) lets in only that user, not the namespace's root
    await suite.world.configure({ defaultUser: LocalSshd.loginUser() });
    await fs.mkdir(suite.world.sshDir, { recursive: true, mode: 0o700 });
  });
  teardown(async () => {
    await suite.stopAll();
    await suite.world.configure({ defaultUser: undefined, restartTimeout: undefined });
  });
  return suite;
}

export class SshdSuite {
  world!: World;
  private readonly running = new Map<string, LocalSshd>();
  /** Each server's port in this test, kept after a stop. */
  private readonly ports = new Map<string, number>();

  /**
   * `server`'s root authorized_keys (`home/.ssh/authorized_keys` of its server root): what the emulator's
   * restarts and RunCommand scripts write, and what its sshd trusts.
   */
  authorizedKeys(server: SshdServer = DEMO_SERVERS.web1): string {
    return this.world.authorizedKeysFile(server.instanceName);
  }

  /** `server`'s sshd host key (private; `.pub` beside it), in its server root's etc-ssh: what RunCommand scripts read. */
  hostKeyFile(server: SshdServer = DEMO_SERVERS.web1): string {
    return serverHostKeyFile(this.world.serverRoot(server.instanceName));
  }

  /**
   * Starts the sshd playing `server`. Off port 22 (not root) `configFile`, the user's own unless given, names its
   * port, as a real user's would. One that comes back after a stop listens on its earlier port, as root's does on 22:
   * ssh takes the first Port the config gives a host, so a second `Match host … Port` line would never be used.
   */
  async start(server: SshdServer = DEMO_SERVERS.web1, configFile = this.world.configPath): Promise<LocalSshd> {
    const earlierPort = this.ports.get(server.instanceName);
    const sshd = await LocalSshd.start(server.publicIpAddress, this.authorizedKeys(server), earlierPort, this.hostKeyFile(server));
    this.running.set(server.instanceName, sshd);
    this.ports.set(server.instanceName, sshd.port);
    if (earlierPort === undefined && sshd.port !== 22) {
      await fs.mkdir(path.dirname(configFile), { recursive: true, mode: 0o700 });
      await fs.appendFile(configFile, `Match host ${server.publicIpAddress}\n  Port ${sshd.port}\n`, { mode: 0o600 });
    }
    return sshd;
  }

  /** The running sshd of `server`. */
  sshdOf(server: SshdServer = DEMO_SERVERS.web1): LocalSshd {
    const sshd = this.running.get(server.instanceName);
    assert.ok(sshd, `no sshd runs for ${server.instanceName}`);
    return sshd;
  }

  /** Stops `server`'s sshd: its port closes, as when sshd is down on a running server. */
  async stop(server: SshdServer): Promise<void> {
    await this.sshdOf(server).stop();
    this.running.delete(server.instanceName);
  }

  async stopAll(): Promise<void> {
    for (const sshd of this.running.values()) await sshd.stop();
    this.running.clear();
    this.ports.clear();
  }

  /** How ssh names `server`'s sshd in known_hosts and its messages: the bare IP on port 22, `[IP]:port` on a high port. */
  knownHostsName(server: SshdServer = DEMO_SERVERS.web1): string {
    const { port } = this.sshdOf(server);
    return port === 22 ? server.publicIpAddress : `[${server.publicIpAddress}]:${port}`;
  }

  /** Trusts `server`'s host key as a user who accepted the first connection would: in ~/.ssh/known_hosts. */
  async trustHostKey(server: SshdServer = DEMO_SERVERS.web1): Promise<void> {
    const { stdout } = await run('ssh-keyscan', ['-T', '5', '-p', String(this.sshdOf(server).port), server.publicIpAddress]);
    await fs.appendFile(path.join(this.world.sshDir, 'known_hosts'), stdout, { mode: 0o600 });
  }

  /**
   * `ssh <alias> id -un` as Remote-SSH runs ssh: the user's own config (`-F configFile` when given) and known_hosts;
   * batch mode and no agent, so only the entry and its key can let it in. Returns the user it logged in as; a
   * failure keeps ssh's `stderr` and names the sshds' logs.
   */
  async login(alias: string, configFile?: string): Promise<string> {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: this.world.home };
    delete env.SSH_AUTH_SOCK;
    const args = [...(configFile ? ['-F', configFile] : []), '-o', 'BatchMode=yes', alias, 'id', '-un'];
    try {
      const { stdout } = await run('ssh', args, { env, timeout: 20_000 });
      return stdout.trim();
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr;
      const logs = [...this.running].map(([name, sshd]) => `sshd of ${name}: ${sshd.log}`).join('\n');
      throw Object.assign(new Error(`ssh ${alias} failed: ${stderr ?? String(error)}\n${logs}`), { stderr });
    }
  }
}
