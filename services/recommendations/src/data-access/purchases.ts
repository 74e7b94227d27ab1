// SQL for what each user bought: the confirmed orders of theirs that held each sku.

import type { Queryable } from '@trio/service-runtime/postgres';
import type pg from 'pg';

/** One more order of `userId` for each of `skus` (each sku once). */
export async function recordPurchases(
  tx: pg.PoolClient,
  userId: string,
  skus: readonly string[],
): Promise<void> {
  await tx.query(
    `INSERT INTO purchases (user_id, sku, orders)
     SELECT $1, sku, 1 FROM unnest($2::text[]) AS bought (sku) ORDER BY sku
     ON CONFLICT (user_id, sku) DO UPDATE SET orders = purchases.orders + 1`,
    [userId, skus],
  );
}

/** Every sku `userId` bought, known to the catalog or not; none for a user without orders. */
export async function findPurchasedSkus(db: Queryable, userId: string): Promise<string[]> {
  const { rows } = await db.query<{ sku: string }>('SELECT sku FROM purchases WHERE user_id = $1', [userId]);
  return rows.map((row) => row.sku);
}
