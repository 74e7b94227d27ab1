// Products as catalog answers them, kept for a short while: a page shows the same product in
// several places (the cart, recommendations, the product itself), and catalog need not be asked
// each time. product.updated drops a product at once, so a new price shows on the next page.
import { type Product, Product as ProductSchema } from '@trio/contracts/catalog';
import type { RestPeer } from '@trio/service-runtime/peer';
import { expect } from '../peers/rest.ts';

export interface ProductCache {
  /** The product, or undefined when catalog does not know the sku. */
  get(sku: string): Promise<Product | undefined>;
  forget(sku: string): void;
}

export function createProductCache(
  catalog: RestPeer,
  options: { ttlMs: number; maxEntries?: number },
): ProductCache {
  const max = options.maxEntries ?? 5_000;
  const entries = new Map<string, { value: Promise<Product | undefined>; expires: number }>();

  async function fetchProduct(sku: string): Promise<Product | undefined> {
    const reply = await catalog.request('GET', `/products/${encodeURIComponent(sku)}`);
    if (reply.status === 404 || reply.status === 400) return undefined;
    return expect(catalog, reply, [200], ProductSchema);
  }

  return {
    get(sku) {
      const now = Date.now();
      const cached = entries.get(sku);
      if (cached !== undefined && cached.expires > now) return cached.value;
      const value = fetchProduct(sku);
      // A failed fetch is not kept: the next page asks again.
      value.catch(() => entries.delete(sku));
      if (entries.size >= max) entries.delete(entries.keys().next().value!);
      entries.set(sku, { value, expires: now + options.ttlMs });
      return value;
    },
    forget(sku) {
      entries.delete(sku);
    },
  };
}
