// Read-through cache of single products in Redis. The cache is an optimisation, never a
// dependency: when Redis is down, slow or holds something unreadable, reads go to PostgreSQL and
// the failure is logged, so a Redis outage costs latency, not answers.
//
// Staleness is bounded by the TTL. An entry that could not be dropped after a change (Redis was
// unreachable) is dropped again as soon as Redis is back, so that the change shows.
import { Product } from '@trio/contracts/catalog';
import type { Redis } from '@trio/service-runtime/redis';
import type { Logger } from 'pino';

export interface ProductCache {
  get(sku: string): Promise<Product | undefined>;
  set(product: Product): Promise<void>;
  /** Removes the entry after a change has committed, so the next read loads the new version. */
  forget(sku: string): Promise<void>;
}

export interface ProductCacheOptions {
  redis: Redis;
  ttlSeconds: number;
  log: Logger;
  /** A Redis that accepts connections but does not answer must not hold requests for long. */
  timeoutMs?: number;
}

/** The key of a product (under the service's key prefix); v1 changes when the cached shape does. */
export function productCacheKey(sku: string): string {
  return `product:v1:${sku}`;
}

export function createProductCache(options: ProductCacheOptions): ProductCache {
  const { redis, ttlSeconds, log } = options;
  const { client } = redis;
  const key = (sku: string) => redis.key(productCacheKey(sku));
  const timeoutMs = options.timeoutMs ?? 250;
  const unforgotten = new Set<string>();

  /** Runs a command if Redis is connected; undefined when it is not, fails or is too slow. */
  async function attempt<T>(
    operation: string,
    skus: string[],
    command: () => Promise<T>,
  ): Promise<T | undefined> {
    // While reconnecting the client rejects commands anyway: skip the cache without logging each.
    if (!client.isReady) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`redis took longer than ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([command(), timeout]);
    } catch (error) {
      log.warn({ err: error, operation, skus }, 'product cache unavailable; using the database');
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Drops the entries of `skus`; what cannot be dropped now is dropped when Redis is back. */
  async function drop(skus: string[]): Promise<void> {
    for (const sku of skus) unforgotten.delete(sku);
    const deleted = await attempt('forget', skus, () => client.del(skus.map(key)));
    if (deleted === undefined) for (const sku of skus) unforgotten.add(sku);
  }
  // Runs before any request can use the connection again, so no read sees what should be gone.
  client.on('ready', () => {
    if (unforgotten.size > 0) void drop([...unforgotten]);
  });

  return {
    async get(sku) {
      const cached = await attempt('get', [sku], () => client.get(key(sku)));
      if (cached == null) return undefined;
      const product = Product.safeParse(safeJson(cached));
      return product.success ? product.data : undefined;
    },
    async set(product) {
      await attempt('set', [product.sku], () =>
        client.set(key(product.sku), JSON.stringify(product), {
          expiration: { type: 'EX', value: ttlSeconds },
        }),
      );
    },
    forget: (sku) => drop([sku]),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
