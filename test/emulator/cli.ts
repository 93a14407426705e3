import { parseArgs } from 'node:util';
import { seedDemo } from './demo';
import { DOCUMENTED_RATE_LIMITS } from './rateLimits';
import { SwasEmulator } from './server';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      demo: { type: 'boolean', default: false },
      'server-roots-dir': { type: 'string' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be 0-65535, got ${values.port}`);
  }
  const emulator = await SwasEmulator.start({ port, rateLimits: DOCUMENTED_RATE_LIMITS });
  if (values.demo) {
    await seedDemo(emulator, { serverRootsDir: values['server-roots-dir'] });
  }
  // Scripts wait for exactly this line before using the emulator.
  console.log(`SWAS emulator listening on ${emulator.url}`);
  const shutdown = (): void => {
    emulator.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(`SWAS emulator failed to start: ${(error as Error).message}`);
  process.exit(1);
});
