// SQL for co-purchases: how many confirmed orders held both skus of a pair. Each pair is stored in
// both directions, so that "bought with X" reads one range of pairs_rank_idx, best first.

import type { Queryable } from '@trio/service-runtime/postgres';
import type pg from 'pg';
import type { Scored } from './products.ts';

/** One more order holding both, for every pair of distinct skus in `skus` (each sku once). */
export async function recordPairs(tx: pg.PoolClient, skus: readonly string[]): Promise<void> {
  if (skus.length < 2) return;
  // In key order, so that two orders learnt at once cannot deadlock.
  await tx.query(
    `INSERT INTO pairs (sku, other_sku, orders)
     SELECT a.sku, b.sku, 1 FROM unnest($1::text[]) AS a (sku) CROSS JOIN unnest($1::text[]) AS b (sku)
     WHERE a.sku <> b.sku ORDER BY 1, 2
     ON CONFLICT (sku, other_sku) DO UPDATE SET orders = pairs.orders + 1`,
    [skus],
  );
}

/** Known products bought with `sku`, most often first (ties by sku), leaving out `exclude`. */
export async function findBoughtWith(
  db: Queryable,
  sku: string,
  exclude: readonly string[],
  limit: number,
): Promise<Scored[]> {
  const { rows } = await db.query<Scored>(
    `SELECT p.other_sku AS sku, p.orders AS score
     FROM pairs p JOIN products known ON known.sku = p.other_sku
     WHERE p.sku = $1 AND known.category IS NOT NULL AND p.other_sku <> ALL($2::text[])
     ORDER BY p.orders DESC, p.other_sku LIMIT $3`,
    [sku, exclude, limit],
  );
  return rows;
}

/**
 * Known products bought with any of `skus`, by the number of orders holding them with one of
 * `skus` (summed over `skus`; ties by sku), leaving out `exclude`.
 */
export async function findBoughtWithAny(
  db: Queryable,
  skus: readonly string[],
  exclude: readonly string[],
  limit: number,
): Promise<Scored[]> {
  const { rows } = await db.query<Scored>(
    `SELECT p.other_sku AS sku, sum(p.orders)::int AS score
     FROM pairs p JOIN products known ON known.sku = p.other_sku
     WHERE p.sku = ANY($1::text[]) AND known.category IS NOT NULL AND p.other_sku <> ALL($2::text[])
     GROUP BY p.other_sku
     ORDER BY score DESC, p.other_sku LIMIT $3`,
    [skus, exclude, limit],
  );
  return rows;
}
