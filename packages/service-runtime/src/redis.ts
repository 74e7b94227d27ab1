// A Redis client that rides out outages: it connects at once, reconnects forever with a capped
// backoff, and fails individual commands quickly while disconnected instead of queueing them for
// minutes, so a request needing Redis answers with an error rather than hanging.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ReadinessCheck } from './health.ts';

export type { Redis } from 'ioredis';

export interface RedisOptions {
  url: string;
  /** Prepended to every key (e.g. `catalog:`), so services can share one Redis. */
  keyPrefix?: string;
  log: Logger;
  /** Shown by CLIENT LIST. */
  connectionName?: string;
}

export function createRedis(options: RedisOptions): Redis {
  const { log } = options;
  const redis = new Redis(options.url, {
    keyPrefix: options.keyPrefix ?? '',
    connectionName: options.connectionName,
    lazyConnect: false,
    // Retry forever: giving up would leave the process alive but permanently unable to serve.
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
    maxRetriesPerRequest: 2,
  });
  redis.on('ready', () => log.info('redis ready'));
  // Without a listener ioredis prints every connection error to the console itself.
  redis.on('error', (error: Error) => log.warn({ err: error }, 'redis connection error'));
  return redis;
}

export function redisCheck(redis: Redis): ReadinessCheck {
  return async () => {
    // While reconnecting, PING would sit in the offline queue: report the state at once.
    if (redis.status !== 'ready') throw new Error(`redis is ${redis.status}`);
    await redis.ping();
  };
}

/** QUIT when connected (lets pending replies arrive); otherwise just stop reconnecting. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') await redis.quit();
  else redis.disconnect();
}
