import { after, before, beforeEach } from 'node:test';
import { SwasClient, type SwasClientOptions } from '../../src/cloud/client';
import { resolveCredentials } from '../../src/cloud/credentials';
import { parseEndpointSetting } from '../../src/cloud/endpoint';
import { silentLogger, type Logger } from '../../src/logger';
import { DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, seedDemo } from '../emulator/demo';
import { SwasEmulator, type EmulatorOptions } from '../emulator/server';

/**
 * The seeded demo emulator of a describe block's tests: started (with `options`) before them, its faults and
 * recorded calls cleared before each, stopped after them. `.emulator` is set once the block's first hook ran.
 */
export function demoEmulator(options: EmulatorOptions = {}): { emulator: SwasEmulator } {
  const demo = {} as { emulator: SwasEmulator };
  before(async () => {
    demo.emulator = await SwasEmulator.start(options);
    await seedDemo(demo.emulator);
  });
  after(async () => demo.emulator?.stop());
  beforeEach(() => {
    demo.emulator.clearFaults();
    demo.emulator.clearCalls();
  });
  return demo;
}

/**
 * A SwasClient signed with the demo key and pointed at the emulator (or at `endpoint`, a URL, for what fails on the
 * way); `options` override the rest.
 */
export async function emulatorClient(endpoint: SwasEmulator | string, options: Partial<SwasClientOptions> = {}): Promise<SwasClient> {
  return new SwasClient({
    credentials: await resolveCredentials({ accessKeyId: DEMO_ACCESS_KEY_ID, accessKeySecret: DEMO_ACCESS_KEY_SECRET }),
    endpointOverride: parseEndpointSetting(typeof endpoint === 'string' ? endpoint : endpoint.url).endpoint,
    acceptLanguage: 'en-US',
    logger: silentLogger,
    ...options,
  });
}

export interface LoggedLine {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

/** A Logger that keeps every line, in order. */
export function capturingLogger(): { logger: Logger; lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const record = (level: LoggedLine['level']) => (message: string | Error) => {
    lines.push({ level, message: String(message) });
  };
  return {
    lines,
    logger: { trace: record('trace'), debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') },
  };
}

/** A `sleep` for SwasClientOptions that returns at once and keeps the delays it was asked for. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (ms: number) => {
      delays.push(ms);
    },
  };
}
