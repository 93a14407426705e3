import assert from 'node:assert/strict';
import * as http from 'http';
import * as net from 'net';
import * as vscode from 'vscode';
import type { CreateKeyPairOutcome } from '../../src/commands/createKeyPair';
import { DEMO_REGION_ID } from '../emulator/demo';
import { updateUserSetting, World } from './world';

/**
 * A forward HTTP proxy on loopback that records what passes through it and delivers every
 * request to the emulator, whatever host it names: the client never resolves that host itself,
 * as with a real corporate proxy.
 */
async function startProxy(emulatorPort: number): Promise<{ url: string; seen: string[]; close: () => Promise<void> }> {
  const seen: string[] = [];
  const server = http.createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    const target = new URL(request.url ?? '');
    const upstream = http.request(
      { host: '127.0.0.1', port: emulatorPort, path: target.pathname + target.search, method: request.method, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  });
  server.on('connect', (request, socket: net.Socket, head) => {
    seen.push(`CONNECT ${request.url}`);
    const upstream = net.connect(emulatorPort, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

suite('Proxy: VS Code\'s http.proxy carries the API calls', function () {
  this.timeout(60_000);
  let world: World;
  suiteSetup(async () => (world = await World.start()));
  suiteTeardown(async () => {
    await updateUserSetting('http', 'proxy', undefined);
    await world?.stop();
  });

  test('with http.proxy set, every SWAS call goes through the proxy', async () => {
    await world.reset();
    const proxy = await startProxy(world.emulator.port);
    try {
      await updateUserSetting('http', 'proxy', proxy.url);
      // A name this machine cannot resolve: only the proxy can deliver these calls.
      await world.configure({ endpoint: 'http://swas.cn-hangzhou.aliyuncs.com' });
      world.script({ pick: DEMO_REGION_ID }, { type: ['via-proxy'] }, { pick: 'Skip' });
      const outcome = await vscode.commands.executeCommand<CreateKeyPairOutcome>('swas.createKeyPair');
      assert.ok(outcome?.privateKeyPath);
      const apiCalls = world.emulator.calls.length;
      assert.ok(apiCalls >= 3);
      const proxied = proxy.seen.filter((line) => line.includes('swas.cn-hangzhou.aliyuncs.com'));
      assert.equal(proxied.length, apiCalls, `proxy saw: ${JSON.stringify(proxy.seen)}`);
    } finally {
      await proxy.close();
    }
  });
});
