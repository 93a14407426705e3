import assert from 'node:assert/strict';
import { execFile } from 'child_process';
import { promises as fs } from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import * as vscode from 'vscode';
import { SwasClient } from '../../src/cloud/client';
import { resolveCredentials } from '../../src/cloud/credentials';
import type { CreateKeyPairOutcome } from '../../src/commands/createKeyPair';
import { silentLogger } from '../../src/logger';
import { DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_REGION_ID, DEMO_SECOND_REGION_ID } from '../emulator/demo';
import { DEFAULT_REGIONS, type EmulatorRegion } from '../emulator/state';
import { endConnections, trackConnections } from '../emulator/connections';
import { serverCertificate } from '../emulator/tls';
import { mapHosts } from './privateNetwork';
import { groupChildren, messages, regionChildren, serverNode } from './treeSupport';
import { updateUserSetting, World } from './world';
import { suiteOn } from '../support/platform';

/**
 * The path real users run: no `swas.endpoint`, HTTPS to `swas.<region>.aliyuncs.com`, the
 * certificate checked against a CA the host trusts (private-network.sh), names resolved by the
 * private /etc/hosts of the test namespace, so nothing can reach a real Alibaba Cloud host.
 */
const EMULATOR_ADDRESS = '127.0.0.10';
/** Where the names point while the proxy test runs: nothing listens there, so only the proxy can deliver. */
const DEAD_ADDRESS = '127.0.0.99';
// Shanghai is served under another name than the pattern (ListRegions' RegionEndpoint), so only a
// client that uses RegionEndpoint gets through the emulator's Host check for it.
const SHANGHAI_ENDPOINT = 'swas-open.cn-shanghai.aliyuncs.com';
const REGIONS: EmulatorRegion[] = DEFAULT_REGIONS.map((r) => (r.regionId === DEMO_SECOND_REGION_ID ? { ...r, regionEndpoint: SHANGHAI_ENDPOINT } : r));
const HOSTS = [...new Set([...REGIONS.flatMap((r) => [r.regionEndpoint ?? `swas.${r.regionId}.aliyuncs.com`, `swas-vpc.${r.regionId}.aliyuncs.com`]), `swas.${DEMO_SECOND_REGION_ID}.aliyuncs.com`])];

/**
 * A CONNECT-only forward proxy: tunnels to the emulator whatever the name; plain requests get 502.
 * `close` destroys every socket, tunnels included: the client keeps a tunnel alive, and a CONNECT
 * socket leaves the HTTP server's own bookkeeping, so server.close() alone would wait for ever (why
 * the first version of this test timed out).
 */
async function startConnectProxy(target: { host: string; port?: number } = { host: EMULATOR_ADDRESS }): Promise<{ url: string; seen: string[]; close: () => Promise<void> }> {
  const seen: string[] = [];
  const server = trackConnections(http.createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    response.writeHead(502).end();
  }));
  server.on('connect', (request: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    seen.push(`CONNECT ${request.url}`);
    const port = target.port ?? Number((request.url ?? '').split(':')[1] ?? 443);
    const upstream = net.connect(port, target.host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      endConnections(server);
      return closed;
    },
  };
}

/** An HTTPS server with a self-signed certificate for `names` (no CA the host trusts): counts the requests it gets. */
async function startImpostor(names: readonly string[]): Promise<{ port: number; requests: () => number; close: () => Promise<void> }> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'swas-impostor-'));
  await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${names[0]}`,
    '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`, '-keyout', path.join(work, 'key.pem'), '-out', path.join(work, 'cert.pem')]);
  const server = trackConnections(https.createServer({ key: await fs.readFile(path.join(work, 'key.pem')), cert: await fs.readFile(path.join(work, 'cert.pem')) }));
  await fs.rm(work, { recursive: true, force: true });
  let requests = 0;
  server.on('request', (_request, response) => {
    requests++;
    response.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests: () => requests,
    close: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      endConnections(server);
      return closed;
    },
  };
}

// Linux only: the private network namespace (test/host/private-network.sh) is Linux's
suiteOn(['linux'], 'Production endpoint path: no swas.endpoint, HTTPS to swas.<region>.aliyuncs.com', function () {
  this.timeout(120_000);
  let world: World;
  suiteSetup(async () => {
    const tls = await serverCertificate(HOSTS);
    world = await World.start({ tls, host: EMULATOR_ADDRESS, port: 443, regions: REGIONS });
    await mapHosts(EMULATOR_ADDRESS, HOSTS);
  });
  suiteTeardown(async () => {
    await updateUserSetting('http', 'proxy', undefined);
    await world?.stop();
  });
  setup(async () => {
    await world.resetShowing([DEMO_REGION_ID]);
    await world.configure({ endpoint: undefined });
    assert.equal(vscode.workspace.getConfiguration('swas').get('endpoint'), '', 'swas.endpoint is not set');
  });

  const hostsOf = (action: string) => [...new Set(world.emulator.callsOf(action).map((c) => c.host))];

  test('create flow: region, name, server; every call over TLS to the region\'s own host', async () => {
    assert.match(world.emulator.url, /^https:/);
    world.script({ pick: DEMO_REGION_ID }, { type: ['tls-key'] }, { pick: 'web-1' });
    const outcome = await vscode.commands.executeCommand<CreateKeyPairOutcome>('swas.createKeyPair');
    assert.ok(outcome?.privateKeyPath, 'the key was saved');
    await outcome.followUp;
    assert.ok(world.emulator.keyPairs(DEMO_REGION_ID).some((k) => k.keyPairName === 'tls-key'));
    for (const action of ['ListRegions', 'CreateKeyPair', 'AttachKeyPair']) {
      assert.deepEqual(hostsOf(action), [`swas.${DEMO_REGION_ID}.aliyuncs.com`], action);
    }
    assert.ok(world.emulator.calls.every((c) => c.signatureValid && c.status === 200), JSON.stringify(world.emulator.calls.map((c) => [c.action, c.status, c.code])));
  });

  test('tree: each region at its host, Shanghai at the RegionEndpoint ListRegions gave', async () => {
    world.script({ pick: DEMO_SECOND_REGION_ID });
    await vscode.commands.executeCommand('swas.addRegion');
    const servers = await groupChildren(world.api.tree, DEMO_SECOND_REGION_ID, 'servers');
    assert.deepEqual(messages(servers), [], 'no error node');
    assert.equal(servers.length, 1);
    assert.ok((await groupChildren(world.api.tree, DEMO_REGION_ID, 'servers')).length > 0);
    assert.deepEqual(
      world.emulator.callsOf('ListInstances').filter((c) => c.query.ChargeType === 'PrePaid').map((c) => `${c.regionId} ${c.host}`).sort(),
      [`${DEMO_REGION_ID} swas.${DEMO_REGION_ID}.aliyuncs.com`, `${DEMO_SECOND_REGION_ID} ${SHANGHAI_ENDPOINT}`],
    );
  });

  test('lifecycle: Restart Server from the sidebar reaches the server over TLS', async () => {
    world.script({ answer: 'Restart' });
    const restarted = await vscode.commands.executeCommand<{ wait: { kind: string } } | undefined>('swas.restartServer', await serverNode(world.api.tree, DEMO_REGION_ID, 'db-1'));
    assert.equal(restarted?.wait.kind, 'running', 'followed over TLS until running again');
    assert.equal(world.emulator.instances(DEMO_REGION_ID).find((i) => i.instanceName === 'db-1')?.rebootCount, 1);
    assert.deepEqual(hostsOf('RebootInstance'), [`swas.${DEMO_REGION_ID}.aliyuncs.com`]);
  });

  test('the emulator refuses a call sent to a host that does not serve its RegionId', async () => {
    const credentials = await resolveCredentials({ accessKeyId: DEMO_ACCESS_KEY_ID, accessKeySecret: DEMO_ACCESS_KEY_SECRET });
    const client = (host: string) =>
      new SwasClient({ credentials, endpointOverride: { host, protocol: 'https' }, acceptLanguage: 'en-US', logger: silentLogger, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    for (const host of [`swas.${DEMO_REGION_ID}.aliyuncs.com`, `swas.${DEMO_SECOND_REGION_ID}.aliyuncs.com`]) {
      await assert.rejects(client(host).listKeyPairs(DEMO_SECOND_REGION_ID), (e: { details?: { code?: string } }) => e.details?.code === 'InvalidRegionId.MismatchEndpoint', host);
    }
    assert.ok((await client(SHANGHAI_ENDPOINT).listKeyPairs(DEMO_SECOND_REGION_ID)).length >= 0);
  });

  test('http.proxy: HTTPS goes through the proxy with CONNECT (the names lead nowhere else)', async () => {
    const proxy = await startConnectProxy();
    try {
      await mapHosts(DEAD_ADDRESS, HOSTS);
      await updateUserSetting('http', 'proxy', proxy.url);
      const groups = await regionChildren(world.api.tree, DEMO_REGION_ID);
      assert.deepEqual(messages(groups), [], 'the region loaded');
      assert.ok(world.emulator.callsOf('ListKeyPairs').length > 0);
      assert.ok(proxy.seen.length > 0 && proxy.seen.every((line) => line === `CONNECT swas.${DEMO_REGION_ID}.aliyuncs.com:443`), JSON.stringify(proxy.seen));
    } finally {
      await updateUserSetting('http', 'proxy', undefined);
      await mapHosts(EMULATOR_ADDRESS, HOSTS);
      await proxy.close();
    }
  });

  // http.proxyStrictSSL (default true): VS Code 1.139's extension-host proxy agent applies it to no
  // extension request (@vscode/proxy-agent 0.45 never reads it), so what counts is that the tunnel
  // leaves TLS verification on: a proxy that hands us another server's certificate is refused.
  test('http.proxy: through the tunnel the certificate is still checked (a self-signed impostor gets nothing)', async () => {
    assert.equal(vscode.workspace.getConfiguration('http').get('proxyStrictSSL'), true);
    const impostor = await startImpostor(HOSTS);
    const proxy = await startConnectProxy({ host: '127.0.0.1', port: impostor.port });
    try {
      await mapHosts(DEAD_ADDRESS, HOSTS);
      await updateUserSetting('http', 'proxy', proxy.url);
      const groups = await regionChildren(world.api.tree, DEMO_REGION_ID);
      assert.ok(proxy.seen.some((line) => line === `CONNECT swas.${DEMO_REGION_ID}.aliyuncs.com:443`), JSON.stringify(proxy.seen));
      assert.equal(impostor.requests(), 0, 'no request (and no signature) reached the impostor');
      assert.equal(world.emulator.calls.length, 0);
      assert.ok(messages(groups).length > 0, 'the region shows an error, not an empty list');
    } finally {
      await updateUserSetting('http', 'proxy', undefined);
      await mapHosts(EMULATOR_ADDRESS, HOSTS);
      await proxy.close();
      await impostor.close();
    }
  });
});
