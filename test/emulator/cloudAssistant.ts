import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { NO_WORKING_DIR, runInServerRoot, SETUP_FAILED, SETUP_MARKER } from './serverRoot';
import { apiTimestamp, type EmulatorInstance } from './state';

/** The agent version reported while it runs (an example from the SDK's model; any recent one would do). */
export const CLOUD_ASSISTANT_VERSION = '2.2.3.256';

/**
 * Output kept per invocation. Assumption (ASSUMPTIONS.md): the SWAS pages name no limit; ECS's Cloud Assistant
 * keeps 24 KB (to be confirmed), so the emulator does too.
 */
export const OUTPUT_LIMIT_BYTES = 24 * 1024;

/** InvocationStatus values from the SDK's DescribeInvocationResult model. */
export type InvocationStatus =
  | 'Pending'
  | 'Running'
  | 'Success'
  | 'Failed'
  | 'Error'
  | 'Timeout'
  | 'Aborted'
  | 'Invalid'
  | 'Cancelled'
  | 'Stopping'
  | 'Terminated';

/** ErrorInfo the SDK's model gives for each ErrorCode the emulator sends. */
export const ERROR_INFO: Readonly<Record<string, string>> = {
  ClientNotRunning: 'the aliyun service is not running on the instance',
  DeliveryTimeout: 'the command delivery has been timeout',
  ExecutionTimeout: 'the command execution has been timeout',
  ExecutionException: 'the command execution got an exception',
  ExitCodeNonzero: 'the command execution exit code is not zero',
  AccountNotExists: 'the specified account does not exists',
  DirectoryNotExists: 'the specified directory does not exists',
  InstanceNotRunning: 'the instance is not running when create task',
};

/** How an invocation ends without running, forced by a test (SwasEmulator.failNextInvocation). */
export interface InvocationFailure {
  readonly invocationStatus: InvocationStatus;
  readonly errorCode: string;
  /** Default: the SDK's ErrorInfo for `errorCode`. */
  readonly errorInfo?: string;
}

/**
 * How long an invocation stays Pending (delivery to the agent) before it runs, and how many real ms one second
 * of RunCommand's Timeout lasts (1000 by default; the integration tests' faster clock divides it).
 */
export interface InvocationTiming {
  readonly pendingMs: number;
  readonly timeoutSecondMs: number;
}

export const DEFAULT_INVOCATION_TIMING: InvocationTiming = { pendingMs: 200, timeoutSecondMs: 1000 };

export interface Invocation {
  readonly invokeId: string;
  readonly regionId: string;
  readonly instanceId: string;
  readonly name: string;
  readonly content: string;
  readonly workingDir: string;
  readonly invokeUser: string;
  status: InvocationStatus;
  exitCode?: number;
  output: Buffer;
  errorCode?: string;
  errorInfo?: string;
  startTime?: string;
  finishedTime?: string;
}

interface AgentRecord {
  running: boolean;
  invocationCount: number;
  lastInvokedTime?: string;
}

export interface AgentView {
  readonly running: boolean;
  readonly invocationCount: number;
  readonly activeTaskCount: number;
  readonly lastInvokedTime?: string;
}

export interface NewInvocation {
  readonly regionId: string;
  readonly instance: EmulatorInstance;
  readonly name: string;
  readonly content: string;
  readonly workingDir: string;
  readonly workingUser: string;
  readonly timeoutSeconds: number;
}

/** The Cloud Assistant agents of the emulated servers and every invocation sent to them. */
export class CloudAssistant {
  private readonly agents = new Map<string, AgentRecord>();
  private readonly invocations = new Map<string, Invocation>();
  private readonly failures = new Map<string, InvocationFailure>();
  timing: InvocationTiming = DEFAULT_INVOCATION_TIMING;

  /** Installed and running on every server unless a test says otherwise (the SDK's RunCommand description). */
  private agent(instanceId: string): AgentRecord {
    let agent = this.agents.get(instanceId);
    if (!agent) {
      agent = { running: true, invocationCount: 0 };
      this.agents.set(instanceId, agent);
    }
    return agent;
  }

  setAgentRunning(instanceId: string, running: boolean): void {
    this.agent(instanceId).running = running;
  }

  agentOf(instanceId: string): AgentView {
    const agent = this.agent(instanceId);
    const activeTaskCount = [...this.invocations.values()].filter(
      (i) => i.instanceId === instanceId && (i.status === 'Pending' || i.status === 'Running'),
    ).length;
    return { running: agent.running, invocationCount: agent.invocationCount, activeTaskCount, lastInvokedTime: agent.lastInvokedTime };
  }

  failNextInvocation(instanceId: string, failure: InvocationFailure): void {
    this.failures.set(instanceId, failure);
  }

  find(instanceId: string, invokeId: string): Invocation | undefined {
    const invocation = this.invocations.get(invokeId);
    return invocation?.instanceId === instanceId ? invocation : undefined;
  }

  all(): Invocation[] {
    return [...this.invocations.values()];
  }

  /** Records a Pending invocation; `execute` then delivers and runs it. */
  create(request: NewInvocation): Invocation {
    const invocation: Invocation = {
      invokeId: `t-${request.regionId.replace(/-/g, '').slice(0, 4)}${randomBytes(8).toString('hex')}`,
      regionId: request.regionId,
      instanceId: request.instance.instanceId,
      name: request.name,
      content: request.content,
      workingDir: request.workingDir,
      invokeUser: request.workingUser,
      status: 'Pending',
      output: Buffer.alloc(0),
    };
    this.invocations.set(invocation.invokeId, invocation);
    const agent = this.agent(invocation.instanceId);
    agent.invocationCount++;
    agent.lastInvokedTime = apiTimestamp();
    return invocation;
  }

  /**
   * Pending for `timing.pendingMs`, then: a forced failure, ClientNotRunning when the agent is down, or the
   * script run for real as root in the server's root (serverRoot.ts) until it exits or its Timeout kills it.
   * An emulator fault (no server root, a namespace that cannot be set up) ends it Error and is thrown, so the
   * emulator's log shows it.
   */
  async execute(invocation: Invocation, serverRoot: string | undefined, timeoutSeconds: number, signal: AbortSignal): Promise<void> {
    await sleep(this.timing.pendingMs, undefined, { signal });
    const forced = this.failures.get(invocation.instanceId);
    if (forced) {
      this.failures.delete(invocation.instanceId);
      this.finish(invocation, forced.invocationStatus, forced.errorCode, forced.errorInfo);
      return;
    }
    if (!this.agent(invocation.instanceId).running) {
      this.finish(invocation, 'Failed', 'ClientNotRunning');
      return;
    }
    if (invocation.invokeUser !== 'root') {
      // The demo servers have root only (the login user of SWAS key pairs).
      this.finish(invocation, 'Failed', 'AccountNotExists');
      return;
    }
    if (serverRoot === undefined) {
      this.finish(invocation, 'Error', 'ExecutionException');
      throw new Error(`server ${invocation.instanceId} has no server root to run RunCommand in (NewInstance.serverRoot)`);
    }
    invocation.status = 'Running';
    invocation.startTime = apiTimestamp();
    const result = await runInServerRoot({
      serverRoot,
      content: invocation.content,
      workingDir: invocation.workingDir,
      timeoutMs: timeoutSeconds * this.timing.timeoutSecondMs,
      outputLimit: OUTPUT_LIMIT_BYTES,
      signal,
    });
    invocation.output = result.output;
    const setupFailed = result.output.includes(SETUP_MARKER);
    if (result.timedOut) {
      this.finish(invocation, 'Timeout', 'ExecutionTimeout');
    } else if (setupFailed && result.exitCode === NO_WORKING_DIR) {
      this.finish(invocation, 'Failed', 'DirectoryNotExists');
    } else if (setupFailed && result.exitCode === SETUP_FAILED) {
      this.finish(invocation, 'Error', 'ExecutionException');
      throw new Error(`RunCommand could not set up the server's namespace: ${result.output.toString()}`);
    } else if (result.exitCode === 0) {
      invocation.exitCode = 0;
      this.finish(invocation, 'Success');
    } else {
      invocation.exitCode = result.exitCode;
      this.finish(invocation, 'Failed', 'ExitCodeNonzero');
    }
  }

  finish(invocation: Invocation, status: InvocationStatus, errorCode?: string, errorInfo?: string): void {
    invocation.status = status;
    invocation.errorCode = errorCode;
    invocation.errorInfo = errorCode === undefined ? undefined : (errorInfo ?? ERROR_INFO[errorCode] ?? errorCode);
    invocation.finishedTime = apiTimestamp();
  }
}

/** DescribeInvocationResult's InvokeRecordStatus for an invocation's InvocationStatus (the SDK's four values). */
export function invokeRecordStatus(status: InvocationStatus): 'Running' | 'Finished' | 'Failed' | 'Stopped' {
  switch (status) {
    case 'Pending':
    case 'Running':
    case 'Stopping':
      return 'Running';
    case 'Success':
    case 'Failed':
      return 'Finished';
    case 'Cancelled':
    case 'Terminated':
      return 'Stopped';
    default:
      return 'Failed';
  }
}
