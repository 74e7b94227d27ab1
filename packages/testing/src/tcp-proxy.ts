// A loopback TCP proxy a test can cut: stands between a client and a real server so that the
// test can make the server "unreachable" (stop), drop every live connection mid-stream (reset),
// and bring it back on the same port (start) — without touching the shared server itself.

import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** The proxy's own port on 127.0.0.1. */
  port: number;
  /** Rewrites a URL of the target server to go through the proxy. */
  url(targetUrl: string): string;
  /** Destroys every connection in flight; new ones are still accepted. */
  reset(): void;
  /** Stops listening and destroys every connection: the server looks down. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function createTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  async function start(): Promise<void> {
    if (server) return;
    const s = createServer((client) => {
      const upstream = connect(target);
      track(client);
      track(upstream);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    port = (s.address() as AddressInfo).port;
    server = s;
  }

  function reset(): void {
    for (const socket of sockets) socket.destroy();
  }

  async function stop(): Promise<void> {
    const s = server;
    server = undefined;
    reset();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  await start();
  return {
    get port() {
      return port;
    },
    url(targetUrl) {
      const u = new URL(targetUrl);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    reset,
    stop,
    start,
    close: stop,
  };
}
