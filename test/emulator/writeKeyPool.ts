import { writeRsaKeyPool } from './keys';

/** `node writeKeyPool.js FILE COUNT`: the emulators' key pool (keys.ts KEY_POOL_ENV), for runTest.ts. */
const [file, count] = process.argv.slice(2);
writeRsaKeyPool(file, Number(count)).catch((error: unknown) => {
  console.error(`writing the emulator key pool ${file} failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
