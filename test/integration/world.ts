import { execFile } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isDeepStrictEqual, promisify } from 'util';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import { DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, demoServerRoot, seedDemo } from '../emulator/demo';
import { DOCUMENTED_RATE_LIMITS } from '../emulator/rateLimits';
import { SwasEmulator, type EmulatorOptions } from '../emulator/server';
import { serverAuthorizedKeysFile } from '../emulator/serverRoot';
import { fastClock } from '../support/fastClock';
import { makePasswdHome } from '../support/passwdHome';
import { ScriptedPrompter, ScriptStep } from './scriptedPrompter';

export const EXTENSION_ID = 'swas-tools.swas-keypairs';
const run = promisify(execFile);

/**
 * The real extension, against a real emulator over HTTP, with a fresh HOME per test (the
 * extension reads `os.homedir()` on every use, so `~/.ssh` and `~/.ssh/config` are the test's own).
 */
/**
 * `update` of a user setting, tried again while the workbench says the settings file on disk is
 * newer than its copy: on a loaded machine the web workbench (code-server) sees the previous
 * write's file change late and refuses the next write until it has read the file again. VS Code 1.75 (the
 * floor host) can also fail a write on a hot-exit backup of settings.json it removed meanwhile.
 */
export async function updateUserSetting(section: string, key: string, value: unknown): Promise<void> {
  // every write makes the workbench send its whole configuration (about 220 KB) to each extension host: a large part
  // of a test's CPU in the browser. A value already set is not written again.
  if (isDeepStrictEqual(vscode.workspace.getConfiguration(section).inspect(key)?.globalValue, value)) return;
  for (let attempt = 1; ; attempt++) {
    try {
      await vscode.workspace.getConfiguration(section).update(key, value, vscode.ConfigurationTarget.Global);
      return;
    } catch (error) {
      if (attempt >= 10 || !/content of the file is newer|Unable to read file '[^']*\/Backups\//.test(String(error))) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

/**
 * A new empty home for the next test, with a space in its path (a Windows account "First Last" has
 * `C:\\Users\\First Last`), made the passwd home of the user the tests run as, as on a user's machine.
 * The code-server host has a private /etc/passwd (SWAS_TEST_PASSWD, test/host/private-passwd.sh); a
 * desktop host has none, and there only $HOME changes.
 */
async function userHome(): Promise<string> {
  const home = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'swas-home-')), 'First Last');
  await fs.mkdir(home);
  if (process.env.SWAS_TEST_PASSWD) {
    await makePasswdHome(process.env.SWAS_TEST_PASSWD, home);
  }
  return home;
}

/** How much faster than the wall clock the extension's retries and restart waits run in these tests. */
export const TEST_CLOCK_FACTOR = 20;

export class World {
  private constructor(
    readonly api: TestApi,
    public emulator: SwasEmulator,
    /** Each demo Linux server's server root is `<serverRootsDir>/<instanceName>/` (test/emulator/serverRoot.ts). */
    public serverRootsDir: string,
    private readonly emulatorOptions: EmulatorOptions,
  ) {}

  home = '';
  /** The World of the suite running now, for the root hook that checks each test's throttled answers. */
  static current: World | undefined;
  /** Set by a test that provokes throttling on purpose (another tool spending the budget). */
  private throttlingExpected = false;
  private readonly throttledChecked = new WeakSet<object>();

  /** This test spends the account's budget on purpose: its throttled answers are not a failure. */
  expectThrottling(): void {
    this.throttlingExpected = true;
  }

  /**
   * After each test: the throttled answers it got, which fail it unless it expected them (the product keeps
   * within its budget, so one it did not provoke is its own call the cloud would refuse).
   */
  static checkThrottled(): void {
    const world = World.current;
    if (!world) return;
    const expected = world.throttlingExpected;
    world.throttlingExpected = false;
    const unseen = world.emulator.throttledCalls().filter((call) => !world.throttledChecked.has(call));
    unseen.forEach((call) => world.throttledChecked.add(call));
    if (unseen.length > 0 && !expected) {
      throw new Error(`The emulator throttled ${unseen.length} call(s) this test did not provoke: ${unseen.map((c) => c.action).join(', ')}`);
    }
  }

  private static async freshEmulator(options: EmulatorOptions): Promise<{ emulator: SwasEmulator; serverRootsDir: string }> {
    const emulator = await SwasEmulator.start(options);
    const serverRootsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'swas-servers-'));
    await seedDemo(emulator, { serverRootsDir });
    return { emulator, serverRootsDir };
  }

  /** The folder holding `instanceName`'s home (`home/`) and /etc/ssh (`etc-ssh/`): what RunCommand scripts see. */
  serverRoot(instanceName: string): string {
    return demoServerRoot(this.serverRootsDir, instanceName);
  }

  /** `instanceName`'s root authorized_keys: what its restarts and RunCommand scripts write, and its sshd trusts. */
  authorizedKeysFile(instanceName: string): string {
    return serverAuthorizedKeysFile(this.serverRoot(instanceName));
  }

  /**
   * `options`: e.g. HTTPS on 127.0.0.10:443 for the production endpoint path. Every emulator enforces
   * the documented rate limits over the product's minute (60 s at TEST_CLOCK_FACTOR); the strict-limits
   * run (SWAS_EMULATOR_STRICT_LIMITS=1) gives the unpublished actions (the Cloud Assistant ones too) the
   * strictest figure. A RunCommand Timeout second lasts 1/TEST_CLOCK_FACTOR of a real one, like the product's waits.
   */
  static async start(options: EmulatorOptions = {}): Promise<World> {
    const emulatorOptions: EmulatorOptions = {
      rateLimits: DOCUMENTED_RATE_LIMITS,
      rateWindowMs: 60_000 / TEST_CLOCK_FACTOR,
      strictLimits: process.env.SWAS_EMULATOR_STRICT_LIMITS === '1',
      invocationTiming: { timeoutSecondMs: 1000 / TEST_CLOCK_FACTOR },
      ...options,
    };
    const extension = vscode.extensions.getExtension<TestApi>(EXTENSION_ID);
    if (!extension) throw new Error(`${EXTENSION_ID} is not installed in the test host`);
    const api = await extension.activate();
    if (!api) throw new Error('The extension did not return its test API (not running in ExtensionMode.Test?)');
    const { emulator, serverRootsDir } = await World.freshEmulator(emulatorOptions);
    const world = new World(api, emulator, serverRootsDir, emulatorOptions);
    World.current = world;
    api.services.clock = fastClock(TEST_CLOCK_FACTOR);
    await world.configure({ endpoint: emulator.url, requestTimeout: 2, defaultRegion: '', sshKeyDirectory: '~/.ssh', regions: undefined });
    return world;
  }

  async configure(settings: Record<string, unknown>): Promise<void> {
    for (const [key, value] of Object.entries(settings)) {
      await updateUserSetting('swas', key, value);
    }
  }

  /** A new cloud (the demo world, nothing else), a new empty HOME, and the demo AccessKey in the environment. */
  async reset(): Promise<void> {
    this.reportThrottled();
    await this.emulator.stop();
    ({ emulator: this.emulator, serverRootsDir: this.serverRootsDir } = await World.freshEmulator(this.emulatorOptions));
    this.home = await userHome();
    process.env.HOME = this.home;
    process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = DEMO_ACCESS_KEY_ID;
    process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = DEMO_ACCESS_KEY_SECRET;
    delete process.env.ALIBABA_CLOUD_SECURITY_TOKEN;
    this.api.services.payAsYouGoRegions.forget();
    await this.api.services.storeSignedInCredentials(undefined);
    for (const key of this.api.services.context.globalState.keys()) {
      await this.api.services.context.globalState.update(key, undefined);
    }
    await this.configure({ endpoint: this.emulator.url, requestTimeout: 2, sshKeyDirectory: '~/.ssh' });
  }

  /** `reset()`, with the sidebar showing exactly these regions. */
  async resetShowing(regions: string[]): Promise<void> {
    await this.reset();
    await this.configure({ regions });
    this.api.tree.refresh();
  }

  script(...steps: ScriptStep[]): ScriptedPrompter {
    const prompter = new ScriptedPrompter(...steps);
    this.api.setPrompter(prompter);
    return prompter;
  }

  get sshDir(): string {
    return path.join(this.home, '.ssh');
  }

  get configPath(): string {
    return path.join(this.home, '.ssh', 'config');
  }

  /**
   * The calls the emulator's rate limits refused since the last reset, printed in the test log: the
   * product keeps within its budget, so any that a test did not provoke on purpose is worth a look.
   */
  private reportThrottled(): void {
    const throttled = this.emulator.throttledCalls().map((call) => call.action);
    if (throttled.length > 0) {
      console.log(`      (emulator: ${throttled.length} throttled: ${throttled.join(', ')})`);
    }
  }

  async stop(): Promise<void> {
    this.reportThrottled();
    await this.emulator.stop();
  }
}

/**
 * What OpenSSH itself resolves for `alias` (`ssh -G`), keyword → values: from `configFile` alone when it
 * is not the user's `~/.ssh/config`, else as a plain `ssh <alias>` reads the user's and system's config.
 * `ssh -G` prints identity files before expanding `~` and `%%`; they come back expanded (`~` to the
 * passwd home), as ssh does when it loads them.
 */
export async function sshG(configFile: string, alias: string, home: string): Promise<Map<string, string[]>> {
  const plain = configFile === path.join(os.userInfo().homedir, '.ssh', 'config');
  const { stdout } = await run('ssh', ['-G', ...(plain ? [] : ['-F', configFile]), alias], { env: { ...process.env, HOME: home } });
  const values = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0) {
      const key = line.slice(0, space);
      const value = line.slice(space + 1);
      values.set(key, [...(values.get(key) ?? []), key === 'identityfile' ? value.replace(/^~(?=\/)/, os.userInfo().homedir).replace(/%%/g, '%') : value]);
    }
  }
  return values;
}

export async function sshKeygenPublic(privateKeyFile: string): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-y', '-f', privateKeyFile]);
  return stdout.trim();
}

export async function listFiles(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).sort();
  } catch {
    return [];
  }
}

/** Every file under `dir`, recursively (none when it does not exist). */
export async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await filesUnder(full)));
    else found.push(full);
  }
  return found;
}
