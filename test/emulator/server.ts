import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ACTIONS, Params, type ActionSettings, type AgentDownAnswer, type ResponseBody, type SuccessText } from './actions';
import {
  CloudAssistant,
  DEFAULT_INVOCATION_TIMING,
  type AgentView,
  type Invocation,
  type InvocationFailure,
  type InvocationStatus,
  type InvocationTiming,
} from './cloudAssistant';
import { endConnections, trackConnections } from './connections';
import { DEFAULT_RATE_WINDOW_MS, RateLimiter } from './rateLimits';
import { ApiError, invalidParameter } from './errors';
import type { PrivateKeyFormat } from './keys';
import { RequestVerifier, type AccessKeyRecord } from './signature';
import {
  EmulatorState,
  type EmulatorInstance,
  type FirewallRule,
  type RebootDelays,
  type EmulatorKeyPair,
  type EmulatorRegion,
  type NewInstance,
  type RestartAuthorizedKeys,
} from './state';

export type {
  AgentDownAnswer,
  AgentView,
  EmulatorInstance,
  EmulatorKeyPair,
  EmulatorRegion,
  FirewallRule,
  Invocation,
  InvocationFailure,
  InvocationStatus,
  InvocationTiming,
  NewInstance,
  PrivateKeyFormat,
  RebootDelays,
  RestartAuthorizedKeys,
};

export const API_VERSION = '2020-06-01';
/** Short, so a test's restart costs little; tests that watch the statuses set longer ones. */
export const DEFAULT_REBOOT_DELAYS: RebootDelays = { stoppingMs: 200, startingMs: 200 };
/** Owner id of the single emulated account. */
export const EMULATOR_ACCOUNT_ID = '1234567890123456';

export interface EmulatorOptions {
  /** 0 or absent: a random free port. */
  readonly port?: number;
  readonly privateKeyFormat?: PrivateKeyFormat;
  /** Key pairs per region. */
  readonly quota?: number;
  /** One line per request; never contains secrets. */
  readonly logRequests?: (line: string) => void;
  /** Serve HTTPS with this key and certificate (test/emulator/tls.ts) instead of HTTP. */
  readonly tls?: { readonly key: string; readonly cert: string };
  /** Address to listen on; default 127.0.0.1. */
  readonly host?: string;
  /** The regions ListRegions returns; default DEFAULT_REGIONS (state.ts). */
  readonly regions?: readonly EmulatorRegion[];
  /**
   * Calls per `rateWindowMs` per account and action (e.g. DOCUMENTED_RATE_LIMITS, rateLimits.ts); beyond
   * it the call is answered 400 Throttling.User without acting. Absent: no action is limited.
   */
  readonly rateLimits?: Readonly<Record<string, number>>;
  /** Actions without a figure in `rateLimits` get the strictest published one (rateLimits.ts). */
  readonly strictLimits?: boolean;
  /** The span the limits count in, in real ms; default 60 000 (tests pass a shorter one for their faster clock). */
  readonly rateWindowMs?: number;
  /** How long a RunCommand invocation is Pending, and one second of its Timeout in real ms (cloudAssistant.ts). */
  readonly invocationTiming?: Partial<InvocationTiming>;
}

export interface EmulatorCall {
  /** From x-acs-action; empty if the request named none. */
  readonly action: string;
  readonly regionId?: string;
  /** Decoded query parameters (the RPC parameters; no credentials travel there). */
  readonly query: Readonly<Record<string, string>>;
  readonly accessKeyId?: string;
  /** The `Signature=` the client sent in Authorization, so tests can check it never reaches a log. */
  readonly signature?: string;
  /** x-acs-security-token as received (an STS token; test-only record, never logged). */
  readonly securityToken?: string;
  /** The Host header the client sent. */
  readonly host?: string;
  readonly signatureValid: boolean;
  readonly clientToken?: string;
  /** HTTP status sent; 0 when the connection was dropped without a response. */
  readonly status: number;
  readonly code?: string;
  readonly requestId: string;
  /** Epoch ms when the request arrived. */
  readonly at: number;
  /** Refused by the rate limits (not by an injected fault). */
  readonly throttled?: boolean;
}

export interface AccessDeniedDetail {
  readonly PolicyType: string;
  readonly AuthPrincipalOwnerId: string;
  readonly AuthPrincipalType: string;
  readonly AuthPrincipalDisplayName: string;
  readonly NoPermissionType: string;
  readonly AuthAction: string;
  readonly EncodedDiagnosticMessage: string;
}

/**
 * A misbehaviour for the next matching request(s), consumed in order:
 * - delay: wait `ms`, then act normally.
 * - dropBeforeAct / dropAfterAct: close the socket without a response, before or after acting.
 * - status: respond `status` (default 503) and `code` without acting.
 * - throttle: 400 Throttling.User without acting; `retryAfter` ms goes to the x-acs-retry-after header.
 * - malformed: act, then send the response (200 when the action succeeds) cut off mid-JSON.
 * - html: a gateway's 502 HTML page, without acting.
 * - error: any `status`/`code`/`message` (e.g. QuotaExceed), without acting.
 * - nullBody: act, then send 200 with the JSON body `null` (a proxy that lost the body).
 * - rewrite: act, then send the answer's JSON body as `rewrite` returns it (fields the docs list
 *   but do not promise left out, or entries the filter asked for should have dropped).
 */
export interface EmulatorFault {
  /** Absent: any action. */
  readonly action?: string;
  /** How many matching requests it applies to; default 1. */
  readonly times?: number;
  readonly kind: 'delay' | 'dropAfterAct' | 'dropBeforeAct' | 'status' | 'throttle' | 'malformed' | 'html' | 'error' | 'nullBody' | 'rewrite';
  readonly ms?: number;
  /** For rewrite: takes the parsed JSON body (a fresh copy) and returns the body to send. */
  readonly rewrite?: (body: Record<string, unknown>) => unknown;
  readonly status?: number;
  readonly code?: string;
  readonly message?: string;
  readonly retryAfter?: number;
}

/**
 * What a CreateKeyPair replayed with the same ClientToken answers. The idempotence doc promises
 * "the same result" but not that the private key is sent twice (ASSUMPTIONS.md):
 * - sameResult: the first answer again, private key included (the emulator's default);
 * - nameExists: KeyPairNameAlreadyExist, as if the replay were a new request;
 * - emptyKey: the first answer without PrivateKeyBody.
 */
export type CreateReplay = 'sameResult' | 'nameExists' | 'emptyKey';

interface Outcome {
  readonly status: number;
  readonly code?: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

type MutableCall = { -readonly [K in keyof EmulatorCall]: EmulatorCall[K] };

interface IdempotentResult {
  readonly fingerprint: string;
  readonly result: Promise<ResponseBody>;
}

function decodeQuery(url: string): { path: string; query: Record<string, string> } {
  const questionMark = url.indexOf('?');
  const path = questionMark < 0 ? url : url.slice(0, questionMark);
  const query: Record<string, string> = {};
  if (questionMark >= 0) {
    for (const pair of url.slice(questionMark + 1).split('&')) {
      if (pair === '') {
        continue;
      }
      const eq = pair.indexOf('=');
      const rawKey = eq < 0 ? pair : pair.slice(0, eq);
      const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
      try {
        query[decodeURIComponent(rawKey)] = decodeURIComponent(rawValue);
      } catch {
        throw new ApiError(400, 'InvalidParameter', `The query parameter "${rawKey}" is not correctly percent-encoded.`);
      }
    }
  }
  return { path, query };
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function regionHost(region: EmulatorRegion): string {
  return (region.regionEndpoint ?? `swas.${region.regionId}.aliyuncs.com`).toLowerCase();
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A local HTTP server that speaks the SWAS OpenAPI (swas-open 2020-06-01) to the unmodified SDK. */
export class SwasEmulator {
  readonly calls: EmulatorCall[] = [];
  readonly url: string;
  readonly port: number;

  private readonly state = new EmulatorState();
  private readonly cloudAssistant = new CloudAssistant();
  private agentDownAnswer: AgentDownAnswer = 'invocationFails';
  private readonly accessKeys = new Map<string, AccessKeyRecord>();
  private readonly verifier = new RequestVerifier((id) => this.accessKeys.get(id));
  private readonly denials = new Map<string, AccessDeniedDetail>();
  private readonly idempotentResults = new Map<string, IdempotentResult>();
  private faults: { fault: EmulatorFault; remaining: number }[] = [];
  private createReplay: CreateReplay = 'sameResult';
  private rememberFailures = false;
  private omitTotalCount = false;
  private importRefusesEd25519 = false;
  private successText: SuccessText = 'true';
  private noKeyPairRefused = false;
  private readonly failedTokens = new Map<string, Outcome>();
  private latencyMs = 0;
  private readonly regionLatencyMs = new Map<string, number>();
  private privateKeyFormat: PrivateKeyFormat;
  private rebootDelays: RebootDelays = DEFAULT_REBOOT_DELAYS;
  private readonly quota: number;
  private readonly rateLimiter: RateLimiter;
  private readonly log?: (line: string) => void;
  // Cancels pending delays on stop() so no timer outlives the server.
  private readonly stopping = new AbortController();

  private constructor(
    private readonly server: Server,
    options: EmulatorOptions,
  ) {
    const address = server.address() as AddressInfo;
    this.port = address.port;
    this.url = `${options.tls ? 'https' : 'http'}://${address.address}:${this.port}`;
    this.privateKeyFormat = options.privateKeyFormat ?? 'pkcs1-pem';
    this.quota = options.quota ?? 10;
    this.rateLimiter = new RateLimiter({
      limits: options.rateLimits ?? {},
      strict: options.strictLimits ?? false,
      windowMs: options.rateWindowMs ?? DEFAULT_RATE_WINDOW_MS,
    });
    this.log = options.logRequests;
    this.cloudAssistant.timing = { ...DEFAULT_INVOCATION_TIMING, ...options.invocationTiming };
    if (options.regions) {
      this.state.setRegions(options.regions);
    }
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      this.handle(request, response).catch((error: unknown) => {
        // A delay cut short by stop() is expected; anything else is an emulator bug worth seeing.
        if (!this.stopping.signal.aborted) {
          this.log?.(`emulator failure: ${(error as Error).stack ?? String(error)}`);
        }
        response.destroy();
      });
    });
  }

  static async start(options: EmulatorOptions = {}): Promise<SwasEmulator> {
    // RunCommand carries its script (up to 16 KB Base64) in the query, percent-encoded: beyond Node's 16 KB default.
    const maxHeaderSize = 256 * 1024;
    const server = trackConnections(
      options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert, maxHeaderSize }) : createServer({ maxHeaderSize }),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new SwasEmulator(server, options);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    const closed = new Promise<void>((resolve, reject) =>
      this.server.close((error) => (error ? reject(error) : resolve())),
    );
    endConnections(this.server);
    await closed;
  }

  // ---- calls -------------------------------------------------------------------------------

  callsOf(action: string): EmulatorCall[] {
    return this.calls.filter((call) => call.action === action);
  }

  clearCalls(): void {
    this.calls.length = 0;
  }

  /** The calls the rate limits refused. */
  throttledCalls(): EmulatorCall[] {
    return this.calls.filter((call) => call.throttled);
  }

  /** The most calls of `action` the emulator admitted in any one rate window. */
  peakPerWindow(action: string): number {
    return this.rateLimiter.peakPerWindow(action);
  }

  // ---- credentials and permissions ---------------------------------------------------------

  addAccessKey(key: { id: string; secret: string; active?: boolean; securityToken?: string }): void {
    this.accessKeys.set(key.id, {
      id: key.id,
      secret: key.secret,
      active: key.active ?? true,
      securityToken: key.securityToken,
      securityTokenExpired: false,
    });
  }

  setAccessKeyActive(id: string, active: boolean): void {
    this.requireAccessKey(id).active = active;
  }

  expireSecurityToken(id: string): void {
    const key = this.requireAccessKey(id);
    if (key.securityToken === undefined) {
      throw new Error(`access key ${id} has no security token`);
    }
    key.securityTokenExpired = true;
  }

  /** Makes `action` fail with Forbidden.RAM (403) for this access key, as a RAM user without the permission. */
  denyAction(accessKeyId: string, action: string, detail: Partial<AccessDeniedDetail> = {}): void {
    const diagnostic = { AuthAction: `swas-open:${action}`, AccessKeyId: accessKeyId, Reason: 'ImplicitDeny' };
    this.denials.set(`${accessKeyId}\n${action}`, {
      PolicyType: 'AccountLevelIdentityBasedPolicy',
      AuthPrincipalOwnerId: EMULATOR_ACCOUNT_ID,
      AuthPrincipalType: 'SubUser',
      AuthPrincipalDisplayName: 'swas-emulator-user',
      NoPermissionType: 'ImplicitDeny',
      AuthAction: `swas-open:${action}`,
      EncodedDiagnosticMessage: Buffer.from(JSON.stringify(diagnostic)).toString('base64'),
      ...detail,
    });
  }

  private requireAccessKey(id: string): AccessKeyRecord {
    const key = this.accessKeys.get(id);
    if (!key) {
      throw new Error(`unknown access key ${id}`);
    }
    return key;
  }

  /** The access key's secret and token, for the STS emulator's check of AssumeRole signatures. */
  accessKey(id: string): { secret: string; securityToken?: string } | undefined {
    const key = this.accessKeys.get(id);
    return key?.active ? { secret: key.secret, securityToken: key.securityToken } : undefined;
  }

  /** Every host name a client may use for this emulator's regions (for certificates and hosts files). */
  endpointHosts(): string[] {
    return this.state.regions.flatMap((region) => [regionHost(region), `swas-vpc.${region.regionId}.aliyuncs.com`]);
  }

  // ---- world state -------------------------------------------------------------------------

  setRegions(regions: readonly EmulatorRegion[]): void {
    this.state.setRegions(regions);
  }

  addInstance(regionId: string, instance: NewInstance): EmulatorInstance {
    return this.state.addInstance(regionId, instance);
  }

  instances(regionId: string): EmulatorInstance[] {
    return this.state.instances(regionId);
  }

  keyPairs(regionId: string): EmulatorKeyPair[] {
    return this.state.keyPairs(regionId);
  }

  /** Seeds a key pair that exists "before" the test: imported from `publicKey`, attached to `instanceIds`. */
  async addKeyPair(
    regionId: string,
    keyPair: { keyPairName: string; publicKey: string; instanceIds?: readonly string[] },
  ): Promise<EmulatorKeyPair> {
    this.state.addKeyPair(regionId, { keyPairName: keyPair.keyPairName, publicKey: keyPair.publicKey }, this.quota);
    for (const instanceId of keyPair.instanceIds ?? []) {
      await this.state.attachKeyPair(regionId, keyPair.keyPairName, instanceId, true);
    }
    return this.state.findKeyPair(regionId, keyPair.keyPairName)!;
  }

  /**
   * Attaches an existing key pair to a server the way the console (or another tool) does: no call
   * reaches this emulator's API log, and, as with AttachKeyPair, the server trusts it only after
   * its next restart (ASSUMPTIONS.md: the console and the API change the same attachment).
   */
  async attachKeyPairInConsole(regionId: string, keyPairName: string, instanceId: string): Promise<void> {
    await this.state.attachKeyPair(regionId, keyPairName, instanceId);
  }

  /** How long each restart stays Stopping, then Starting, before it is Running again. */
  setRebootDelays(delays: RebootDelays): void {
    this.rebootDelays = delays;
  }

  firewallRules(regionId: string, instanceId: string): FirewallRule[] {
    return this.state.firewallRules(regionId, instanceId);
  }

  /** Seeds a firewall rule, as a user could add one in the console. */
  addFirewallRule(regionId: string, instanceId: string, rule: Omit<FirewallRule, 'ruleId'>): FirewallRule {
    return this.state.addFirewallRule(regionId, instanceId, rule);
  }

  /** Removes the server's firewall rules for exactly this port (e.g. '22'), as a user could in the console. */
  removeFirewallRules(regionId: string, instanceId: string, port: string): void {
    this.state.removeFirewallRules(regionId, instanceId, port);
  }

  setPrivateKeyFormat(format: PrivateKeyFormat): void {
    this.privateKeyFormat = format;
  }

  setCreateReplay(mode: CreateReplay): void {
    this.createReplay = mode;
  }

  /**
   * On: ListKeyPairs and ListInstances answer without TotalCount. The API pages list TotalCount in both
   * answers (docs/swas-api.md, "Pagination (PageSize, TotalCount)") but are silent on whether it is
   * always present (assumption, the other way from the default), so the client must page correctly
   * with or without it.
   */
  setOmitTotalCount(on: boolean): void {
    this.omitTotalCount = on;
  }

  /**
   * On: a refused (4xx, not throttled) request's ClientToken keeps its refusal, so a retry with
   * the same token is refused again even after the cause is fixed (assumption, the other way from
   * the default: the idempotence doc does not say whether failures are remembered).
   */
  setRememberFailures(on: boolean): void {
    this.rememberFailures = on;
  }

  /**
   * On: ImportKeyPair refuses ssh-ed25519 as it refuses ECDSA and DSA (keys.ts). Whether the service takes
   * Ed25519 is not documented (docs/swas-api.md, "Key pairs": the Linux key pair page names RSA, DSA and
   * ECDSA), so the product must survive both answers; off (accepting) is the default.
   */
  setImportRefusesEd25519(on: boolean): void {
    this.importRefusesEd25519 = on;
  }

  /**
   * How Attach/Detach spell a per-server success: 'true' (default, as the API pages' examples) or
   * 'True' (the SDK's example for DetachKeyPair's Success). Which one the service sends is not
   * documented beyond these examples, so the product must accept both.
   */
  setSuccessCase(text: SuccessText): void {
    this.successText = text;
  }

  /**
   * On: DescribeInstanceKeyPair of a server without a key pair is refused with `InvalidKeyPair.NotFound`
   * 404 instead of answering {}. The page does not say which (assumption: docs silent; the code is
   * ECS's for a missing key pair), so the product must survive both answers.
   */
  setNoKeyPairRefused(on: boolean): void {
    this.noKeyPairRefused = on;
  }

  /**
   * What a restart does to the server's authorized_keys: 'rewrite' (default) leaves the attached key only,
   * 'keep' appends it and keeps every other line. The docs do not say which (ASSUMPTIONS.md, "restart rewrites
   * authorized_keys: both answers").
   */
  setRestartAuthorizedKeys(mode: RestartAuthorizedKeys): void {
    this.state.restartAuthorizedKeys = mode;
  }

  // ---- Cloud Assistant ---------------------------------------------------------------------

  /** Starts or stops the server's Cloud Assistant agent (running on every server by default, as the docs say). */
  setAgentRunning(instanceId: string, running: boolean): void {
    this.cloudAssistant.setAgentRunning(instanceId, running);
  }

  /** The server's agent as DescribeCloudAssistantAttributes reports it, with its invocation counts. */
  agentOf(instanceId: string): AgentView {
    return this.cloudAssistant.agentOf(instanceId);
  }

  /**
   * RunCommand for a server whose agent is not running: 'invocationFails' (default: accepted, the invocation ends
   * Failed, ClientNotRunning) or 'refused' (403 ClientNotRunning at once). The docs do not say which (ASSUMPTIONS.md).
   */
  setAgentDownAnswer(answer: AgentDownAnswer): void {
    this.agentDownAnswer = answer;
  }

  /**
   * The next invocation on this server ends as `failure` after its Pending time, without running: e.g.
   * `{ invocationStatus: 'Aborted', errorCode: 'DeliveryTimeout' }`. ErrorInfo defaults to the SDK's text.
   */
  failNextInvocation(instanceId: string, failure: InvocationFailure): void {
    this.cloudAssistant.failNextInvocation(instanceId, failure);
  }

  /** How long an invocation is Pending, and how many real ms one second of RunCommand's Timeout lasts. */
  setInvocationTiming(timing: Partial<InvocationTiming>): void {
    this.cloudAssistant.timing = { ...this.cloudAssistant.timing, ...timing };
  }

  /** Every RunCommand invocation so far, with its script, status and output. */
  invocations(): Invocation[] {
    return this.cloudAssistant.all();
  }

  // ---- faults and latency ------------------------------------------------------------------

  injectFault(fault: EmulatorFault): void {
    this.faults.push({ fault, remaining: fault.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Makes the next AttachKeyPair/DetachKeyPair fail for this one server only (a per-server result). */
  failServerOnce(instanceId: string, code = '403', message = 'The instance is being changed; try again later.'): void {
    this.state.failServerOnce(instanceId, { code, message });
  }

  /** Stops the server as a user could in the console (no API call is logged). */
  stopInConsole(regionId: string, instanceId: string): void {
    this.state.stopInConsole(regionId, instanceId);
  }

  /** The next restart of this server ends Stopped, with or without the attached key in effect (ASSUMPTIONS.md). */
  failNextBoot(instanceId: string, failure: { keyTakesEffect: boolean }): void {
    this.state.failNextBoot(instanceId, failure);
  }

  /** Adds `ms` before every call, or only to calls for `regionId`. */
  setLatency(ms: number, regionId?: string): void {
    if (regionId === undefined) {
      this.latencyMs = ms;
    } else {
      this.regionLatencyMs.set(regionId, ms);
    }
  }

  private takeFault(action: string): EmulatorFault | undefined {
    const entry = this.faults.find((f) => f.fault.action === undefined || f.fault.action === action);
    if (!entry) {
      return undefined;
    }
    entry.remaining--;
    if (entry.remaining <= 0) {
      this.faults = this.faults.filter((f) => f !== entry);
    }
    return entry.fault;
  }

  private async delay(ms: number): Promise<void> {
    if (ms > 0) {
      await sleep(ms, undefined, { signal: this.stopping.signal });
    }
  }

  // ---- request handling --------------------------------------------------------------------

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = randomUUID().toUpperCase();
    const call: MutableCall = {
      action: singleHeader(request.headers['x-acs-action']) ?? '',
      signature: /Signature=([^,\s]+)/.exec(singleHeader(request.headers.authorization) ?? '')?.[1],
      query: {},
      signatureValid: false,
      status: 0,
      requestId,
      at: Date.now(),
    };
    this.calls.push(call);
    const body = await readBody(request);

    let path: string;
    try {
      ({ path, query: call.query } = decodeQuery(request.url ?? '/'));
    } catch (error) {
      this.send(response, call, this.errorOutcome(error, call));
      return;
    }
    call.regionId = call.query.RegionId;
    call.clientToken = call.query.ClientToken;
    call.host = singleHeader(request.headers.host);
    call.securityToken = singleHeader(request.headers['x-acs-security-token']);
    const misdirected = this.misdirected(call);
    if (misdirected) {
      this.send(response, call, this.errorOutcome(misdirected, call));
      return;
    }

    await this.delay(this.regionLatencyMs.get(call.regionId ?? '') ?? this.latencyMs);

    const verification = this.verifier.verify({
      method: request.method ?? 'GET',
      path,
      query: call.query,
      headers: request.headers,
      body,
    });
    call.accessKeyId = verification.accessKeyId;
    if (!verification.ok) {
      const error = new ApiError(verification.status, verification.code, verification.message);
      this.send(response, call, this.errorOutcome(error, call));
      return;
    }
    call.signatureValid = true;
    // Every AccessKey and STS token here belongs to the one emulated account: they share its limits.
    if (!this.rateLimiter.admit(EMULATOR_ACCOUNT_ID, call.action)) {
      call.throttled = true;
      this.send(response, call, this.errorOutcome(new ApiError(400, 'Throttling.User', 'Request was denied due to user flow control.'), call));
      return;
    }

    const tokenKey = call.clientToken === undefined ? undefined : `${call.action}\n${call.clientToken}`;
    const refused = tokenKey === undefined ? undefined : this.failedTokens.get(tokenKey);
    if (refused) {
      this.send(response, call, { ...refused, body: refused.body.replace(/"RequestId":"[^"]*"/, `"RequestId":"${call.requestId}"`) });
      return;
    }
    const fault = this.takeFault(call.action);
    const early = await this.faultBeforeAct(fault, call);
    if (early === 'drop') {
      this.drop(response, call);
      return;
    }
    const outcome = early ?? (await this.act(call, request));
    if (this.rememberFailures && tokenKey !== undefined && outcome.status >= 400 && outcome.status < 500 && !(outcome.code ?? '').startsWith('Throttling')) {
      this.failedTokens.set(tokenKey, outcome);
    }
    if (fault?.kind === 'dropAfterAct') {
      this.drop(response, call);
    } else if (fault?.kind === 'malformed') {
      this.send(response, call, { ...outcome, body: outcome.body.slice(0, Math.floor(outcome.body.length / 2)) });
    } else if (fault?.kind === 'nullBody') {
      this.send(response, call, { ...outcome, body: 'null' });
    } else if (fault?.kind === 'rewrite' && fault.rewrite) {
      this.send(response, call, { ...outcome, body: JSON.stringify(fault.rewrite(JSON.parse(outcome.body) as Record<string, unknown>)) });
    } else {
      this.send(response, call, outcome);
    }
  }

  /**
   * A request sent to a region's public name must be for that region: `swas.<RegionId>.aliyuncs.com`
   * (or the RegionEndpoint ListRegions gives, or the VPC name). ListRegions is answered by every
   * regional endpoint. Addresses (the `swas.endpoint` override to the emulator) are not checked.
   * The code and message are an assumption (ASSUMPTIONS.md): the docs do not say what the service
   * answers.
   */
  private misdirected(call: MutableCall): ApiError | undefined {
    const host = (call.host ?? '').replace(/:\d+$/, '').toLowerCase();
    if (!host.endsWith('.aliyuncs.com')) {
      return undefined;
    }
    const regions = this.state.regions.filter((r) => call.regionId === undefined || r.regionId === call.regionId);
    const allowed = regions.flatMap((region) => [regionHost(region), `swas-vpc.${region.regionId}.aliyuncs.com`]);
    if (allowed.includes(host) || (call.regionId !== undefined && regions.length === 0)) {
      return undefined;
    }
    return new ApiError(400, 'InvalidRegionId.MismatchEndpoint', `The RegionId "${call.regionId ?? ''}" is not served by the endpoint ${host}.`);
  }

  /** An outcome that replaces acting, 'drop', or undefined to go on and act. */
  private async faultBeforeAct(fault: EmulatorFault | undefined, call: MutableCall): Promise<Outcome | 'drop' | undefined> {
    switch (fault?.kind) {
      case 'delay':
        await this.delay(fault.ms ?? 0);
        return undefined;
      case 'dropBeforeAct':
        return 'drop';
      case 'status':
        return this.errorOutcome(
          new ApiError(
            fault.status ?? 503,
            fault.code ?? 'ServiceUnavailable',
            fault.message ?? 'The request has failed due to a temporary failure of the server.',
          ),
          call,
        );
      case 'error':
        return this.errorOutcome(
          new ApiError(fault.status ?? 400, fault.code ?? 'InvalidParameter', fault.message ?? 'The request was refused.'),
          call,
        );
      case 'throttle': {
        const outcome = this.errorOutcome(
          new ApiError(400, 'Throttling.User', 'Request was denied due to user flow control.'),
          call,
        );
        return fault.retryAfter === undefined
          ? outcome
          : { ...outcome, headers: { ...outcome.headers, 'x-acs-retry-after': String(fault.retryAfter) } };
      }
      case 'html':
        return {
          status: 502,
          body: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>Tengine</center></body></html>',
          headers: { 'content-type': 'text/html' },
        };
      default:
        return undefined;
    }
  }

  private async act(call: MutableCall, request: IncomingMessage): Promise<Outcome> {
    try {
      const body = await this.runAction(call, singleHeader(request.headers['x-acs-version']));
      return {
        status: 200,
        body: JSON.stringify({ RequestId: call.requestId, ...body }),
        headers: { 'content-type': 'application/json;charset=utf-8' },
      };
    } catch (error) {
      return this.errorOutcome(error, call);
    }
  }

  private async runAction(call: MutableCall, version: string | undefined): Promise<ResponseBody> {
    const definition = Object.hasOwn(ACTIONS, call.action) ? ACTIONS[call.action] : undefined;
    if (!definition) {
      throw new ApiError(400, 'InvalidAction.NotFound', `Specified api "${call.action}" is not found, please check your url and method.`);
    }
    if (version !== API_VERSION) {
      throw new ApiError(400, 'InvalidVersion', `Specified parameter Version "${version ?? ''}" is not valid.`);
    }
    const denial = this.denials.get(`${call.accessKeyId}\n${call.action}`);
    if (denial) {
      throw new ApiError(
        403,
        'Forbidden.RAM',
        "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
        { AccessDeniedDetail: denial },
      );
    }
    const params = new Params(call.query);
    let regionId = '';
    if (definition.regional) {
      regionId = params.required('RegionId');
      if (!this.state.hasRegion(regionId)) {
        throw new ApiError(400, 'InvalidRegionId', `The specified RegionId "${regionId}" does not exist.`);
      }
    }
    const settings: ActionSettings = {
      privateKeyFormat: this.privateKeyFormat,
      quota: this.quota,
      rebootDelays: this.rebootDelays,
      stopping: this.stopping.signal,
      omitTotalCount: this.omitTotalCount,
      importRefusesEd25519: this.importRefusesEd25519,
      successText: this.successText,
      noKeyPairRefused: this.noKeyPairRefused,
      agentDownAnswer: this.agentDownAnswer,
      reportFailure: (error) => this.log?.(`emulator failure in the background of ${call.action}: ${(error as Error).stack ?? String(error)}`),
    };
    const run = () => Promise.resolve(definition.handler({ state: this.state, cloudAssistant: this.cloudAssistant, params, regionId, settings }));
    const clientToken = params.optional('ClientToken');
    return definition.idempotent && clientToken !== undefined ? this.runOnce(call, clientToken, run) : run();
  }

  /**
   * ClientToken idempotence within the account: the same token with the same parameters gets the
   * first successful result (also while the first call is still running); failures are not
   * remembered, so a retry after an error acts again.
   */
  private async runOnce(call: MutableCall, clientToken: string, run: () => Promise<ResponseBody>): Promise<ResponseBody> {
    if (clientToken.length > 64 || !/^[\x20-\x7e]+$/.test(clientToken)) {
      throw invalidParameter('ClientToken', 'at most 64 printable ASCII characters.');
    }
    const key = `${call.action}\n${clientToken}`;
    const fingerprint = JSON.stringify(
      Object.entries(call.query)
        .filter(([name]) => name !== 'ClientToken')
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    const previous = this.idempotentResults.get(key);
    if (previous) {
      if (previous.fingerprint !== fingerprint) {
        throw new ApiError(
          400,
          'IdempotentParameterMismatch',
          'The request uses the same client token as a previous, but non-identical request.',
        );
      }
      if (call.action === 'CreateKeyPair' && this.createReplay === 'nameExists') {
        throw new ApiError(400, 'KeyPairNameAlreadyExist', 'The specified key pair name already exists.');
      }
      if (call.action === 'CreateKeyPair' && this.createReplay === 'emptyKey') {
        const { PrivateKeyBody: _withheld, ...rest } = await previous.result;
        return rest;
      }
      return previous.result;
    }
    const result = run();
    this.idempotentResults.set(key, { fingerprint, result });
    result.catch(() => this.idempotentResults.delete(key));
    return result;
  }

  private errorOutcome(error: unknown, call: MutableCall): Outcome {
    const apiError =
      error instanceof ApiError
        ? error
        : new ApiError(500, 'InternalError', 'The request processing has failed due to some unknown error.');
    if (!(error instanceof ApiError)) {
      this.log?.(`emulator failure in ${call.action}: ${(error as Error).stack ?? String(error)}`);
    }
    const region = call.regionId && this.state.hasRegion(call.regionId) ? call.regionId : undefined;
    return {
      status: apiError.status,
      code: apiError.code,
      body: JSON.stringify({
        RequestId: call.requestId,
        HostId: region ? `swas.${region}.aliyuncs.com` : 'swas-open.aliyuncs.com',
        Code: apiError.code,
        Message: apiError.message,
        Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(apiError.code)}&product=SWAS-OPEN&requestId=${call.requestId}`,
        ...apiError.extra,
      }),
      headers: { 'content-type': 'application/json;charset=utf-8' },
    };
  }

  private send(response: ServerResponse, call: MutableCall, outcome: Outcome): void {
    call.status = outcome.status;
    call.code = outcome.code;
    this.logCall(call);
    if (response.destroyed) {
      return;
    }
    response.writeHead(outcome.status, { ...outcome.headers, 'x-acs-request-id': call.requestId });
    response.end(outcome.body);
  }

  private drop(response: ServerResponse, call: MutableCall): void {
    call.status = 0;
    this.logCall(call);
    response.socket?.destroy();
  }

  private logCall(call: EmulatorCall): void {
    this.log?.(
      `${call.action || '-'} ${call.regionId ?? '-'} -> ${call.status || 'dropped'}${call.code ? ` ${call.code}` : ''} ` +
        `(${Date.now() - call.at} ms, key ${call.accessKeyId ?? '-'}, request ${call.requestId})`,
    );
  }
}
