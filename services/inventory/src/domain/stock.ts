// Stock levels, and moveStock: the one place they change. A move locks the rows it touches in sku
// order (concurrent moves queue on a row instead of deadlocking), applies everything or nothing,
// never takes availability below zero, and announces each sku whose availability crossed the
// low-stock threshold or reached zero, through the outbox, in the transaction of the move.
import type { Sku } from '@trio/contracts/common';
import type { StockLevels } from '@trio/contracts/inventory';
import { publishInTransaction } from '@trio/events/outbox';
import { createEventInContext } from '@trio/events/publisher';
import type { Postgres } from '@trio/service-runtime/postgres';
import type pg from 'pg';
import { addStock, changeStock, findAvailable, lockStock, type StockChange } from '../data-access/stock.ts';

export interface StockSettings {
  /** `stock.low` when availability falls from above this to this or below (but not to 0). */
  lowStockThreshold: number;
}

export interface InventoryDeps extends StockSettings {
  db: Postgres;
}

/** A sku inventory has never seen has 0 units. */
export async function getStock({ db }: InventoryDeps, skus: readonly Sku[]): Promise<StockLevels> {
  const available = await findAvailable(db, skus);
  return Object.fromEntries(skus.map((sku) => [sku, available.get(sku) ?? 0]));
}

/** More units only raise availability, so a restock announces nothing. */
export async function restock({ db }: InventoryDeps, sku: Sku, qty: number) {
  return { sku, available: await addStock(db, sku, qty) };
}

/**
 * Applies `changes` (several for one sku add up) unless that would leave a sku with fewer than 0
 * units available; returns those skus, sorted, and changes nothing when there are any.
 */
export async function moveStock(
  tx: pg.PoolClient,
  changes: readonly StockChange[],
  settings: StockSettings,
): Promise<string[]> {
  const merged = new Map<string, StockChange>();
  for (const { sku, onHand, reserved } of changes) {
    const sum = merged.get(sku) ?? { sku, onHand: 0, reserved: 0 };
    merged.set(sku, { sku, onHand: sum.onHand + onHand, reserved: sum.reserved + reserved });
  }
  const levels = await lockStock(tx, [...merged.keys()]);
  const falls: { sku: string; before: number; after: number }[] = [];
  const short: string[] = [];
  for (const change of merged.values()) {
    const level = levels.get(change.sku) ?? { onHand: 0, reserved: 0 };
    const before = level.onHand - level.reserved;
    const after = before + change.onHand - change.reserved;
    if (after < 0) short.push(change.sku);
    else if (after < before) falls.push({ sku: change.sku, before, after });
  }
  if (short.length > 0) return short.sort();
  await changeStock(tx, [...merged.values()]);
  for (const fall of falls) await announceCrossing(tx, fall, settings);
  return [];
}

/** Once per crossing: the event is written only by the move that crossed, under the row's lock. */
async function announceCrossing(
  tx: pg.PoolClient,
  { sku, before, after }: { sku: string; before: number; after: number },
  { lowStockThreshold: threshold }: StockSettings,
): Promise<void> {
  const event =
    after === 0
      ? createEventInContext('stock.depleted', { sku })
      : after <= threshold && before > threshold
        ? createEventInContext('stock.low', { sku, available: after, threshold })
        : undefined;
  if (event !== undefined) await publishInTransaction(tx, event, { aggregateKey: sku });
}
