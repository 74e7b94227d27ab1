// The home page's "Featured products": the newest few of every category, dealt out one category
// at a time (each category's newest first, then each one's second newest…), so the first row
// already shows the range of the shop, and a product added to any category is featured at once.
// One catalog call per category, shared by every home page for `ttlMs`.
import type { Category, Product } from '@trio/contracts/catalog';
import type { CatalogClient } from '../peers/clients.ts';
import { bodyOf } from './peer-replies.ts';

export interface FeaturedProducts {
  /** At most `limit` products across `categories`, in the order the home page shows them. */
  pick(categories: readonly Category[]): Promise<Product[]>;
}

export interface FeaturedOptions {
  ttlMs: number;
  /** How many products the home page shows. */
  limit?: number;
}

/** Deals the lists out like cards: the first of each, then the second of each, up to `limit`. */
export function interleave<T>(lists: readonly (readonly T[])[], limit: number): T[] {
  const dealt: T[] = [];
  const longest = Math.max(0, ...lists.map((list) => list.length));
  for (let round = 0; round < longest; round += 1) {
    for (const list of lists) {
      const item = list[round];
      if (item !== undefined && dealt.length < limit) dealt.push(item);
    }
  }
  return dealt;
}

export function createFeaturedProducts(catalog: CatalogClient, options: FeaturedOptions): FeaturedProducts {
  const limit = options.limit ?? 24;
  let cached: { key: string; value: Promise<Product[]>; expires: number } | undefined;

  async function newest(categories: readonly Category[]): Promise<Product[]> {
    const stocked = categories.filter((category) => category.productCount > 0);
    if (stocked.length === 0) return [];
    const pageSize = Math.min(100, Math.ceil(limit / stocked.length));
    const lists = await Promise.all(
      stocked.map(async (category) => {
        const query = { category: category.slug, sort: 'newest' as const, pageSize };
        return bodyOf('catalog', await catalog.listProducts({ query }), 200).items;
      }),
    );
    return interleave(lists, limit);
  }

  return {
    pick(categories) {
      const key = categories.map((category) => `${category.slug}:${category.productCount}`).join(',');
      const now = Date.now();
      if (cached !== undefined && cached.key === key && cached.expires > now) return cached.value;
      const value = newest(categories);
      // A failed pick is not kept: the next home page asks again.
      value.catch(() => {
        if (cached?.value === value) cached = undefined;
      });
      cached = { key, value, expires: now + options.ttlMs };
      return value;
    },
  };
}
