import { join } from 'node:path';
import { generateRsaKeyPair } from './keys';
import type { SwasEmulator } from './server';
import { createServerRoot } from './serverRoot';
import type { NewInstance } from './state';

/** The demo world used by `npm start`, shared by tests and scripts. Not real credentials. */
export const DEMO_ACCESS_KEY_ID = 'LTAI5tDemoKeyId0000000000';
export const DEMO_ACCESS_KEY_SECRET = 'demo-secret-not-real';
export const DEMO_REGION_ID = 'cn-hangzhou';
export const DEMO_SECOND_REGION_ID = 'cn-shanghai';
export const DEMO_EXISTING_KEY_PAIR = 'existing-key';

export interface DemoServer extends NewInstance {
  readonly regionId: string;
  readonly instanceId: string;
}

export const DEMO_SERVERS = {
  web1: {
    regionId: DEMO_REGION_ID,
    instanceId: 'd3e0a1b2c3d4e5f60718293a4b5c6d01',
    instanceName: 'web-1',
    publicIpAddress: '127.0.0.2',
    osType: 'Linux',
  },
  db1: {
    regionId: DEMO_REGION_ID,
    instanceId: 'd3e0a1b2c3d4e5f60718293a4b5c6d02',
    instanceName: 'db-1',
    publicIpAddress: '127.0.0.3',
    osType: 'Linux',
  },
  win1: {
    regionId: DEMO_REGION_ID,
    instanceId: 'd3e0a1b2c3d4e5f60718293a4b5c6d03',
    instanceName: 'win-1',
    publicIpAddress: '127.0.0.4',
    osType: 'Windows',
  },
  shanghaiWeb1: {
    regionId: DEMO_SECOND_REGION_ID,
    instanceId: 'd3e0a1b2c3d4e5f60718293a4b5c6d04',
    instanceName: 'sh-web-1',
    publicIpAddress: '127.0.0.5',
    osType: 'Linux',
  },
} as const satisfies Record<string, DemoServer>;

export interface SeedDemoOptions {
  /**
   * If set, each Linux server has its server root `<dir>/<instanceName>/` (serverRoot.ts): root's home in
   * `home/` (authorized_keys in `home/.ssh/`) and its /etc/ssh with a host key in `etc-ssh/`.
   */
  readonly serverRootsDir?: string;
}

/** The server root seedDemo gives `instanceName` under `serverRootsDir`. */
export function demoServerRoot(serverRootsDir: string, instanceName: string): string {
  return join(serverRootsDir, instanceName);
}

/** Seeds the demo access key, servers and the "existing-key" key pair attached to web-1. */
export async function seedDemo(emulator: SwasEmulator, options: SeedDemoOptions = {}): Promise<void> {
  emulator.addAccessKey({ id: DEMO_ACCESS_KEY_ID, secret: DEMO_ACCESS_KEY_SECRET });
  for (const { regionId, ...server } of Object.values(DEMO_SERVERS)) {
    const serverRoot =
      options.serverRootsDir && server.osType === 'Linux' ? demoServerRoot(options.serverRootsDir, server.instanceName) : undefined;
    if (serverRoot) {
      await createServerRoot(serverRoot);
    }
    emulator.addInstance(regionId, { ...server, serverRoot });
  }
  const { publicKey } = await generateRsaKeyPair('pkcs1-pem');
  await emulator.addKeyPair(DEMO_REGION_ID, {
    keyPairName: DEMO_EXISTING_KEY_PAIR,
    publicKey,
    instanceIds: [DEMO_SERVERS.web1.instanceId],
  });
}
