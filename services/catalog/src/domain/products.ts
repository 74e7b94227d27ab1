// The catalog's use cases for products. A change and the event announcing it are written in one
// transaction (the outbox); the cache entry is dropped only after that transaction committed.
import type {
  CreateProductRequest,
  Product,
  ProductList,
  ProductListQuery,
  UpdateProductRequest,
} from '@trio/contracts/catalog';
import { publishInTransaction } from '@trio/events/outbox';
import { createEventInContext } from '@trio/events/publisher';
import { inTransaction } from '@trio/events/transaction';
import type { Postgres } from '@trio/service-runtime/postgres';
import type pg from 'pg';
import { categoryExists } from '../data-access/categories.ts';
import type { ProductCache } from '../data-access/product-cache.ts';
import {
  findProduct,
  findProductForUpdate,
  findProducts,
  insertProducts,
  type ProductSort,
  saveProduct,
} from '../data-access/products.ts';
import { productNotFound, skuTaken, unknownCategory } from './errors.ts';

export interface CatalogDeps {
  db: Postgres;
  cache: ProductCache;
}

/** Relevance needs a search: without `q` the order is by name, which is also the default. */
function sortOf(query: ProductListQuery): ProductSort {
  if (query.q !== undefined) return query.sort ?? 'relevance';
  return query.sort === undefined || query.sort === 'relevance' ? 'name' : query.sort;
}

export async function listProducts({ db }: CatalogDeps, query: ProductListQuery): Promise<ProductList> {
  const { products, total } = await findProducts(db, {
    q: query.q,
    category: query.category,
    minPrice: query.minPrice,
    maxPrice: query.maxPrice,
    sort: sortOf(query),
    limit: query.pageSize,
    offset: (query.page - 1) * query.pageSize,
  });
  return { items: products, total, page: query.page, pageSize: query.pageSize };
}

export async function getProduct({ db, cache }: CatalogDeps, sku: string): Promise<Product> {
  const cached = await cache.get(sku);
  if (cached !== undefined) return cached;
  const product = await findProduct(db, sku);
  if (product === undefined) throw productNotFound(sku);
  await cache.set(product);
  return product;
}

export async function createProduct({ db }: CatalogDeps, input: CreateProductRequest): Promise<Product> {
  // Nothing to drop from the cache: only products that exist are cached.
  return inTransaction(db, async (tx) => {
    await assertCategoryExists(tx, input.category);
    const [product] = await insertProducts(tx, [input]);
    if (product === undefined) throw skuTaken(input.sku);
    await announce(tx, 'product.created', product);
    return product;
  });
}

export async function updateProduct(
  { db, cache }: CatalogDeps,
  sku: string,
  changes: UpdateProductRequest,
): Promise<Product> {
  const product = await inTransaction(db, async (tx) => {
    const current = await findProductForUpdate(tx, sku);
    if (current === undefined) throw productNotFound(sku);
    if (changes.category !== undefined) await assertCategoryExists(tx, changes.category);
    const updated = await saveProduct(tx, { ...current, ...changes });
    await announce(tx, 'product.updated', updated);
    return updated;
  });
  // Dropped after the commit: dropped before it, a concurrent read could cache the old version again.
  await cache.forget(sku);
  return product;
}

async function assertCategoryExists(tx: pg.PoolClient, slug: string): Promise<void> {
  if (!(await categoryExists(tx, slug))) throw unknownCategory(slug);
}

/** Writes the event into the outbox of the transaction `tx`: it is published when, and only if, tx commits. */
export async function announce(
  tx: pg.PoolClient,
  type: 'product.created' | 'product.updated',
  product: Product,
): Promise<void> {
  await publishInTransaction(tx, createEventInContext(type, product), { aggregateKey: product.sku });
}
