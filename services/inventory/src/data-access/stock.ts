// SQL for stock levels. Every value travels as a query parameter.

import type { Queryable } from '@trio/service-runtime/postgres';
import type pg from 'pg';

export interface StockLevel {
  sku: string;
  onHand: number;
  reserved: number;
}

/** What to add to a sku's row (negative to take away). */
export interface StockChange {
  sku: string;
  onHand: number;
  reserved: number;
}

/**
 * Locks the rows of `skus` until the transaction ends, in sku order: transactions that lock
 * overlapping skus queue up in the same order and never wait for each other in a cycle.
 * Skus without a row are missing from the answer.
 */
export async function lockStock(
  tx: pg.PoolClient,
  skus: readonly string[],
): Promise<Map<string, StockLevel>> {
  const { rows } = await tx.query<{ sku: string; on_hand: number; reserved: number }>(
    'SELECT sku, on_hand, reserved FROM stock WHERE sku = ANY($1::text[]) ORDER BY sku FOR UPDATE',
    [skus],
  );
  return new Map(rows.map((row) => [row.sku, { sku: row.sku, onHand: row.on_hand, reserved: row.reserved }]));
}

/** Applies changes to rows this transaction has locked; one change per sku. */
export async function changeStock(tx: pg.PoolClient, changes: readonly StockChange[]): Promise<void> {
  await tx.query(
    `UPDATE stock
        SET on_hand = stock.on_hand + c.on_hand, reserved = stock.reserved + c.reserved, updated_at = now()
       FROM unnest($1::text[], $2::int[], $3::int[]) AS c (sku, on_hand, reserved)
      WHERE stock.sku = c.sku`,
    [changes.map((c) => c.sku), changes.map((c) => c.onHand), changes.map((c) => c.reserved)],
  );
}

/** Available units of the skus that have a row. */
export async function findAvailable(db: Queryable, skus: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await db.query<{ sku: string; available: number }>(
    'SELECT sku, on_hand - reserved AS available FROM stock WHERE sku = ANY($1::text[])',
    [skus],
  );
  return new Map(rows.map((row) => [row.sku, row.available]));
}

/** Adds units on hand, creating the sku's row if needed; returns the units available after. */
export async function addStock(db: Queryable, sku: string, qty: number): Promise<number> {
  const { rows } = await db.query<{ available: number }>(
    `INSERT INTO stock (sku, on_hand) VALUES ($1, $2)
     ON CONFLICT (sku) DO UPDATE SET on_hand = stock.on_hand + excluded.on_hand, updated_at = now()
     RETURNING on_hand - reserved AS available`,
    [sku, qty],
  );
  return rows[0]!.available;
}

/** Inserts the skus that have no row yet (others are left alone); returns how many it inserted. */
export async function insertMissingStock(
  db: Queryable,
  levels: readonly { sku: string; units: number }[],
): Promise<number> {
  const { rowCount } = await db.query(
    `INSERT INTO stock (sku, on_hand)
     SELECT * FROM unnest($1::text[], $2::int[])
     ON CONFLICT (sku) DO NOTHING`,
    [levels.map((level) => level.sku), levels.map((level) => level.units)],
  );
  return rowCount ?? 0;
}
