// Redis for a service, with node-redis v5 over RESP3. The client rides out outages: it connects in
// the background, reconnects forever with a capped backoff, and rejects commands at once while
// disconnected instead of queueing them, so a request needing Redis answers with an error rather
// than hanging, and a service starts while Redis is still down.
//
// node-redis has no key prefix of its own: every key goes through `key()`, which puts the service's
// prefix in front, so that services (and test files) can share one Redis without meeting.
import type { Logger } from 'pino';
import { createClient } from 'redis';
import type { ReadinessCheck } from './health.ts';
import type { ServiceHost } from './service.ts';

export interface RedisOptions {
  url: string;
  /** Put in front of every key by `key()` (e.g. `catalog:`); none by default. */
  keyPrefix?: string;
  log: Logger;
  /** Shown by CLIENT LIST. */
  connectionName?: string;
}

function openClient(options: RedisOptions) {
  return createClient({
    url: options.url,
    RESP: 3,
    name: options.connectionName,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 5_000,
      // Retry forever: giving up would leave the process alive but permanently unable to serve.
      reconnectStrategy: (retries) => Math.min(retries * 200, 5_000),
    },
  });
}

/** A node-redis v5 client speaking RESP3 (no key prefix: use `Redis.key`). */
export type RedisClient = ReturnType<typeof openClient>;

export interface Redis {
  client: RedisClient;
  /** The service's prefix, `''` when it has none. */
  prefix: string;
  /** `name` under the service's prefix: what every key given to `client` must be. */
  key(name: string): string;
}

/**
 * Opens a client and starts connecting without waiting: commands fail with ClientOfflineError
 * until it is ready. Blocking commands and subscriptions need a connection of their own
 * (`client.duplicate()`), or they would hold up every other command.
 */
export function createRedis(options: RedisOptions): Redis {
  const { log } = options;
  const prefix = options.keyPrefix ?? '';
  const client = openClient(options);
  client.on('ready', () => log.info('redis ready'));
  // Without a listener an 'error' event would crash the process; each failed attempt emits one.
  client.on('error', (error: Error) => log.warn({ err: error }, 'redis connection error'));
  // connect() settles once the first connection is up; it rejects only if reconnecting stops.
  client.connect().catch((error: unknown) => log.error({ err: error }, 'redis gave up connecting'));
  return { client, prefix, key: (name) => `${prefix}${name}` };
}

export function redisCheck(redis: Redis): ReadinessCheck {
  return async () => {
    const { client } = redis;
    // Without an offline queue PING would fail anyway; this says why.
    if (!client.isReady) throw new Error(`redis is ${client.isOpen ? 'reconnecting' : 'closed'}`);
    await client.ping();
  };
}

/** Lets pending replies arrive, then closes; stops reconnecting when not connected. Idempotent. */
export async function closeRedis(redis: Redis): Promise<void> {
  const { client } = redis;
  if (!client.isOpen) return;
  if (client.isReady) await client.close();
  else client.destroy();
}

export interface AttachRedisOptions {
  url: string;
  /** Put in front of every key by `key()` (REDIS_KEY_PREFIX). */
  keyPrefix?: string;
  /** The host's logger by default. */
  log?: Logger;
  /** Shown by CLIENT LIST (SERVICE_NAME). */
  connectionName?: string;
}

/**
 * What every service's main.ts does with Redis: opens the client, registers its closer (`redis`) on
 * `host.shutdown` and its readiness check (`redis`) on `host.health`, and waits for the first
 * connection attempt, so that the first requests find Redis connected. That wait is short either
 * way: a refused connection fails at once (the service then starts and keeps reconnecting), and
 * an unanswered one gives up after the connect timeout.
 */
export async function attachRedis(host: ServiceHost, options: AttachRedisOptions): Promise<Redis> {
  const redis = createRedis({ ...options, log: options.log ?? host.log });
  host.shutdown.register('redis', () => closeRedis(redis));
  host.health.addCheck('redis', redisCheck(redis));
  await firstAttempt(redis.client);
  return redis;
}

function firstAttempt(client: RedisClient): Promise<void> {
  if (client.isReady) return Promise.resolve();
  return new Promise((resolve) => {
    const settle = () => {
      client.off('ready', settle).off('error', settle);
      resolve();
    };
    client.on('ready', settle).on('error', settle);
  });
}
