/**
 * A TCP proxy on 127.0.0.1 for tests that cut one process off a shared service (PostgreSQL, NATS) without
 * stopping the service for everyone: `cut()` drops every connection and refuses new ones, `restore()`
 * listens again on the same port.
 */
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';

/** A running proxy. */
export interface TcpProxy {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy to `target` (host:port) on a free local port. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.once('close', () => sockets.delete(socket));
          socket.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
        client.once('close', () => upstream.destroy());
        upstream.once('close', () => client.destroy());
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        const address = s.address();
        port = typeof address === 'object' && address ? address.port : port;
        server = s;
        resolve();
      });
    });
  const cut = async () => {
    const running = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (running) await new Promise<void>((resolve) => running.close(() => resolve()));
  };
  await listen();
  return { port, cut, restore: listen, close: cut };
}
