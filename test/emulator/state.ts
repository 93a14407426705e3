import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from './errors';
import { md5Fingerprint } from './keys';
import { serverAuthorizedKeysFile } from './serverRoot';

export interface EmulatorRegion {
  readonly regionId: string;
  readonly localName: { readonly 'zh-CN': string; readonly 'en-US': string };
  /** Defaults to `swas.<regionId>.aliyuncs.com`. */
  readonly regionEndpoint?: string;
}

export const DEFAULT_REGIONS: readonly EmulatorRegion[] = [
  { regionId: 'cn-hangzhou', localName: { 'zh-CN': '华东1（杭州）', 'en-US': 'China (Hangzhou)' } },
  { regionId: 'cn-shanghai', localName: { 'zh-CN': '华东2（上海）', 'en-US': 'China (Shanghai)' } },
  { regionId: 'cn-beijing', localName: { 'zh-CN': '华北2（北京）', 'en-US': 'China (Beijing)' } },
  { regionId: 'cn-shenzhen', localName: { 'zh-CN': '华南1（深圳）', 'en-US': 'China (Shenzhen)' } },
  { regionId: 'cn-hongkong', localName: { 'zh-CN': '中国香港', 'en-US': 'China (Hong Kong)' } },
  { regionId: 'ap-southeast-1', localName: { 'zh-CN': '新加坡', 'en-US': 'Singapore' } },
];

export type ChargeType = 'PrePaid' | 'PostPaid';

export type InstanceStatus =
  | 'Pending'
  | 'Starting'
  | 'Running'
  | 'Stopping'
  | 'Stopped'
  | 'Resetting'
  | 'Upgrading'
  | 'Disabled';

export interface NewInstance {
  readonly instanceId?: string;
  readonly instanceName: string;
  readonly publicIpAddress: string;
  readonly osType: 'Linux' | 'Windows';
  /** False: ListInstances answers without `Image.OsType` (the docs list the field, not that it is always there). */
  readonly osTypeListed?: boolean;
  /** Subscription (PrePaid, the default) or pay-as-you-go (PostPaid); ListInstances filters on it. */
  readonly chargeType?: ChargeType;
  readonly status?: InstanceStatus;
  readonly imageName?: string;
  /**
   * The server's own files (serverRoot.ts: `home/` is root's home, `etc-ssh/` its /etc/ssh), made by
   * createServerRoot. RunCommand runs scripts there; the attached key goes to `home/.ssh/authorized_keys`.
   */
  readonly serverRoot?: string;
  /** Where the attached key pair's public key is written; default `home/.ssh/authorized_keys` of `serverRoot`. */
  readonly authorizedKeysFile?: string;
}

export interface EmulatorInstance {
  readonly regionId: string;
  readonly instanceId: string;
  readonly instanceName: string;
  readonly publicIpAddress: string;
  readonly innerIpAddress: string;
  readonly osType: 'Linux' | 'Windows';
  readonly osTypeListed: boolean;
  readonly chargeType: ChargeType;
  readonly status: InstanceStatus;
  readonly imageName: string;
  readonly creationTime: string;
  readonly serverRoot?: string;
  readonly authorizedKeysFile?: string;
  /** The key pair the API reports as attached (DescribeInstanceKeyPair, ListKeyPairs). */
  readonly keyPairName?: string;
  /** The key pair the server's sshd trusts: the attached one as of the last restart. */
  readonly effectiveKeyPairName?: string;
  readonly rebootCount: number;
  readonly firewallRules: readonly FirewallRule[];
}

export interface FirewallRule {
  readonly ruleId: string;
  /** TCP, UDP, TCP+UDP or ICMP. */
  readonly ruleProtocol: string;
  /** One port or `<start>/<end>`; `-1/-1` for ICMP. */
  readonly port: string;
  readonly remark: string;
  readonly sourceCidrIp: string;
  readonly policy: 'accept' | 'drop';
}

/**
 * What a restart does to authorized_keys. The docs say an attached key takes effect at the next restart, not
 * whether that rewrites the file or adds to it (docs/swas-api.md, "Cloud Assistant"; ASSUMPTIONS.md):
 * - rewrite: the file holds the attached key pair's key only, or nothing without one (the default);
 * - keep: the attached key is appended unless present, and every other line stays (a detach removes nothing).
 */
export type RestartAuthorizedKeys = 'rewrite' | 'keep';

/** How long a restart stays in each state before the next one. */
export interface RebootDelays {
  readonly stoppingMs: number;
  readonly startingMs: number;
}

/**
 * Assumption (test/emulator/ASSUMPTIONS.md): a new server's firewall allows TCP 22, 80 and 443 from
 * anywhere, as the SWAS console shows for new servers; no page in our references lists the defaults.
 */
function defaultFirewallRules(): FirewallRule[] {
  return ['22', '80', '443'].map((port) => ({
    ruleId: randomBytes(16).toString('hex'),
    ruleProtocol: 'TCP',
    port,
    remark: port === '22' ? 'SSH' : port === '80' ? 'HTTP' : 'HTTPS',
    sourceCidrIp: '0.0.0.0/0',
    policy: 'accept',
  }));
}

export interface EmulatorKeyPair {
  readonly keyPairName: string;
  /** OpenSSH public key line. */
  readonly publicKey: string;
  readonly fingerprint: string;
  readonly creationTime: string;
  readonly instanceIds: readonly string[];
  /** Only for key pairs made by CreateKeyPair, exactly as it was returned. */
  readonly privateKeyBody?: string;
}

type InstanceRecord = { -readonly [K in keyof EmulatorInstance]: EmulatorInstance[K] } & { firewallRules: FirewallRule[] };
type KeyPairRecord = Omit<EmulatorKeyPair, 'instanceIds'>;

/** Alibaba Cloud timestamps carry no milliseconds. */
export function apiTimestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The emulated account's servers and key pairs, per region. */
export class EmulatorState {
  private regionList: EmulatorRegion[] = [...DEFAULT_REGIONS];
  private readonly instancesByRegion = new Map<string, InstanceRecord[]>();
  private readonly keyPairsByRegion = new Map<string, KeyPairRecord[]>();
  private readonly serverFailures = new Map<string, { code: string; message: string }>();
  private readonly failingBoots = new Map<string, { keyTakesEffect: boolean }>();
  private innerIpCounter = 0;
  restartAuthorizedKeys: RestartAuthorizedKeys = 'rewrite';

  get regions(): readonly EmulatorRegion[] {
    return this.regionList;
  }

  setRegions(regions: readonly EmulatorRegion[]): void {
    this.regionList = [...regions];
  }

  hasRegion(regionId: string): boolean {
    return this.regionList.some((r) => r.regionId === regionId);
  }

  private requireRegion(regionId: string): void {
    if (!this.hasRegion(regionId)) {
      throw new ApiError(400, 'InvalidRegionId', `The specified RegionId "${regionId}" does not exist.`);
    }
  }

  addInstance(regionId: string, spec: NewInstance): EmulatorInstance {
    this.requireRegion(regionId);
    const list = this.instanceRecordsOf(regionId);
    const instanceId = spec.instanceId ?? randomBytes(16).toString('hex');
    if (list.some((i) => i.instanceId === instanceId)) {
      throw new Error(`instance ${instanceId} already exists in ${regionId}`);
    }
    this.innerIpCounter++;
    const record: InstanceRecord = {
      regionId,
      instanceId,
      instanceName: spec.instanceName,
      publicIpAddress: spec.publicIpAddress,
      innerIpAddress: `172.16.${Math.floor(this.innerIpCounter / 250)}.${(this.innerIpCounter % 250) + 2}`,
      osType: spec.osType,
      osTypeListed: spec.osTypeListed ?? true,
      chargeType: spec.chargeType ?? 'PrePaid',
      status: spec.status ?? 'Running',
      imageName: spec.imageName ?? (spec.osType === 'Linux' ? 'Alibaba Cloud Linux' : 'Windows Server 2022'),
      creationTime: apiTimestamp(),
      serverRoot: spec.serverRoot,
      authorizedKeysFile: spec.authorizedKeysFile ?? (spec.serverRoot === undefined ? undefined : serverAuthorizedKeysFile(spec.serverRoot)),
      keyPairName: undefined,
      effectiveKeyPairName: undefined,
      rebootCount: 0,
      firewallRules: defaultFirewallRules(),
    };
    list.push(record);
    return this.instanceView(record);
  }

  instances(regionId: string): EmulatorInstance[] {
    return this.instanceRecordsOf(regionId).map((i) => this.instanceView(i));
  }

  findInstance(regionId: string, instanceId: string): EmulatorInstance | undefined {
    const record = this.instanceRecordsOf(regionId).find((i) => i.instanceId === instanceId);
    return record && this.instanceView(record);
  }

  private instanceView(record: InstanceRecord): EmulatorInstance {
    return { ...record, firewallRules: record.firewallRules.map((r) => ({ ...r })) };
  }

  keyPairs(regionId: string): EmulatorKeyPair[] {
    return this.keyPairRecordsOf(regionId).map((k) => this.keyPairView(regionId, k));
  }

  findKeyPair(regionId: string, keyPairName: string): EmulatorKeyPair | undefined {
    const record = this.keyPairRecordsOf(regionId).find((k) => k.keyPairName === keyPairName);
    return record && this.keyPairView(regionId, record);
  }

  /** Throws the service's errors for a name already taken or a full quota. */
  checkCanAddKeyPair(regionId: string, keyPairName: string, quota: number): void {
    const list = this.keyPairRecordsOf(regionId);
    if (list.some((k) => k.keyPairName === keyPairName)) {
      throw new ApiError(400, 'KeyPairNameAlreadyExist', 'The keyPair name already exist.');
    }
    if (list.length >= quota) {
      throw new ApiError(403, 'QuotaExceed.KeyPair', `The number of key pairs in this region has reached the limit of ${quota}.`);
    }
  }

  addKeyPair(
    regionId: string,
    keyPair: { keyPairName: string; publicKey: string; privateKeyBody?: string },
    quota: number,
  ): EmulatorKeyPair {
    this.requireRegion(regionId);
    this.checkCanAddKeyPair(regionId, keyPair.keyPairName, quota);
    const record: KeyPairRecord = {
      keyPairName: keyPair.keyPairName,
      publicKey: keyPair.publicKey,
      fingerprint: md5Fingerprint(keyPair.publicKey),
      creationTime: apiTimestamp(),
      privateKeyBody: keyPair.privateKeyBody,
    };
    this.keyPairRecordsOf(regionId).push(record);
    return this.keyPairView(regionId, record);
  }

  /** Deletes all named key pairs or none: refuses if any is still attached to a server. */
  deleteKeyPairs(regionId: string, keyPairNames: readonly string[]): void {
    const inUse = keyPairNames.filter((name) =>
      this.instanceRecordsOf(regionId).some((i) => i.keyPairName === name),
    );
    if (inUse.length > 0) {
      throw new ApiError(400, 'KeyPair.InUse', `The key pair is still attached to servers; detach it first: ${inUse.join(', ')}.`);
    }
    this.keyPairsByRegion.set(
      regionId,
      this.keyPairRecordsOf(regionId).filter((k) => !keyPairNames.includes(k.keyPairName)),
    );
  }

  /**
   * A server holds one key pair: attaching replaces the previous one in what the API reports at
   * once, but the server's sshd trusts it only after the next restart (docs/swas-api.md, "Restart
   * rule": an attached key pair takes effect only after the server restarts). Seeded key pairs
   * (`effectiveNow`) are as if that restart had already happened.
   */
  async attachKeyPair(regionId: string, keyPairName: string, instanceId: string, effectiveNow = false): Promise<void> {
    const instance = this.requireInstanceRecord(regionId, instanceId);
    const keyPair = this.keyPairRecordsOf(regionId).find((k) => k.keyPairName === keyPairName);
    if (!keyPair) {
      throw new ApiError(404, 'InvalidKeyPairName.NotFound', `The key pair "${keyPairName}" does not exist.`);
    }
    instance.keyPairName = keyPairName;
    if (effectiveNow) {
      await this.applyKeyPair(regionId, instance);
    }
  }

  /**
   * Assumption (ASSUMPTIONS.md): a detach, like an attach, reaches the server's sshd at the next
   * restart; the docs say so only for attach.
   */
  detachKeyPair(regionId: string, instanceId: string): void {
    this.requireInstanceRecord(regionId, instanceId).keyPairName = undefined;
  }

  /** Puts the attached key pair's public key in the server's authorized_keys, as `restartAuthorizedKeys` says. */
  private async applyKeyPair(regionId: string, instance: InstanceRecord): Promise<void> {
    const keyPair = this.keyPairRecordsOf(regionId).find((k) => k.keyPairName === instance.keyPairName);
    instance.effectiveKeyPairName = keyPair?.keyPairName;
    if (this.restartAuthorizedKeys === 'rewrite') {
      await writeAuthorizedKeys(instance.authorizedKeysFile, keyPair ? `${keyPair.publicKey}\n` : '');
      return;
    }
    if (!instance.authorizedKeysFile || !keyPair) {
      return;
    }
    const existing = await readFile(instance.authorizedKeysFile, 'utf8').catch(() => '');
    if (existing.split('\n').some((line) => line.trim() === keyPair.publicKey.trim())) {
      return;
    }
    const separator = existing === '' || existing.endsWith('\n') ? '' : '\n';
    await writeAuthorizedKeys(instance.authorizedKeysFile, `${existing}${separator}${keyPair.publicKey}\n`);
  }

  /**
   * RebootInstance: Running → Stopping → Starting → Running, `delays` apart (statuses the SDK's
   * ListInstances documents). The attached key pair takes effect while starting. Resolves when the
   * server is Running again; rejects if `signal` aborts first.
   */
  async reboot(regionId: string, instanceId: string, delays: RebootDelays, signal: AbortSignal): Promise<void> {
    const instance = this.requireInstanceRecord(regionId, instanceId);
    instance.rebootCount++;
    instance.status = 'Stopping';
    await sleep(delays.stoppingMs, undefined, { signal });
    const failedBoot = this.failingBoots.get(instanceId);
    if (failedBoot) {
      // Assumption (ASSUMPTIONS.md): a restart that fails leaves the server Stopped; whether the
      // attached key took effect is unknown, so tests choose.
      this.failingBoots.delete(instanceId);
      if (failedBoot.keyTakesEffect) {
        await this.applyKeyPair(regionId, instance);
      }
      instance.status = 'Stopped';
      return;
    }
    instance.status = 'Starting';
    await this.applyKeyPair(regionId, instance);
    await sleep(delays.startingMs, undefined, { signal });
    instance.status = 'Running';
  }

  /** StartInstance: Stopped → Starting → Running, `delays.startingMs` apart; the attached key pair takes effect while starting. */
  async start(regionId: string, instanceId: string, delays: RebootDelays, signal: AbortSignal): Promise<void> {
    const instance = this.requireInstanceRecord(regionId, instanceId);
    instance.status = 'Starting';
    await this.applyKeyPair(regionId, instance);
    await sleep(delays.startingMs, undefined, { signal });
    instance.status = 'Running';
  }

  firewallRules(regionId: string, instanceId: string): FirewallRule[] {
    return this.requireInstanceRecord(regionId, instanceId).firewallRules.map((r) => ({ ...r }));
  }

  addFirewallRule(regionId: string, instanceId: string, rule: Omit<FirewallRule, 'ruleId'>): FirewallRule {
    const added = { ...rule, ruleId: randomBytes(16).toString('hex') };
    this.requireInstanceRecord(regionId, instanceId).firewallRules.push(added);
    return { ...added };
  }

  /** Test setup: removes the rules whose port is exactly `port`. */
  removeFirewallRules(regionId: string, instanceId: string, port: string): void {
    const instance = this.requireInstanceRecord(regionId, instanceId);
    instance.firewallRules = instance.firewallRules.filter((r) => r.port !== port);
  }

  /** Stops the server, as a user could in the console: it is Stopped until restarted. */
  stopInConsole(regionId: string, instanceId: string): void {
    this.requireInstanceRecord(regionId, instanceId).status = 'Stopped';
  }

  /** The next Attach/Detach for this server fails for it alone (as when it is being released or changed). */
  failServerOnce(instanceId: string, failure: { code: string; message: string }): void {
    this.serverFailures.set(instanceId, failure);
  }

  /** The next restart of this server stops and does not start again (as a failed boot). */
  failNextBoot(instanceId: string, failure: { keyTakesEffect: boolean }): void {
    this.failingBoots.set(instanceId, failure);
  }

  takeServerFailure(instanceId: string): { code: string; message: string } | undefined {
    const failure = this.serverFailures.get(instanceId);
    this.serverFailures.delete(instanceId);
    return failure;
  }

  private requireInstanceRecord(regionId: string, instanceId: string): InstanceRecord {
    const record = this.instanceRecordsOf(regionId).find((i) => i.instanceId === instanceId);
    if (!record) {
      throw new ApiError(404, 'InvalidInstanceId.NotFound', `The instance "${instanceId}" does not exist.`);
    }
    return record;
  }

  private keyPairView(regionId: string, record: KeyPairRecord): EmulatorKeyPair {
    const instanceIds = this.instanceRecordsOf(regionId)
      .filter((i) => i.keyPairName === record.keyPairName)
      .map((i) => i.instanceId);
    return { ...record, instanceIds };
  }

  private instanceRecordsOf(regionId: string): InstanceRecord[] {
    let list = this.instancesByRegion.get(regionId);
    if (!list) {
      list = [];
      this.instancesByRegion.set(regionId, list);
    }
    return list;
  }

  private keyPairRecordsOf(regionId: string): KeyPairRecord[] {
    let list = this.keyPairsByRegion.get(regionId);
    if (!list) {
      list = [];
      this.keyPairsByRegion.set(regionId, list);
    }
    return list;
  }
}

async function writeAuthorizedKeys(file: string | undefined, content: string): Promise<void> {
  if (!file) {
    return;
  }
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, content, { mode: 0o600 });
  // writeFile's mode applies only when it creates the file; sshd refuses group/world-writable files.
  await chmod(file, 0o600);
}
