// Products as catalog answers them, kept for a short while: a page shows the same product in
// several places (the cart, recommendations, the product itself), and catalog need not be asked
// each time. product.updated drops a product at once, so a new price shows on the next page. The
// category list and the product lists (category pages, searches) are kept the same way.
import type { CategoryList, Product, ProductList } from '@trio/contracts/catalog';
import { Sku } from '@trio/contracts/common';
import type { CatalogClient } from '../peers/clients.ts';
import { bodyOf } from './peer-replies.ts';

export interface ProductCache {
  /** The product, or undefined when catalog does not know the sku. */
  get(sku: string): Promise<Product | undefined>;
  forget(sku: string): void;
}

export function createProductCache(
  catalog: CatalogClient,
  options: { ttlMs: number; maxEntries?: number },
): ProductCache {
  const max = options.maxEntries ?? 5_000;
  const entries = new Map<string, { value: Promise<Product | undefined>; expires: number }>();

  async function fetchProduct(sku: string): Promise<Product | undefined> {
    // A cart or a recommendation naming a sku that cannot exist is a product catalog does not know.
    if (!Sku.safeParse(sku).success) return undefined;
    const reply = await catalog.getProduct({ params: { sku } });
    if (reply.status === 404) return undefined;
    return bodyOf('catalog', reply, 200);
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

export interface CategoryCache {
  /** The categories with their product counts (the home page and every page's navigation). */
  get(): Promise<CategoryList>;
  forget(): void;
}

/**
 * The category list, kept for `ttlMs` like products: it changes only with the catalogue, and
 * product.created / product.updated drop it at once (a new product changes its category's count).
 * The same object is answered until then, so what is rendered from it can be kept as long.
 */
export function createCategoryCache(catalog: CatalogClient, options: { ttlMs: number }): CategoryCache {
  let cached: { value: Promise<CategoryList>; expires: number } | undefined;
  return {
    get() {
      const now = Date.now();
      if (cached !== undefined && cached.expires > now) return cached.value;
      const value = catalog.listCategories().then((reply) => bodyOf('catalog', reply, 200));
      // A failed fetch is not kept: the next page asks again.
      value.catch(() => {
        if (cached?.value === value) cached = undefined;
      });
      cached = { value, expires: now + options.ttlMs };
      return value;
    },
    forget() {
      cached = undefined;
    },
  };
}

/** What catalog's product list is asked for: a category page's filters or a search, and a page. */
export interface ProductListQuery {
  q?: string | undefined;
  category?: string | undefined;
  minPrice?: number | undefined;
  maxPrice?: number | undefined;
  sort?: 'relevance' | 'name' | 'price_asc' | 'price_desc' | 'newest' | undefined;
  page?: number | undefined;
}

export interface ProductListCache {
  get(query: ProductListQuery): Promise<ProductList>;
  /** Drops every list: any product created or changed may move in or out of any of them. */
  forget(): void;
}

/**
 * Catalog's answers to product list queries (a category page, a search), kept for `ttlMs` and
 * dropped all at once by product.created / product.updated, as the category list is. The pages
 * asked catalog on every request before, which was most of a category or search page's cost
 * (issue 14). At most `maxEntries` queries are kept, the oldest dropped first: searches are free
 * text, so their number is up to the shoppers.
 */
export function createProductListCache(
  catalog: CatalogClient,
  options: { ttlMs: number; maxEntries?: number },
): ProductListCache {
  const max = options.maxEntries ?? 2_000;
  const entries = new Map<string, { value: Promise<ProductList>; expires: number }>();
  return {
    get(query) {
      const { q, category, minPrice, maxPrice, sort, page } = query;
      const key = JSON.stringify([q, category, minPrice, maxPrice, sort, page]);
      const now = Date.now();
      const cached = entries.get(key);
      if (cached !== undefined && cached.expires > now) return cached.value;
      const value = catalog
        .listProducts({ query: { q, category, minPrice, maxPrice, sort, page } })
        .then((reply) => bodyOf('catalog', reply, 200));
      // A failed fetch is not kept: the next page asks again.
      value.catch(() => {
        if (entries.get(key)?.value === value) entries.delete(key);
      });
      entries.delete(key);
      if (entries.size >= max) entries.delete(entries.keys().next().value!);
      entries.set(key, { value, expires: now + options.ttlMs });
      return value;
    },
    forget() {
      entries.clear();
    },
  };
}
