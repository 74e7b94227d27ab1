// Carts in Redis, a hash of sku → quantity: an anonymous shopper's under the session id, a
// customer's under the user id (so it follows them to another browser). At login the anonymous
// cart is added into the customer's.
import type { Redis } from 'ioredis';

export type CartOwner = { kind: 'session'; id: string } | { kind: 'user'; id: string };

export interface CartStore {
  lines(owner: CartOwner): Promise<{ sku: string; qty: number }[]>;
  /** Adds units to a line (a new line starts at `qty`); the line's new quantity, at most `max`. */
  add(owner: CartOwner, sku: string, qty: number, max: number): Promise<number>;
  /** false when the cart has no such line. */
  set(owner: CartOwner, sku: string, qty: number): Promise<boolean>;
  remove(owner: CartOwner, sku: string): Promise<boolean>;
  clear(owner: CartOwner): Promise<void>;
  /** Adds every line of `from` into `to` and empties `from`. */
  merge(from: CartOwner, to: CartOwner, max: number): Promise<void>;
  /** Which order a checkout key placed (a day long): a late resubmit finds it though the cart is gone. */
  orderOf(userId: string, idempotencyKey: string): Promise<string | undefined>;
  rememberOrder(userId: string, idempotencyKey: string, orderId: string): Promise<void>;
}

export function createCartStore(redis: Redis, options: { ttlSeconds: number }): CartStore {
  const key = (owner: CartOwner) => `cart:${owner.kind}:${owner.id}`;
  const touch = (owner: CartOwner) => redis.expire(key(owner), options.ttlSeconds);

  return {
    async lines(owner) {
      const hash = await redis.hgetall(key(owner));
      return Object.entries(hash)
        .map(([sku, qty]) => ({ sku, qty: Number(qty) }))
        .sort((a, b) => a.sku.localeCompare(b.sku));
    },
    async add(owner, sku, qty, max) {
      const total = await redis.hincrby(key(owner), sku, qty);
      if (total > max) await redis.hset(key(owner), sku, max);
      await touch(owner);
      return Math.min(total, max);
    },
    async set(owner, sku, qty) {
      if (!(await redis.hexists(key(owner), sku))) return false;
      await redis.hset(key(owner), sku, qty);
      await touch(owner);
      return true;
    },
    async remove(owner, sku) {
      return (await redis.hdel(key(owner), sku)) === 1;
    },
    async clear(owner) {
      await redis.del(key(owner));
    },
    async merge(from, to, max) {
      const lines = await redis.hgetall(key(from));
      for (const [sku, qty] of Object.entries(lines)) {
        const total = await redis.hincrby(key(to), sku, Number(qty));
        if (total > max) await redis.hset(key(to), sku, max);
      }
      if (Object.keys(lines).length > 0) await touch(to);
      await redis.del(key(from));
    },
    async orderOf(userId, idempotencyKey) {
      return (await redis.get(`checkout:${userId}:${idempotencyKey}`)) ?? undefined;
    },
    async rememberOrder(userId, idempotencyKey, orderId) {
      await redis.set(`checkout:${userId}:${idempotencyKey}`, orderId, 'EX', 24 * 3600);
    },
  };
}
