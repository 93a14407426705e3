import * as net from 'node:net';

/**
 * A loopback address of this test process's own (Linux routes all of 127/8 to lo): Stryker runs the
 * same test file in two processes at once, and root's sshd always listens on port 22.
 */
export function ownLoopbackAddress(second: number): string {
  return `127.${second}.${(process.pid >> 8) & 255}.${1 + (process.pid & 255) % 254}`;
}

/** A TCP server that accepts and never says a word: ssh waits for a banner that never comes. */
export async function silentServer(host: string): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => void sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}
