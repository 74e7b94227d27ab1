// Where the test infrastructure lives. Explicit URLs win; otherwise the standard local ports are
// probed, and only when they do not answer do we start containers (see global-setup.ts).
import { connect } from 'node:net';

export interface Endpoints {
  databaseUrl: string;
  redisUrl: string;
  amqpUrl: string;
}

export const defaultEndpoints: Endpoints = {
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: 'redis://127.0.0.1:6379',
  amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
};

export function endpointsFromEnv(env: NodeJS.ProcessEnv = process.env): Endpoints {
  return {
    databaseUrl: env.DATABASE_URL ?? defaultEndpoints.databaseUrl,
    redisUrl: env.REDIS_URL ?? defaultEndpoints.redisUrl,
    amqpUrl: env.AMQP_URL ?? defaultEndpoints.amqpUrl,
  };
}

const defaultPorts: Record<string, number> = {
  'postgres:': 5432,
  'postgresql:': 5432,
  'redis:': 6379,
  'amqp:': 5672,
};

/** Resolves true when a TCP connection to the URL's host and port succeeds within the timeout. */
export function answers(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port, protocol } = new URL(url);
  const host = hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) || defaultPorts[protocol] || 0 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
