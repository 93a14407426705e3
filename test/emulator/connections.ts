import type { Server, Socket } from 'node:net';

const openSockets = new WeakMap<Server, Set<Socket>>();

/**
 * Records `server`'s open sockets, so `endConnections` can end them. Not `http.Server.closeAllConnections`: it
 * needs Node 18.2, and VS Code 1.75's extension host (the floor, `npm run test:floor`), where these servers run,
 * is Node 16. Call right after creating the server. For an HTTPS server the sockets are the TCP ones under TLS.
 */
export function trackConnections<T extends Server>(server: T): T {
  const open = new Set<Socket>();
  openSockets.set(server, open);
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  return server;
}

/** Destroys every open socket of a tracked server: keep-alive clients would otherwise hold `close()` open. */
export function endConnections(server: Server): void {
  for (const socket of openSockets.get(server) ?? []) socket.destroy();
}
