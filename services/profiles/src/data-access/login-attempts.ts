// What profiles remembers of failed logins and of registrations, in Redis, following OWASP's
// authentication guidance: failures are counted (a success costs nothing and clears the
// shopper's own record), per email *and* shopper address, so that somebody else's wrong guesses
// never lock an account; per address across emails, against one client trying many accounts; and
// registrations per address, each of which costs an argon2 hash. Emails are hashed so that Redis
// holds no addresses.
import { createHash } from 'node:crypto';
import type { Redis } from '@trio/service-runtime/redis';

const hash = (text: string) => createHash('sha256').update(text).digest('hex');

/** The failures of one email from one shopper address. */
export function failuresKey(email: string, address: string): string {
  return `login:failures:${hash(email)}:${address}`;
}

/** The failures of every email from one shopper address. */
export function addressFailuresKey(address: string): string {
  return `login:address-failures:${address}`;
}

export function registrationsKey(address: string): string {
  return `register:address:${address}`;
}

export interface Counted {
  count: number;
  /** Seconds until the counter is forgotten. */
  resetsIn: number;
}

/** Adds one to the counter `name` (created with `windowSeconds` to live); its new value. */
export async function increment(redis: Redis, name: string, windowSeconds: number): Promise<Counted> {
  const key = redis.key(name);
  // One transaction: the key cannot expire between the SET that creates it and the INCR.
  const [, count, ttl] = await redis.client
    .multi()
    .set(key, 0, { expiration: { type: 'EX', value: windowSeconds }, condition: 'NX' })
    .incr(key)
    .ttl(key)
    .exec<'typed'>();
  return { count, resetsIn: ttl > 0 ? ttl : windowSeconds };
}

/** The counter's value now (0 when forgotten) and how long it lives. */
export async function read(redis: Redis, name: string): Promise<Counted> {
  const key = redis.key(name);
  const [value, ttl] = await redis.client.multi().get(key).ttl(key).exec<'typed'>();
  return { count: value === null ? 0 : Number(value), resetsIn: Math.max(ttl, 0) };
}

/** Failures of one email from one address: the time of the latest, and how many. */
export interface FailureRecord {
  count: number;
  /** Epoch milliseconds. */
  lastAt: number;
}

export async function readFailures(redis: Redis, name: string): Promise<FailureRecord> {
  const record = await redis.client.hGetAll(redis.key(name));
  return { count: Number(record.count ?? 0), lastAt: Number(record.lastAt ?? 0) };
}

/** One more failure at `at`; the record is forgotten `windowSeconds` after the latest failure. */
export async function recordFailure(
  redis: Redis,
  name: string,
  at: number,
  windowSeconds: number,
): Promise<FailureRecord> {
  const key = redis.key(name);
  const [count] = await redis.client
    .multi()
    .hIncrBy(key, 'count', 1)
    .hSet(key, 'lastAt', String(at))
    .expire(key, windowSeconds)
    .exec<'typed'>();
  return { count, lastAt: at };
}

export async function forget(redis: Redis, name: string): Promise<void> {
  await redis.client.del(redis.key(name));
}
