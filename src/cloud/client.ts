import type SwasSdk from '@alicloud/swas-open20200601';
import type { RuntimeOptions } from '@darabonba/typescript';
import type { Logger } from '../logger';
import type { ResolvedCredentials } from './credentials';
import { Endpoint, endpointFor } from './endpoint';
import { CloudError, toCloudError } from './errors';
import type { FirewallRule } from './firewall';
import type { PayAsYouGoRegions } from './payAsYouGo';
import type { RateBudget, RateWaitListener } from './rateBudget';
import { isShuttingDown, type Region } from './regions';

export interface KeyPair {
  keyPairName: string;
  publicKey?: string;
  creationTime?: string;
  instanceIds: string[];
}

export interface Instance {
  instanceId: string;
  instanceName: string;
  status: string;
  publicIpAddress?: string;
  innerIpAddress?: string;
  osType?: string;
  imageName?: string;
}

export interface PerServerResult {
  instanceId: string;
  success: boolean;
  code?: string;
  message?: string;
}

export interface CloudAssistantAttributes {
  instanceId: string;
  /** "true" when the agent sent a heartbeat in the last 2 minutes. */
  status?: string;
  version?: string;
}

/** One DescribeInvocationResult answer, as the service sent it (Output still Base64). */
export interface InvocationResult {
  /** InvocationStatus: Pending, Running, Success, Failed, Error, Timeout, Aborted, … */
  status?: string;
  exitCode?: number;
  /** ErrorCode, e.g. ClientNotRunning, DeliveryTimeout, ExitCodeNonzero; undefined when empty. */
  errorCode?: string;
  errorInfo?: string;
  /** Base64. */
  output?: string;
}

export interface CreatedKeyPair {
  keyPairName: string;
  privateKeyBody: string;
  requestId?: string;
}

export interface Timeouts {
  connectMs: number;
  readMs: number;
}

export interface RetryPolicy {
  /** Total tries, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * The SDK's 3 s defaults fail on slow links. Connect covers DNS + TCP + TLS; read covers the
 * service's work (CreateKeyPair generates a key) and the trip back.
 */
export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, readMs: 30_000 };
export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 1_000, maxDelayMs: 10_000 };
/** Throttled answers waited out (each for the rate window to free) before the error reaches the user. */
const MAX_THROTTLED_WAITS = 2;

export interface SwasClientOptions {
  credentials: ResolvedCredentials;
  endpointOverride?: Endpoint;
  /** The RegionEndpoint ListRegions gave for a region, when known (the region cache). */
  listedEndpoint?: (regionId: string) => string | undefined;
  /** ListRegions answers with names in this language. */
  acceptLanguage: 'zh-CN' | 'en-US';
  logger: Logger;
  timeouts?: Timeouts;
  retry?: RetryPolicy;
  /** Waits between retries; default a real timer (tests record the delays instead). */
  sleep?: (ms: number) => Promise<void>;
  /**
   * The account's rate budget (Services has one): every call waits for it, and a throttled answer
   * waits for the rate window instead of the backoff. Absent: calls are sent at once.
   */
  budget?: RateBudget;
  /** Hears of each wait for the rate budget. */
  onRateWait?: RateWaitListener;
  /** Where pay-as-you-go servers were found (Services has one); absent: every listing asks for them too. */
  payAsYouGo?: PayAsYouGoRegions;
}

type SdkModule = typeof import('@alicloud/swas-open20200601');

// The SDK and credentials library weigh most of the bundle: load them on the first call, not at activation.
let sdkModule: Promise<SdkModule> | undefined;
function loadSdk(): Promise<SdkModule> {
  sdkModule ??= import('@alicloud/swas-open20200601');
  return sdkModule;
}

/** ListInstances documents PageSize ≤ 100 (docs/swas-api.md, "Pagination (PageSize, TotalCount)"). */
const INSTANCES_PAGE_SIZE = 100;
/**
 * ListKeyPairs states no maximum PageSize: ask for the usual default, 10, which is also the
 * per-region quota, so one page is the common case and no undocumented maximum is relied on.
 */
const KEY_PAIRS_PAGE_SIZE = 10;

/**
 * A short page ends a listing; so does reaching TotalCount, when the answer has one. The docs do
 * not promise TotalCount is always sent, so without it a full page means "ask for the next".
 */
function isLastPage(batchLength: number, pageSize: number, collected: number, totalCount: number | undefined): boolean {
  return batchLength < pageSize || (typeof totalCount === 'number' && collected >= totalCount);
}

/** DescribeCloudAssistantAttributes states no maximum PageSize: its example, 10. */
const CLOUD_ASSISTANT_PAGE_SIZE = 10;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class SwasClient {
  private readonly clients = new Map<string, Promise<SwasSdk>>();
  private readonly timeouts: Timeouts;
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: SwasClientOptions) {
    this.timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.sleep = options.sleep ?? realSleep;
  }

  private sdkFor(regionId: string): Promise<SwasSdk> {
    let client = this.clients.get(regionId);
    if (!client) {
      client = this.createSdk(regionId);
      this.clients.set(regionId, client);
    }
    return client;
  }

  private async createSdk(regionId: string): Promise<SwasSdk> {
    const sdk = await loadSdk();
    const { $OpenApiUtil } = await import('@alicloud/openapi-core');
    const endpoint = endpointFor(regionId, this.options.endpointOverride, this.options.listedEndpoint?.(regionId));
    const config = new $OpenApiUtil.Config({
      endpoint: endpoint.host,
      protocol: endpoint.protocol,
      regionId,
      // The one place the timeouts are set: the SDK uses these when a call's RuntimeOptions has none.
      connectTimeout: this.timeouts.connectMs,
      readTimeout: this.timeouts.readMs,
      // The very Credential the chain was checked with: the SDK signs with what it yields.
      credential: this.options.credentials.credential,
    });
    return new sdk.default(config);
  }

  /**
   * Runs one API call, retrying transient failures a bounded number of times. Callers that act
   * (create, attach, ...) pass a ClientToken made once per user action, so a retry after a lost
   * response returns the first result instead of acting twice.
   */
  private async call<T>(
    action: string,
    regionId: string,
    run: (sdk: SwasSdk, runtime: RuntimeOptions) => Promise<T>,
    onTransientFailure?: () => void,
  ): Promise<T> {
    const sdk = await this.sdkFor(regionId);
    const dara = await import('@darabonba/typescript');
    const runtime = new dara.RuntimeOptions({});
    const { budget, onRateWait } = this.options;
    const account = this.options.credentials.accessKeyId;
    let failures = 0;
    let throttledWaits = 0;
    for (let attempt = 1; ; attempt++) {
      const slot = await budget?.take(account, action, onRateWait);
      const started = Date.now();
      try {
        const result = await run(sdk, runtime);
        slot?.answered();
        const requestId = (result as { body?: { requestId?: string } }).body?.requestId;
        this.options.logger.info(`${action} ${regionId}: ok in ${Date.now() - started} ms (request id ${requestId ?? 'none'})`);
        return result;
      } catch (raw) {
        const error = toCloudError(raw, action);
        // nothing reached the service, so it counted nothing: a dead endpoint's retries must not spend the budget
        if (error.kind === 'connectionRefused' || error.kind === 'dnsFailure') slot?.notSent();
        else slot?.answered();
        const { code, requestId, statusCode } = error.details;
        this.options.logger.warn(
          `${action} ${regionId}: ${error.kind} after ${Date.now() - started} ms (attempt ${attempt}/${this.retry.attempts}` +
            `${statusCode ? `, HTTP ${statusCode}` : ''}${code ? `, code ${code}` : ''}${requestId ? `, request id ${requestId}` : ''})`,
        );
        if (error.transient) {
          onTransientFailure?.();
        }
        // Another tool spent the account's budget: a retry a few seconds later falls in the same full window.
        if (budget && error.kind === 'throttled') {
          if (++throttledWaits > MAX_THROTTLED_WAITS) {
            throw error;
          }
          await budget.waitAfterThrottled(action, onRateWait);
          continue;
        }
        if (!error.transient || ++failures >= this.retry.attempts) {
          throw error;
        }
        const backoff = Math.min(this.retry.baseDelayMs * 2 ** (failures - 1), this.retry.maxDelayMs);
        await this.sleep(Math.min(error.details.retryAfterMs ?? backoff, this.retry.maxDelayMs));
      }
    }
  }

  async listRegions(): Promise<Region[]> {
    // ListRegions is served by every regional endpoint; ask the one nearest most users.
    const sdk = await loadSdk();
    const response = await this.call('ListRegions', 'cn-hangzhou', (client, runtime) =>
      client.listRegionsWithOptions(new sdk.ListRegionsRequest({ acceptLanguage: this.options.acceptLanguage }), runtime),
    );
    return (response.body?.regions ?? [])
      .filter((r) => r.regionId)
      .map((r) => ({ regionId: r.regionId!, localName: r.localName ?? r.regionId!, endpoint: r.regionEndpoint, ...(isShuttingDown(r.localName ?? '') ? { shuttingDown: true } : {}) }));
  }

  async listKeyPairs(regionId: string, keyPairName?: string): Promise<KeyPair[]> {
    const sdk = await loadSdk();
    const keyPairs: KeyPair[] = [];
    for (let page = 1; ; page++) {
      const response = await this.call('ListKeyPairs', regionId, (client, runtime) =>
        client.listKeyPairsWithOptions(new sdk.ListKeyPairsRequest({ regionId, keyPairName, pageNumber: page, pageSize: KEY_PAIRS_PAGE_SIZE }), runtime),
      );
      const batch = response.body?.keyPairs ?? [];
      for (const k of batch) {
        keyPairs.push({ keyPairName: k.keyPairName ?? '', publicKey: k.publicKey, creationTime: k.creationTime, instanceIds: k.instanceIds ?? [] });
      }
      if (isLastPage(batch.length, KEY_PAIRS_PAGE_SIZE, keyPairs.length, response.body?.totalCount)) {
        return keyPairs;
      }
    }
  }

  /**
   * `onTransientFailure`: called when a try ended without a usable answer (it may have acted), so
   * the caller knows a later "name exists" may be its own key pair.
   */
  async createKeyPair(regionId: string, keyPairName: string, clientToken: string, onTransientFailure?: () => void): Promise<CreatedKeyPair> {
    const sdk = await loadSdk();
    const response = await this.call(
      'CreateKeyPair',
      regionId,
      (client, runtime) => client.createKeyPairWithOptions(new sdk.CreateKeyPairRequest({ regionId, keyPairName, clientToken }), runtime),
      onTransientFailure,
    );
    const body = response.body;
    if (!body?.privateKeyBody) {
      throw new MissingPrivateKeyError(body?.requestId);
    }
    return { keyPairName: body.keyPairName ?? keyPairName, privateKeyBody: body.privateKeyBody, requestId: body.requestId };
  }

  async importKeyPair(regionId: string, keyPairName: string, publicKeyBody: string, clientToken: string): Promise<void> {
    const sdk = await loadSdk();
    await this.call('ImportKeyPair', regionId, (client, runtime) =>
      client.importKeyPairWithOptions(new sdk.ImportKeyPairRequest({ regionId, keyPairName, publicKeyBody, clientToken }), runtime),
    );
  }

  async deleteKeyPairs(regionId: string, keyPairNames: string[], clientToken: string): Promise<void> {
    const sdk = await loadSdk();
    await this.call('DeleteKeyPairs', regionId, (client, runtime) =>
      client.deleteKeyPairsWithOptions(new sdk.DeleteKeyPairsRequest({ regionId, keyPairNames, clientToken }), runtime),
    );
  }

  async attachKeyPair(regionId: string, keyPairName: string, instanceIds: string[], clientToken: string): Promise<PerServerResult[]> {
    const sdk = await loadSdk();
    const response = await this.call('AttachKeyPair', regionId, (client, runtime) =>
      client.attachKeyPairWithOptions(new sdk.AttachKeyPairRequest({ regionId, keyPairName, instanceIds, clientToken }), runtime),
    );
    return perServerResults(response.body?.results, instanceIds);
  }

  async detachKeyPair(regionId: string, keyPairName: string, instanceIds: string[], clientToken: string): Promise<PerServerResult[]> {
    const sdk = await loadSdk();
    const response = await this.call('DetachKeyPair', regionId, (client, runtime) =>
      client.detachKeyPairWithOptions(new sdk.DetachKeyPairRequest({ regionId, keyPairName, instanceIds, clientToken }), runtime),
    );
    return perServerResults(response.body?.results, instanceIds);
  }

  /**
   * Subscription servers, then pay-as-you-go ones where the region may have some (`payAsYouGo`). A refusal
   * of ChargeType=PostPaid (the pages name only PrePaid) counts as none.
   */
  async listInstances(regionId: string): Promise<Instance[]> {
    const subscription = await this.listInstancesCharged(regionId, 'PrePaid');
    const account = this.options.credentials.accessKeyId;
    const memory = this.options.payAsYouGo;
    if (memory && !memory.shouldAsk(account, regionId)) {
      return subscription;
    }
    let payAsYouGo: Instance[] = [];
    try {
      payAsYouGo = await this.listInstancesCharged(regionId, 'PostPaid');
    } catch (error) {
      if (!(error instanceof CloudError && (error.kind === 'invalidParameter' || (error.kind === 'unknown' && isClientError(error))))) {
        throw error;
      }
    }
    memory?.record(account, regionId, payAsYouGo.length > 0);
    const listed = new Set(subscription.map((i) => i.instanceId));
    return [...subscription, ...payAsYouGo.filter((i) => !listed.has(i.instanceId))];
  }

  private async listInstancesCharged(regionId: string, chargeType: 'PrePaid' | 'PostPaid'): Promise<Instance[]> {
    const sdk = await loadSdk();
    const instances: Instance[] = [];
    for (let page = 1; ; page++) {
      const response = await this.call('ListInstances', regionId, (client, runtime) =>
        client.listInstancesWithOptions(new sdk.ListInstancesRequest({ regionId, chargeType, pageNumber: page, pageSize: INSTANCES_PAGE_SIZE }), runtime),
      );
      const batch = response.body?.instances ?? [];
      for (const i of batch) {
        instances.push({
          instanceId: i.instanceId ?? '',
          instanceName: i.instanceName || i.instanceId || '',
          status: i.status ?? '',
          publicIpAddress: i.publicIpAddress || undefined,
          innerIpAddress: i.innerIpAddress || undefined,
          osType: i.image?.osType,
          imageName: i.image?.imageName,
        });
      }
      if (isLastPage(batch.length, INSTANCES_PAGE_SIZE, instances.length, response.body?.totalCount)) {
        return instances;
      }
    }
  }

  /**
   * The key pair the server holds. The page does not say how a server without one is answered
   * (docs/swas-api.md, "Key pairs"): an empty answer, or a refusal the client does not place
   * (a 4xx not about the server itself), is taken from ListKeyPairs' InstanceIds instead; a key
   * pair listing the server there is its key pair, none means none.
   */
  async describeInstanceKeyPair(regionId: string, instanceId: string): Promise<{ keyPairName?: string; fingerprint?: string }> {
    const sdk = await loadSdk();
    try {
      const response = await this.call('DescribeInstanceKeyPair', regionId, (client, runtime) =>
        client.describeInstanceKeyPairWithOptions(new sdk.DescribeInstanceKeyPairRequest({ regionId, instanceId }), runtime),
      );
      return { keyPairName: response.body?.keyPairName || undefined, fingerprint: response.body?.fingerprint || undefined };
    } catch (error) {
      if (!(error instanceof CloudError && isNoKeyPairRefusal(error))) {
        throw error;
      }
      const holder = (await this.listKeyPairs(regionId)).find((k) => k.instanceIds.includes(instanceId));
      return { keyPairName: holder?.keyPairName, fingerprint: undefined };
    }
  }

  /**
   * The statuses of these servers now, by ID, with one ListInstanceStatus call per 100 of them (the
   * SDK's request model); a server not in the answer has none.
   */
  async instanceStatuses(regionId: string, instanceIds: string[]): Promise<Map<string, string>> {
    const sdk = await loadSdk();
    const statuses = new Map<string, string>();
    for (let start = 0; start < instanceIds.length; start += INSTANCES_PAGE_SIZE) {
      const ids = instanceIds.slice(start, start + INSTANCES_PAGE_SIZE);
      const response = await this.call('ListInstanceStatus', regionId, (client, runtime) =>
        client.listInstanceStatusWithOptions(
          new sdk.ListInstanceStatusRequest({ regionId, instanceIds: JSON.stringify(ids), pageSize: INSTANCES_PAGE_SIZE }),
          runtime,
        ),
      );
      for (const s of response.body?.instanceStatuses ?? []) {
        if (s.instanceId && s.status && ids.includes(s.instanceId)) {
          statuses.set(s.instanceId, s.status);
        }
      }
    }
    return statuses;
  }

  /** ListFirewallRules pages hold at most 100 rules (the SDK's request model). */
  async listFirewallRules(regionId: string, instanceId: string): Promise<FirewallRule[]> {
    const sdk = await loadSdk();
    const rules: FirewallRule[] = [];
    for (let page = 1; ; page++) {
      const response = await this.call('ListFirewallRules', regionId, (client, runtime) =>
        client.listFirewallRulesWithOptions(new sdk.ListFirewallRulesRequest({ regionId, instanceId, pageNumber: page, pageSize: 100 }), runtime),
      );
      const batch = response.body?.firewallRules ?? [];
      rules.push(...batch.map((r) => ({ ruleId: r.ruleId, ruleProtocol: r.ruleProtocol, port: r.port, sourceCidrIp: r.sourceCidrIp, policy: r.policy })));
      if (isLastPage(batch.length, 100, rules.length, response.body?.totalCount)) {
        return rules;
      }
    }
  }

  async createFirewallRule(regionId: string, instanceId: string, rule: { ruleProtocol: string; port: string; remark: string }, clientToken: string): Promise<string | undefined> {
    const sdk = await loadSdk();
    const response = await this.call('CreateFirewallRule', regionId, (client, runtime) =>
      client.createFirewallRuleWithOptions(new sdk.CreateFirewallRuleRequest({ regionId, instanceId, ...rule, clientToken }), runtime),
    );
    return response.body?.firewallId;
  }

  async rebootInstance(regionId: string, instanceId: string, clientToken: string): Promise<void> {
    const sdk = await loadSdk();
    await this.call('RebootInstance', regionId, (client, runtime) =>
      client.rebootInstanceWithOptions(new sdk.RebootInstanceRequest({ regionId, instanceId, clientToken }), runtime),
    );
  }

  /** Up to 100 Running servers of one region in one call (the SDK's request model). */
  async rebootInstances(regionId: string, instanceIds: string[], clientToken: string): Promise<void> {
    const sdk = await loadSdk();
    await this.call('RebootInstances', regionId, (client, runtime) =>
      client.rebootInstancesWithOptions(new sdk.RebootInstancesRequest({ regionId, instanceIds: JSON.stringify(instanceIds), clientToken }), runtime),
    );
  }

  /** Starts a Stopped server (a Stopped server cannot be restarted). */
  async startInstance(regionId: string, instanceId: string, clientToken: string): Promise<void> {
    const sdk = await loadSdk();
    await this.call('StartInstance', regionId, (client, runtime) =>
      client.startInstanceWithOptions(new sdk.StartInstanceRequest({ regionId, instanceId, clientToken }), runtime),
    );
  }

  /** Cloud Assistant agent per server: CloudAssistantStatus "true" when it sent a heartbeat in the last 2 minutes. */
  async describeCloudAssistantAttributes(regionId: string, instanceIds: string[]): Promise<CloudAssistantAttributes[]> {
    const sdk = await loadSdk();
    const agents: CloudAssistantAttributes[] = [];
    for (let page = 1; ; page++) {
      const response = await this.call('DescribeCloudAssistantAttributes', regionId, (client, runtime) =>
        client.describeCloudAssistantAttributesWithOptions(
          new sdk.DescribeCloudAssistantAttributesRequest({ regionId, instanceIds, pageNumber: page, pageSize: CLOUD_ASSISTANT_PAGE_SIZE }),
          runtime,
        ),
      );
      const batch = response.body?.cloudAssistant ?? [];
      agents.push(...batch.map((a) => ({ instanceId: a.instanceId ?? '', status: a.cloudAssistantStatus, version: a.cloudAssistantVersion })));
      if (isLastPage(batch.length, CLOUD_ASSISTANT_PAGE_SIZE, agents.length, response.body?.totalCount)) {
        return agents;
      }
    }
  }

  /**
   * Runs a shell script as `workingUser` on a Linux server; resolves to the InvokeId. RunCommand takes no
   * ClientToken: a retry after a lost answer may run the script twice, so every script sent must allow that.
   */
  async runCommand(regionId: string, instanceId: string, command: { name: string; content: string; timeoutSeconds: number; workingUser: string }): Promise<string> {
    const sdk = await loadSdk();
    const response = await this.call('RunCommand', regionId, (client, runtime) =>
      client.runCommandWithOptions(
        new sdk.RunCommandRequest({ regionId, instanceId, name: command.name, type: 'RunShellScript', commandContent: command.content, timeout: command.timeoutSeconds, workingUser: command.workingUser }),
        runtime,
      ),
    );
    const invokeId = response.body?.invokeId;
    if (!invokeId) {
      throw new CloudError('badResponse', 'RunCommand', 'RunCommand answered without an InvokeId.', { requestId: response.body?.requestId });
    }
    return invokeId;
  }

  async describeInvocationResult(regionId: string, instanceId: string, invokeId: string): Promise<InvocationResult> {
    const sdk = await loadSdk();
    const response = await this.call('DescribeInvocationResult', regionId, (client, runtime) =>
      client.describeInvocationResultWithOptions(new sdk.DescribeInvocationResultRequest({ regionId, instanceId, invokeId }), runtime),
    );
    const result = response.body?.invocationResult;
    return { status: result?.invocationStatus, exitCode: result?.exitCode, errorCode: result?.errorCode || undefined, errorInfo: result?.errorInfo || undefined, output: result?.output };
  }
}

/** CreateKeyPair succeeded without PrivateKeyBody: the key pair exists, its private key is not here. */
export class MissingPrivateKeyError extends CloudError {
  constructor(requestId: string | undefined) {
    super('badResponse', 'CreateKeyPair', 'CreateKeyPair answered without a private key.', { requestId });
    this.name = 'MissingPrivateKeyError';
  }
}

function isClientError(error: CloudError): boolean {
  const { statusCode } = error.details;
  return statusCode !== undefined && statusCode >= 400 && statusCode < 500;
}

/** A refusal the client does not place, other than a missing server's `InvalidInstanceId.*` (still an error). */
function isNoKeyPairRefusal(error: CloudError): boolean {
  return error.kind === 'unknown' && isClientError(error) && !/^InvalidInstanceId/i.test(error.details.code ?? '');
}

/**
 * `Success` and `Code` are strings on the wire: a call can succeed while one server fails. The API pages
 * write "true", the SDK's DetachKeyPair example "True" (docs/swas-api.md, "Key pairs"): compared without case.
 */
function perServerResults(
  results: Array<{ instanceId?: string; success?: string; code?: string; message?: string }> | undefined,
  requested: string[],
): PerServerResult[] {
  const byId = new Map((results ?? []).map((r) => [r.instanceId ?? '', r]));
  return requested.map((instanceId) => {
    const r = byId.get(instanceId);
    return { instanceId, success: r?.success?.toLowerCase() === 'true', code: r?.code, message: r ? r.message : 'No result was returned for this server.' };
  });
}
