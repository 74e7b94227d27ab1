// SQL for the products the service knows: their category (from product events) and how often they
// sell (from orders). A sku seen only in orders has no category yet and is never recommended.

import type { Queryable } from '@trio/service-runtime/postgres';
import type pg from 'pg';

/** A recommendable sku and its score: how many orders back it. */
export interface Scored {
  sku: string;
  score: number;
}

export interface ProductVersion {
  sku: string;
  category: string;
  /** The catalog's updatedAt: an older version than the one stored is ignored. */
  updatedAt: string;
}

export interface Sale {
  sku: string;
  units: number;
}

/** Stores the product's category unless a newer version of it is stored already. */
export async function saveProduct(tx: pg.PoolClient, product: ProductVersion): Promise<void> {
  await tx.query(
    `INSERT INTO products (sku, category, product_updated_at) VALUES ($1, $2, $3)
     ON CONFLICT (sku) DO UPDATE SET category = excluded.category, product_updated_at = excluded.product_updated_at
     WHERE products.product_updated_at IS NULL OR products.product_updated_at <= excluded.product_updated_at`,
    [product.sku, product.category, product.updatedAt],
  );
}

/** One more order for each sku (each once in `sales`), with its units. */
export async function recordSales(tx: pg.PoolClient, sales: readonly Sale[]): Promise<void> {
  // Rows are written in sku order, so that two orders learnt at once cannot deadlock.
  await tx.query(
    `INSERT INTO products (sku, orders, units)
     SELECT sku, 1, units FROM unnest($1::text[], $2::int[]) AS sold (sku, units) ORDER BY sku
     ON CONFLICT (sku) DO UPDATE SET orders = products.orders + 1, units = products.units + excluded.units`,
    [sales.map((sale) => sale.sku), sales.map((sale) => sale.units)],
  );
}

export interface PopularQuery {
  /** Only products sharing a category with one of these skus; every known product when absent. */
  sameCategoryAs?: readonly string[];
  exclude: readonly string[];
  limit: number;
}

/** Known products, most ordered first (then most units, then sku), leaving out `exclude`. */
export async function findPopular(db: Queryable, query: PopularQuery): Promise<Scored[]> {
  const { rows } =
    query.sameCategoryAs === undefined
      ? await db.query<Scored>(
          `SELECT sku, orders AS score FROM products
           WHERE category IS NOT NULL AND sku <> ALL($1::text[])
           ORDER BY orders DESC, units DESC, sku LIMIT $2`,
          [query.exclude, query.limit],
        )
      : await db.query<Scored>(
          `SELECT sku, orders AS score FROM products
           WHERE category IN (SELECT category FROM products WHERE sku = ANY($3::text[]))
             AND sku <> ALL($1::text[])
           ORDER BY orders DESC, units DESC, sku LIMIT $2`,
          [query.exclude, query.limit, query.sameCategoryAs],
        );
  return rows;
}
