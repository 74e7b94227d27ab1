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

export async function countAttempt(redis: Redis, key: string, windowSeconds: number): Promise<WindowCount> {
  const replies = await redis.multi().set(key, 0, 'EX', windowSeconds, 'NX').incr(key).ttl(key).exec();
  if (replies === null) throw new Error('the login attempt counter transaction was aborted');
  const [, [incrError, count], [ttlError, ttl]] = replies as [
    unknown,
    [Error | null, number],
    [Error | null, number],
  ];
  if (incrError || ttlError) throw incrError ?? ttlError;
  return { count, resetsIn: ttl > 0 ? ttl : windowSeconds };
}

export function emailKey(email: string): string {
  return `login:email:${createHash('sha256').update(email).digest('hex')}`;
}

export function ipKey(ip: string): string {
  return `login:ip:${ip}`;
}
