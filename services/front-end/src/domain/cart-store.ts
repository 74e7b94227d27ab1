// Carts in Redis, a hash of sku → quantity: an anonymous shopper's under the session id, a
// customer's under the user id (so it follows them to another browser). At login the anonymous
// cart is added into the customer's.
import type { Redis } from '@trio/service-runtime/redis';

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
  const { client } = redis;
  const key = (owner: CartOwner) => redis.key(`cart:${owner.kind}:${owner.id}`);
  const checkoutKey = (userId: string, idempotencyKey: string) =>
    redis.key(`checkout:${userId}:${idempotencyKey}`);
  const touch = (owner: CartOwner) => client.expire(key(owner), options.ttlSeconds);

  return {
    async lines(owner) {
      const hash = await client.hGetAll(key(owner));
      return Object.entries(hash)
        .map(([sku, qty]) => ({ sku, qty: Number(qty) }))
        .sort((a, b) => a.sku.localeCompare(b.sku));
    },
    async add(owner, sku, qty, max) {
      const total = await client.hIncrBy(key(owner), sku, qty);
      if (total > max) await client.hSet(key(owner), sku, max);
      await touch(owner);
      return Math.min(total, max);
    },
    async set(owner, sku, qty) {
      if ((await client.hExists(key(owner), sku)) === 0) return false;
      await client.hSet(key(owner), sku, qty);
      await touch(owner);
      return true;
    },
    async remove(owner, sku) {
      return (await client.hDel(key(owner), sku)) === 1;
    },
    async clear(owner) {
      await client.del(key(owner));
    },
    async merge(from, to, max) {
      const lines = await client.hGetAll(key(from));
      for (const [sku, qty] of Object.entries(lines)) {
        const total = await client.hIncrBy(key(to), sku, Number(qty));
        if (total > max) await client.hSet(key(to), sku, max);
      }
      if (Object.keys(lines).length > 0) await touch(to);
      await client.del(key(from));
    },
    async orderOf(userId, idempotencyKey) {
      return (await client.get(checkoutKey(userId, idempotencyKey))) ?? undefined;
    },
    async rememberOrder(userId, idempotencyKey, orderId) {
      await client.set(checkoutKey(userId, idempotencyKey), orderId, {
        expiration: { type: 'EX', value: 24 * 3600 },
      });
    },
  };
}
