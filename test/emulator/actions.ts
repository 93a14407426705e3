import { createHash } from 'node:crypto';
import { CLOUD_ASSISTANT_VERSION, invokeRecordStatus, type CloudAssistant } from './cloudAssistant';
import { ApiError, invalidParameter, missingParameter } from './errors';
import { generateRsaKeyPair, parseOpenSshPublicKey, type PrivateKeyFormat } from './keys';
import { apiTimestamp, type EmulatorInstance, type EmulatorState, type RebootDelays } from './state';

export type ResponseBody = Record<string, unknown>;

/** Reads RPC parameters from the decoded query string. */
export class Params {
  constructor(readonly query: Readonly<Record<string, string>>) {}

  optional(name: string): string | undefined {
    const value = this.query[name];
    return value === undefined || value === '' ? undefined : value;
  }

  required(name: string): string {
    const value = this.optional(name);
    if (value === undefined) {
      throw missingParameter(name);
    }
    return value;
  }

  /** A repeat list as the SDK sends it (`Name.1=a&Name.2=b`); a JSON array string is accepted too. */
  list(name: string): string[] {
    const whole = this.optional(name);
    if (whole !== undefined) {
      return this.jsonArray(name) ?? [];
    }
    const prefix = `${name}.`;
    return Object.keys(this.query)
      .filter((key) => key.startsWith(prefix) && /^\d+$/.test(key.slice(prefix.length)))
      .sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)))
      .map((key) => this.query[key]);
  }

  /** A parameter documented as a JSON array string, e.g. ListInstances' InstanceIds. */
  jsonArray(name: string): string[] | undefined {
    const value = this.optional(name);
    if (value === undefined) {
      return undefined;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw invalidParameter(name, 'expected a JSON array of strings.');
    }
    if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) {
      throw invalidParameter(name, 'expected a JSON array of strings.');
    }
    return parsed;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.optional(name);
    if (value === undefined) {
      return fallback;
    }
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw invalidParameter(name, `expected an integer from ${min} to ${max}.`);
    }
    return parsed;
  }
}

export interface ActionSettings {
  readonly privateKeyFormat: PrivateKeyFormat;
  readonly quota: number;
  readonly rebootDelays: RebootDelays;
  /** Aborts restarts still in progress when the emulator stops. */
  readonly stopping: AbortSignal;
  /** Where a restart that failed for another reason than stopping is reported. */
  readonly reportFailure: (error: unknown) => void;
  /** List answers without TotalCount (see SwasEmulator.setOmitTotalCount). */
  readonly omitTotalCount: boolean;
  /** ImportKeyPair refuses ssh-ed25519 (see SwasEmulator.setImportRefusesEd25519). */
  readonly importRefusesEd25519: boolean;
  /** DescribeInstanceKeyPair of a server without a key pair refuses (see SwasEmulator.setNoKeyPairRefused). */
  readonly noKeyPairRefused: boolean;
  /** How Attach/Detach spell a per-server success (see SwasEmulator.setSuccessCase). */
  readonly successText: SuccessText;
  /** What RunCommand answers for a server whose agent is not running (see SwasEmulator.setAgentDownAnswer). */
  readonly agentDownAnswer: AgentDownAnswer;
}

/**
 * RunCommand for a server whose Cloud Assistant agent is not running: accepted, the invocation then ends Failed
 * with ErrorCode ClientNotRunning ('invocationFails', the default), or refused at once ('refused').
 */
export type AgentDownAnswer = 'invocationFails' | 'refused';

/** Attach/Detach's per-server `Success`: the API pages show "true", the SDK's DetachKeyPair example "True". */
export type SuccessText = 'true' | 'True';

/** TotalCount unless the emulator is told to leave it out. */
function totalCount(ctx: ActionContext, count: number): { TotalCount?: number } {
  return ctx.settings.omitTotalCount ? {} : { TotalCount: count };
}

export interface ActionContext {
  readonly state: EmulatorState;
  readonly cloudAssistant: CloudAssistant;
  readonly params: Params;
  /** Validated RegionId; empty for ListRegions, which takes none. */
  readonly regionId: string;
  readonly settings: ActionSettings;
}

export interface ActionDefinition {
  /** Requires a known RegionId. */
  readonly regional: boolean;
  /** Honours ClientToken: a retry with the same token and parameters returns the first response. */
  readonly idempotent: boolean;
  readonly handler: (ctx: ActionContext) => ResponseBody | Promise<ResponseBody>;
}

const MAX_LIST = 50;
const HAN = '\\p{Script=Han}';
// 2-64 characters. "/" is not allowed at all, which also refuses the forbidden http:// and https:// prefixes.
// The CreateKeyPair and ImportKeyPair pages both allow a leading Chinese character (docs/swas-api.md, "Key pairs").
const KEY_PAIR_NAME = new RegExp(`^[A-Za-z${HAN}][A-Za-z0-9${HAN}:_-]{1,63}$`, 'u');

function checkKeyPairName(name: string): void {
  if (!KEY_PAIR_NAME.test(name)) {
    throw new ApiError(
      400,
      'InvalidParameter.KeyPairName',
      'The key pair name must be 2 to 64 characters long, start with a letter, and contain only letters, digits, colons (:), underscores (_) and hyphens (-).',
    );
  }
}

function wildcardMatcher(pattern: string): RegExp {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`);
}

function page<T>(items: readonly T[], params: Params): { pageNumber: number; pageSize: number; items: T[] } {
  const pageNumber = params.integer('PageNumber', 1, 1, Number.MAX_SAFE_INTEGER);
  const pageSize = params.integer('PageSize', 10, 1, 100);
  const start = (pageNumber - 1) * pageSize;
  return { pageNumber, pageSize, items: items.slice(start, start + pageSize) };
}

function listRegions(ctx: ActionContext): ResponseBody {
  const language = ctx.params.optional('AcceptLanguage') === 'en-US' ? 'en-US' : 'zh-CN';
  return {
    Regions: ctx.state.regions.map((region) => ({
      RegionId: region.regionId,
      LocalName: region.localName[language],
      RegionEndpoint: region.regionEndpoint ?? `swas.${region.regionId}.aliyuncs.com`,
    })),
  };
}

function listKeyPairs(ctx: ActionContext): ResponseBody {
  const nameFilter = ctx.params.optional('KeyPairName');
  const matcher = nameFilter === undefined ? undefined : wildcardMatcher(nameFilter);
  const all = ctx.state.keyPairs(ctx.regionId).filter((k) => !matcher || matcher.test(k.keyPairName));
  const { pageNumber, pageSize, items } = page(all, ctx.params);
  return {
    ...totalCount(ctx, all.length),
    PageNumber: pageNumber,
    PageSize: pageSize,
    KeyPairs: items.map((k) => ({
      KeyPairName: k.keyPairName,
      PublicKey: k.publicKey,
      CreationTime: k.creationTime,
      InstanceIds: k.instanceIds.slice(0, MAX_LIST),
    })),
  };
}

async function createKeyPair(ctx: ActionContext): Promise<ResponseBody> {
  const name = ctx.params.required('KeyPairName');
  checkKeyPairName(name);
  // Fail fast before the key generation; addKeyPair checks again as state may change meanwhile.
  ctx.state.checkCanAddKeyPair(ctx.regionId, name, ctx.settings.quota);
  const generated = await generateRsaKeyPair(ctx.settings.privateKeyFormat);
  ctx.state.addKeyPair(ctx.regionId, { keyPairName: name, ...generated }, ctx.settings.quota);
  return { KeyPairName: name, PrivateKeyBody: generated.privateKeyBody };
}

function importKeyPair(ctx: ActionContext): ResponseBody {
  const name = ctx.params.required('KeyPairName');
  checkKeyPairName(name);
  const publicKeyBody = ctx.params.required('PublicKeyBody');
  let publicKey: string;
  try {
    if (ctx.settings.importRefusesEd25519 && publicKeyBody.trim().startsWith('ssh-ed25519')) {
      throw new Error('unsupported key type ssh-ed25519');
    }
    publicKey = parseOpenSshPublicKey(publicKeyBody).publicKey;
  } catch (error) {
    throw new ApiError(400, 'InvalidPublicKeyBody.Malformed', `The specified PublicKeyBody is not valid: ${(error as Error).message}.`);
  }
  ctx.state.addKeyPair(ctx.regionId, { keyPairName: name, publicKey }, ctx.settings.quota);
  return { KeyPairName: name };
}

function deleteKeyPairs(ctx: ActionContext): ResponseBody {
  const names = ctx.params.list('KeyPairNames');
  if (names.length === 0) {
    throw missingParameter('KeyPairNames');
  }
  if (names.length > MAX_LIST) {
    throw invalidParameter('KeyPairNames', `at most ${MAX_LIST} names per call.`);
  }
  ctx.state.deleteKeyPairs(ctx.regionId, names);
  return {};
}

interface PerServerResult {
  readonly InstanceId: string;
  readonly Code: string;
  readonly Message: string;
  readonly Success: SuccessText | 'false';
}

function serverFailure(instanceId: string, code: string, message: string): PerServerResult {
  return { InstanceId: instanceId, Code: code, Message: message, Success: 'false' };
}

/** Attach and Detach report per server with string codes: the call succeeds even if servers fail. */
async function forEachServer(
  ctx: ActionContext,
  act: (instance: EmulatorInstance, keyPairName: string) => Promise<PerServerResult>,
): Promise<ResponseBody> {
  const keyPairName = ctx.params.required('KeyPairName');
  const instanceIds = ctx.params.list('InstanceIds');
  if (instanceIds.length === 0) {
    throw missingParameter('InstanceIds');
  }
  if (instanceIds.length > MAX_LIST) {
    throw invalidParameter('InstanceIds', `at most ${MAX_LIST} servers per call.`);
  }
  if (!ctx.state.findKeyPair(ctx.regionId, keyPairName)) {
    throw new ApiError(404, 'InvalidKeyPairName.NotFound', `The key pair "${keyPairName}" does not exist.`);
  }
  const results: PerServerResult[] = [];
  let injected: { code: string; message: string } | undefined;
  for (const instanceId of instanceIds) {
    const instance = ctx.state.findInstance(ctx.regionId, instanceId);
    if (!instance) {
      results.push(serverFailure(instanceId, '404', 'The specified instance does not exist.'));
    } else if (instance.osType !== 'Linux') {
      results.push(serverFailure(instanceId, '400', 'Key pairs are supported only on Linux servers.'));
    } else if ((injected = ctx.state.takeServerFailure(instanceId))) {
      results.push(serverFailure(instanceId, injected.code, injected.message));
    } else {
      results.push(await act(instance, keyPairName));
    }
  }
  return {
    TotalCount: results.length,
    FailCount: results.filter((r) => r.Success === 'false').length,
    Results: results,
  };
}

function serverSuccess(ctx: ActionContext, instanceId: string): PerServerResult {
  return { InstanceId: instanceId, Code: '200', Message: 'success', Success: ctx.settings.successText };
}

function attachKeyPair(ctx: ActionContext): Promise<ResponseBody> {
  return forEachServer(ctx, async (instance, keyPairName) => {
    await ctx.state.attachKeyPair(ctx.regionId, keyPairName, instance.instanceId);
    return serverSuccess(ctx, instance.instanceId);
  });
}

function detachKeyPair(ctx: ActionContext): Promise<ResponseBody> {
  return forEachServer(ctx, async (instance, keyPairName) => {
    if (instance.keyPairName !== keyPairName) {
      return serverFailure(instance.instanceId, '400', 'The key pair is not attached to this server.');
    }
    ctx.state.detachKeyPair(ctx.regionId, instance.instanceId);
    return serverSuccess(ctx, instance.instanceId);
  });
}

function instanceBody(instance: EmulatorInstance): ResponseBody {
  const expiry = new Date(Date.parse(instance.creationTime));
  expiry.setUTCFullYear(expiry.getUTCFullYear() + 1);
  return {
    InstanceId: instance.instanceId,
    InstanceName: instance.instanceName,
    RegionId: instance.regionId,
    Status: instance.status,
    BusinessStatus: 'Normal',
    PublicIpAddress: instance.publicIpAddress,
    InnerIpAddress: instance.innerIpAddress,
    CreationTime: instance.creationTime,
    ExpiredTime: apiTimestamp(expiry),
    ChargeType: instance.chargeType,
    PlanType: 'NORMAL',
    ImageId: createHash('md5').update(instance.imageName).digest('hex'),
    Image: { ImageName: instance.imageName, ...(instance.osTypeListed ? { OsType: instance.osType } : {}), ImageType: 'system' },
  };
}

function listInstances(ctx: ActionContext): ResponseBody {
  const ids = ctx.params.jsonArray('InstanceIds');
  const ips = ctx.params.jsonArray('PublicIpAddresses');
  if ((ids?.length ?? 0) > 100) {
    throw invalidParameter('InstanceIds', 'at most 100 instance IDs.');
  }
  const nameFilter = ctx.params.optional('InstanceName');
  const nameMatcher = nameFilter === undefined ? undefined : wildcardMatcher(nameFilter);
  const status = ctx.params.optional('Status');
  // The SDK's ListInstancesRequest: "Default value: PrePaid" (docs/swas-api.md, "Pay-as-you-go servers").
  const chargeType = ctx.params.optional('ChargeType') ?? 'PrePaid';
  const all = ctx.state
    .instances(ctx.regionId)
    .filter((i) => !ids || ids.includes(i.instanceId))
    .filter((i) => !ips || ips.includes(i.publicIpAddress))
    .filter((i) => !nameMatcher || nameMatcher.test(i.instanceName))
    .filter((i) => !status || i.status === status)
    .filter((i) => i.chargeType === chargeType);
  const { pageNumber, pageSize, items } = page(all, ctx.params);
  return { ...totalCount(ctx, all.length), PageNumber: pageNumber, PageSize: pageSize, Instances: items.map(instanceBody) };
}

function requireInstance(ctx: ActionContext): EmulatorInstance {
  const instanceId = ctx.params.required('InstanceId');
  const instance = ctx.state.findInstance(ctx.regionId, instanceId);
  if (!instance) {
    throw new ApiError(404, 'InvalidInstanceId.NotFound', `The instance "${instanceId}" does not exist.`);
  }
  return instance;
}

function describeInstanceKeyPair(ctx: ActionContext): ResponseBody {
  const instance = requireInstance(ctx);
  const keyPair = instance.keyPairName === undefined ? undefined : ctx.state.findKeyPair(ctx.regionId, instance.keyPairName);
  if (keyPair) {
    return { KeyPairName: keyPair.keyPairName, Fingerprint: keyPair.fingerprint };
  }
  if (ctx.settings.noKeyPairRefused) {
    throw new ApiError(404, 'InvalidKeyPair.NotFound', `The instance "${instance.instanceId}" has no key pair.`);
  }
  return {};
}

/** HTTP 403 in the docs (docs/swas-api.md, "Restart rule": RebootInstances' error codes). */
function incorrectStatus(instance: EmulatorInstance, wanted: string, act = wanted === 'Running' ? 'be restarted' : 'be started'): ApiError {
  return new ApiError(403, 'IncorrectInstanceStatus', `The instance is ${instance.status}; only a ${wanted} instance can ${act}.`);
}

/** Runs a status change in the background, as the real call answers before the server changes. */
function inBackground(ctx: ActionContext, change: Promise<void>): void {
  change.catch((error: unknown) => {
    if (!ctx.settings.stopping.aborted) {
      ctx.settings.reportFailure(error);
    }
  });
}

/** Answers at once, as the real call does; the server goes through Stopping and Starting after it. */
function rebootInstance(ctx: ActionContext): ResponseBody {
  const instance = requireInstance(ctx);
  if (instance.status !== 'Running') {
    throw incorrectStatus(instance, 'Running');
  }
  inBackground(ctx, ctx.state.reboot(ctx.regionId, instance.instanceId, ctx.settings.rebootDelays, ctx.settings.stopping));
  return {};
}

/**
 * RebootInstances: InstanceIds, a JSON array of up to 100 IDs (the SDK's request model). Assumption
 * (ASSUMPTIONS.md): one server that is missing or not Running refuses the whole call, nothing restarts.
 */
function rebootInstances(ctx: ActionContext): ResponseBody {
  const ids = ctx.params.jsonArray('InstanceIds') ?? [];
  if (ids.length === 0) {
    throw missingParameter('InstanceIds');
  }
  if (ids.length > 100) {
    throw invalidParameter('InstanceIds', 'at most 100 instance IDs.');
  }
  const instances = ids.map((instanceId) => {
    const instance = ctx.state.findInstance(ctx.regionId, instanceId);
    if (!instance) {
      throw new ApiError(404, 'InvalidInstanceId.NotFound', `The instance "${instanceId}" does not exist.`);
    }
    if (instance.status !== 'Running') {
      throw incorrectStatus(instance, 'Running');
    }
    return instance;
  });
  for (const instance of instances) {
    inBackground(ctx, ctx.state.reboot(ctx.regionId, instance.instanceId, ctx.settings.rebootDelays, ctx.settings.stopping));
  }
  return {};
}

/** StartInstance: only a Stopped server (the API page); it is Starting for setRebootDelays' startingMs. */
function startInstance(ctx: ActionContext): ResponseBody {
  const instance = requireInstance(ctx);
  if (instance.status !== 'Stopped') {
    throw incorrectStatus(instance, 'Stopped');
  }
  inBackground(ctx, ctx.state.start(ctx.regionId, instance.instanceId, ctx.settings.rebootDelays, ctx.settings.stopping));
  return {};
}

/** ListInstanceStatus: RegionId, InstanceIds (JSON array, ≤ 100), PageNumber, PageSize; answers InstanceStatuses. */
function listInstanceStatus(ctx: ActionContext): ResponseBody {
  const ids = ctx.params.jsonArray('InstanceIds');
  if ((ids?.length ?? 0) > 100) {
    throw invalidParameter('InstanceIds', 'at most 100 instance IDs.');
  }
  const all = ctx.state.instances(ctx.regionId).filter((i) => !ids || ids.includes(i.instanceId));
  const { pageNumber, pageSize, items } = page(all, ctx.params);
  return {
    ...totalCount(ctx, all.length),
    PageNumber: pageNumber,
    PageSize: pageSize,
    InstanceStatuses: items.map((i) => ({ InstanceId: i.instanceId, Status: i.status })),
  };
}

const FIREWALL_PROTOCOLS = ['TCP', 'UDP', 'TCP+UDP', 'ICMP'];

/** CreateFirewallRule's Port (SDK docs): 1 to 65535, one port or `<start>/<end>`; `-1/-1` for ICMP. */
function checkFirewallPort(protocol: string, port: string): void {
  if (protocol === 'ICMP') {
    if (port !== '-1/-1') {
      throw invalidParameter('Port', 'must be -1/-1 for ICMP.');
    }
    return;
  }
  const match = /^(\d{1,5})(?:\/(\d{1,5}))?$/.exec(port);
  const start = Number(match?.[1]);
  const end = Number(match?.[2] ?? match?.[1]);
  if (!match || start < 1 || end > 65535 || start > end) {
    throw invalidParameter('Port', 'expected a port from 1 to 65535, or <start port>/<end port>.');
  }
}

/** ListFirewallRules: RegionId, InstanceId, PageNumber, PageSize (≤100, default 10), as the SDK's request model documents. */
function listFirewallRules(ctx: ActionContext): ResponseBody {
  const instance = requireInstance(ctx);
  const ruleId = ctx.params.optional('FirewallRuleId');
  const all = instance.firewallRules.filter((r) => ruleId === undefined || r.ruleId === ruleId);
  const { pageNumber, pageSize, items } = page(all, ctx.params);
  return {
    ...totalCount(ctx, all.length),
    PageNumber: pageNumber,
    PageSize: pageSize,
    FirewallRules: items.map((r) => ({
      RuleId: r.ruleId,
      RuleProtocol: r.ruleProtocol,
      Port: r.port,
      Remark: r.remark,
      SourceCidrIp: r.sourceCidrIp,
      Policy: r.policy,
    })),
  };
}

/**
 * CreateFirewallRule: RegionId, InstanceId, RuleProtocol, Port, opt Remark, ClientToken (SDK's
 * request model); answers FirewallId. The SDK's request has no source CIDR: assumption
 * (ASSUMPTIONS.md), the rule then allows every source, 0.0.0.0/0.
 */
function createFirewallRule(ctx: ActionContext): ResponseBody {
  const instance = requireInstance(ctx);
  const protocol = ctx.params.required('RuleProtocol');
  if (!FIREWALL_PROTOCOLS.includes(protocol)) {
    throw invalidParameter('RuleProtocol', `expected one of ${FIREWALL_PROTOCOLS.join(', ')}.`);
  }
  const port = ctx.params.required('Port');
  checkFirewallPort(protocol, port);
  const rule = ctx.state.addFirewallRule(ctx.regionId, instance.instanceId, {
    ruleProtocol: protocol,
    port,
    remark: ctx.params.optional('Remark') ?? '',
    sourceCidrIp: '0.0.0.0/0',
    policy: 'accept',
  });
  return { FirewallId: rule.ruleId };
}

/**
 * DescribeCloudAssistantAttributes: RegionId, InstanceIds (JSON array, required), PageNumber, PageSize; answers
 * CloudAssistant[] with CloudAssistantStatus "true" while the agent runs on a Running server (the SDK's model:
 * a heartbeat in the last 2 minutes). Servers not found are left out (assumption, ASSUMPTIONS.md).
 */
function describeCloudAssistantAttributes(ctx: ActionContext): ResponseBody {
  const ids = ctx.params.jsonArray('InstanceIds');
  if (!ids || ids.length === 0) {
    throw missingParameter('InstanceIds');
  }
  if (ids.length > 100) {
    throw invalidParameter('InstanceIds', 'at most 100 instance IDs.');
  }
  const all = ctx.state.instances(ctx.regionId).filter((i) => ids.includes(i.instanceId));
  const { pageNumber, pageSize, items } = page(all, ctx.params);
  return {
    ...totalCount(ctx, all.length),
    PageNumber: pageNumber,
    PageSize: pageSize,
    CloudAssistant: items.map((instance) => {
      const agent = ctx.cloudAssistant.agentOf(instance.instanceId);
      const running = agent.running && instance.status === 'Running';
      return {
        InstanceId: instance.instanceId,
        CloudAssistantStatus: running ? 'true' : 'false',
        ...(running ? { CloudAssistantVersion: CLOUD_ASSISTANT_VERSION, LastHeartbeatTime: apiTimestamp() } : {}),
        OSType: instance.osType,
        ActiveTaskCount: agent.activeTaskCount,
        InvocationCount: agent.invocationCount,
        ...(agent.lastInvokedTime ? { LastInvokedTime: agent.lastInvokedTime } : {}),
        SupportSessionManager: running,
      };
    }),
  };
}

const COMMAND_TYPES = ['RunShellScript', 'RunBatScript', 'RunPowerShellScript'];
/** RunCommand's CommandContent, Base64-encoded, at most 16 KB (the SDK's RunCommand model, Parameters). */
export const MAX_COMMAND_BASE64_BYTES = 16 * 1024;

/**
 * RunCommand: RegionId, InstanceId (one), Name, Type, CommandContent (plain text), Timeout (10–86400 s, default
 * 60), WorkingDir (default /root), WorkingUser (default root); no ClientToken. Answers InvokeId at once; the
 * invocation is Pending, then runs for real (cloudAssistant.ts). Only for a Running server, as RebootInstance.
 */
function runCommand(ctx: ActionContext): ResponseBody {
  const instance = requireInstance(ctx);
  const name = ctx.params.required('Name');
  const type = ctx.params.required('Type');
  if (!COMMAND_TYPES.includes(type)) {
    throw invalidParameter('Type', `expected one of ${COMMAND_TYPES.join(', ')}.`);
  }
  if ((type === 'RunShellScript') !== (instance.osType === 'Linux')) {
    throw invalidParameter('Type', `${type} does not apply to a ${instance.osType} server.`);
  }
  const content = ctx.params.required('CommandContent');
  if (Buffer.byteLength(Buffer.from(content, 'utf8').toString('base64')) > MAX_COMMAND_BASE64_BYTES) {
    throw invalidParameter('CommandContent', 'the command, Base64-encoded, exceeds 16 KB.');
  }
  if (ctx.params.optional('EnableParameter') === 'true') {
    throw invalidParameter('EnableParameter', 'custom parameters are not emulated.');
  }
  const timeoutSeconds = ctx.params.integer('Timeout', 60, 10, 86400);
  if (instance.status !== 'Running') {
    throw incorrectStatus(instance, 'Running', 'run a command');
  }
  if (!ctx.cloudAssistant.agentOf(instance.instanceId).running && ctx.settings.agentDownAnswer === 'refused') {
    throw new ApiError(403, 'ClientNotRunning', 'the aliyun service is not running on the instance');
  }
  const invocation = ctx.cloudAssistant.create({
    regionId: ctx.regionId,
    instance,
    name,
    content,
    workingDir: ctx.params.optional('WorkingDir') ?? '/root',
    workingUser: ctx.params.optional('WorkingUser') ?? 'root',
    timeoutSeconds,
  });
  inBackground(ctx, ctx.cloudAssistant.execute(invocation, instance.serverRoot, timeoutSeconds, ctx.settings.stopping));
  return { InvokeId: invocation.invokeId };
}

/**
 * DescribeInvocationResult: RegionId, InstanceId, InvokeId; answers InvocationResult with the SDK's fields,
 * Output in Base64. An InvokeId unknown for that server: assumption, `InvalidInvokeId.NotFound` 404.
 */
function describeInvocationResult(ctx: ActionContext): ResponseBody {
  const instanceId = ctx.params.required('InstanceId');
  const invokeId = ctx.params.required('InvokeId');
  const invocation = ctx.cloudAssistant.find(instanceId, invokeId);
  if (!invocation || invocation.regionId !== ctx.regionId) {
    throw new ApiError(404, 'InvalidInvokeId.NotFound', `The invocation "${invokeId}" does not exist on the instance "${instanceId}".`);
  }
  return {
    InvocationResult: {
      InvokeId: invocation.invokeId,
      InstanceId: invocation.instanceId,
      InvocationStatus: invocation.status,
      InvokeRecordStatus: invokeRecordStatus(invocation.status),
      InvokeUser: invocation.invokeUser,
      Output: invocation.output.toString('base64'),
      ...(invocation.exitCode === undefined ? {} : { ExitCode: invocation.exitCode }),
      ErrorCode: invocation.errorCode ?? '',
      ErrorInfo: invocation.errorInfo ?? '',
      ...(invocation.startTime ? { StartTime: invocation.startTime } : {}),
      ...(invocation.finishedTime ? { FinishedTime: invocation.finishedTime } : {}),
    },
  };
}

export const ACTIONS: Readonly<Record<string, ActionDefinition>> = {
  ListRegions: { regional: false, idempotent: false, handler: listRegions },
  ListKeyPairs: { regional: true, idempotent: false, handler: listKeyPairs },
  CreateKeyPair: { regional: true, idempotent: true, handler: createKeyPair },
  ImportKeyPair: { regional: true, idempotent: true, handler: importKeyPair },
  DeleteKeyPairs: { regional: true, idempotent: true, handler: deleteKeyPairs },
  AttachKeyPair: { regional: true, idempotent: true, handler: attachKeyPair },
  DetachKeyPair: { regional: true, idempotent: true, handler: detachKeyPair },
  ListInstances: { regional: true, idempotent: false, handler: listInstances },
  DescribeInstanceKeyPair: { regional: true, idempotent: false, handler: describeInstanceKeyPair },
  ListInstanceStatus: { regional: true, idempotent: false, handler: listInstanceStatus },
  RebootInstance: { regional: true, idempotent: true, handler: rebootInstance },
  RebootInstances: { regional: true, idempotent: true, handler: rebootInstances },
  StartInstance: { regional: true, idempotent: true, handler: startInstance },
  ListFirewallRules: { regional: true, idempotent: false, handler: listFirewallRules },
  CreateFirewallRule: { regional: true, idempotent: true, handler: createFirewallRule },
  DescribeCloudAssistantAttributes: { regional: true, idempotent: false, handler: describeCloudAssistantAttributes },
  RunCommand: { regional: true, idempotent: false, handler: runCommand },
  DescribeInvocationResult: { regional: true, idempotent: false, handler: describeInvocationResult },
};
