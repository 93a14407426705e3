import type { InvocationResult, SwasClient } from './client';
import { realClock, type Clock } from './clock';
import { CloudError, toCloudError } from './errors';
import { budgetOf, RATE_WINDOW_MS } from './rateBudget';

/*
 * Cloud Assistant, the agent on SWAS servers that runs a command sent through the API: whether it runs on a
 * server (DescribeCloudAssistantAttributes), running a shell script as root (RunCommand) and following it to
 * its end (DescribeInvocationResult), the answers turned into one outcome. The calls go through SwasClient,
 * so the rate budget applies (these actions publish no limit: they get the strictest).
 */

/** RunCommand's limit: the command content, Base64-encoded, may be at most 16 KB. */
export const MAX_COMMAND_BASE64_BYTES = 16 * 1024;

/** Whether RunCommand takes `script`: its Base64 form within the documented 16 KB. */
export function fitsCommandLimit(script: string): boolean {
  return Buffer.from(script, 'utf8').toString('base64').length <= MAX_COMMAND_BASE64_BYTES;
}

/** How a command sent through Cloud Assistant ended. */
export type CloudAssistantOutcome =
  /** Exit code 0; `output` is the decoded Output. */
  | { kind: 'ok'; output: string }
  /** The agent is missing, not running, not answering or being upgraded (ClientNotRunning, …). */
  | { kind: 'agentNotRunning'; errorCode?: string }
  /** The command did not reach the server in time (DeliveryTimeout). */
  | { kind: 'deliveryTimeout' }
  /** The script ran and exited with another code than 0. */
  | { kind: 'nonZeroExit'; exitCode?: number; output: string }
  /** The script ran past its Timeout on the server, or the wait for its end ran out (`lastStatus` then). */
  | { kind: 'timeout'; lastStatus?: string }
  /** The server is not Running (or no longer exists). */
  | { kind: 'notRunning'; errorCode?: string }
  /** A RAM policy refuses one of the Cloud Assistant actions. */
  | { kind: 'forbidden'; error: CloudError }
  /** Anything else: the service's status, code and message, or the error the call ended with. */
  | { kind: 'failed'; status?: string; errorCode?: string; message?: string; error?: CloudError }
  | { kind: 'cancelled' };

const AGENT_NOT_RUNNING = new Set(['ClientNotRunning', 'ClientNotResponse', 'ClientIsUpgrading', 'ClientNeedUpgrade']);
const SERVER_NOT_RUNNING = new Set(['InstanceNotRunning', 'InstanceReleased', 'InstanceNotExists']);
/** InvocationStatus values after which nothing changes any more. */
const FINAL_STATUSES = new Set(['Success', 'Failed', 'Error', 'Timeout', 'Aborted', 'Cancelled', 'Terminated', 'Invalid']);

/** Output as DescribeInvocationResult sends it: Base64 of what the script printed. */
export function decodeOutput(base64: string | undefined): string {
  return base64 ? Buffer.from(base64, 'base64').toString('utf8') : '';
}

/** The outcome of one DescribeInvocationResult answer; undefined while the command is still on its way or running. */
export function outcomeOfResult(result: InvocationResult): CloudAssistantOutcome | undefined {
  const { status, errorCode } = result;
  if (errorCode && AGENT_NOT_RUNNING.has(errorCode)) return { kind: 'agentNotRunning', errorCode };
  if (errorCode === 'DeliveryTimeout') return { kind: 'deliveryTimeout' };
  if (errorCode && SERVER_NOT_RUNNING.has(errorCode)) return { kind: 'notRunning', errorCode };
  if (errorCode === 'ExecutionTimeout' || status === 'Timeout') return { kind: 'timeout' };
  if (errorCode === 'ExitCodeNonzero' || status === 'Failed') return { kind: 'nonZeroExit', exitCode: result.exitCode, output: decodeOutput(result.output) };
  if (status === 'Success' && !errorCode) return { kind: 'ok', output: decodeOutput(result.output) };
  if (errorCode || (status && FINAL_STATUSES.has(status))) {
    return { kind: 'failed', status, errorCode, message: result.errorInfo };
  }
  return undefined;
}

/**
 * The outcome of a RunCommand or DescribeInvocationResult call that failed. Which codes SWAS sends when the
 * agent or the server is not running is not documented for these actions: the words of the code decide.
 */
export function outcomeOfError(raw: unknown, action: string): CloudAssistantOutcome {
  const error = toCloudError(raw, action);
  const code = error.details.code ?? '';
  if (error.kind === 'forbidden') return { kind: 'forbidden', error };
  if (AGENT_NOT_RUNNING.has(code) || /CloudAssistant|AliyunService/i.test(code)) return { kind: 'agentNotRunning', errorCode: code };
  if (SERVER_NOT_RUNNING.has(code) || /InstanceStatus|IncorrectStatus|Instance\.?NotRunning|InvalidStatus/i.test(code)) return { kind: 'notRunning', errorCode: code };
  return { kind: 'failed', errorCode: code || undefined, message: error.message, error };
}

/** Which servers' agents sent a heartbeat in the last 2 minutes; a server the answer leaves out counts as not. */
export async function agentStatus(client: SwasClient, regionId: string, instanceIds: string[]): Promise<Map<string, boolean>> {
  const agents = await client.describeCloudAssistantAttributes(regionId, instanceIds);
  const running = new Set(agents.filter((a) => a.status?.toLowerCase() === 'true').map((a) => a.instanceId));
  return new Map(instanceIds.map((id) => [id, running.has(id)]));
}

/** RunCommand's default; these scripts take well under a second. */
export const COMMAND_TIMEOUT_SECONDS = 60;

/** Sends `script` to run as root on the server (RunShellScript); resolves to the InvokeId. */
export async function runScript(client: SwasClient, regionId: string, instanceId: string, script: string, name: string): Promise<string> {
  if (!fitsCommandLimit(script)) {
    throw new Error(`The script for ${name} is larger than RunCommand's 16 KB.`);
  }
  return client.runCommand(regionId, instanceId, { name, content: script, timeoutSeconds: COMMAND_TIMEOUT_SECONDS, workingUser: 'root' });
}

export interface InvocationWaitOptions {
  /** One DescribeInvocationResult. */
  describe: () => Promise<InvocationResult>;
  clock?: Clock;
  signal?: AbortSignal;
  /** Bound of the whole wait; default the command's Timeout plus the minute the service gives a delivery. */
  timeoutMs?: number;
  onStatus?: (result: InvocationResult) => void;
}

/**
 * Before each DescribeInvocationResult: 2 s (a short script is done by then), 3 s more, then evenly over the
 * rest of the budget: the two quick polls leave one call fewer for the minute, so one wait never waits on the
 * budget itself.
 */
export function pollDelaysMs(): { first: number; second: number; steady: number } {
  return { first: 2_000, second: 3_000, steady: RATE_WINDOW_MS / (budgetOf('DescribeInvocationResult') - 1) };
}

/** Follows an invocation until it ends, the wait's bound passes, or the signal aborts. */
export async function waitForInvocation(options: InvocationWaitOptions): Promise<CloudAssistantOutcome> {
  const clock = options.clock ?? realClock;
  const timeoutMs = options.timeoutMs ?? (COMMAND_TIMEOUT_SECONDS + 60) * 1000;
  const delays = pollDelaysMs();
  const started = clock.now();
  let lastStatus: string | undefined;
  for (let poll = 0; ; poll++) {
    const elapsed = clock.now() - started;
    if (elapsed >= timeoutMs) {
      return { kind: 'timeout', lastStatus };
    }
    const delay = poll === 0 ? delays.first : poll === 1 ? delays.second : delays.steady;
    await clock.sleep(Math.min(delay, timeoutMs - elapsed), options.signal);
    if (options.signal?.aborted) {
      return { kind: 'cancelled' };
    }
    let result: InvocationResult;
    try {
      result = await options.describe();
    } catch (error) {
      return outcomeOfError(error, 'DescribeInvocationResult');
    }
    options.onStatus?.(result);
    lastStatus = result.status;
    const outcome = outcomeOfResult(result);
    if (outcome) {
      return outcome;
    }
  }
}

/** RunCommand, then DescribeInvocationResult until the script ends: one outcome, never a thrown CloudError. */
export async function runScriptToEnd(
  client: SwasClient,
  regionId: string,
  instanceId: string,
  script: { content: string; name: string },
  options: Omit<InvocationWaitOptions, 'describe'> = {},
): Promise<CloudAssistantOutcome> {
  let invokeId: string;
  try {
    invokeId = await runScript(client, regionId, instanceId, script.content, script.name);
  } catch (error) {
    // SwasClient throws CloudError for every answer and network failure; anything else is a bug here.
    if (!(error instanceof CloudError)) {
      throw error;
    }
    return outcomeOfError(error, 'RunCommand');
  }
  return waitForInvocation({ ...options, describe: () => client.describeInvocationResult(regionId, instanceId, invokeId) });
}
