// Fixed-window counters in Redis for login attempts. The first attempt of a window creates the key
// with the window as its TTL; every attempt increments it. Emails are hashed so that Redis holds
// no addresses.
import { createHash } from 'node:crypto';
import type { Redis } from '@trio/service-runtime/redis';

export interface WindowCount {
  count: number;
  /** Seconds until the window ends. */
  resetsIn: number;
}

/** Counts one attempt under `name` (a key under the service's prefix). */
export async function countAttempt(redis: Redis, name: string, windowSeconds: number): Promise<WindowCount> {
  const key = redis.key(name);
  // One transaction: the key cannot expire between the SET that creates it and the INCR. A failed
  // command makes exec() reject with every error of the transaction.
  const [, count, ttl] = await redis.client
    .multi()
    .set(key, 0, { expiration: { type: 'EX', value: windowSeconds }, condition: 'NX' })
    .incr(key)
    .ttl(key)
    .exec<'typed'>();
  return { count, resetsIn: ttl > 0 ? ttl : windowSeconds };
}

export function emailKey(email: string): string {
  return `login:email:${createHash('sha256').update(email).digest('hex')}`;
}

export function ipKey(ip: string): string {
  return `login:ip:${ip}`;
}
