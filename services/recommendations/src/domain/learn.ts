// What the service learns from each event. The consumer runs these in the transaction that records
// the event in the inbox, so a redelivered or duplicated event counts once. Orders only add to
// counts, and a product's newer version wins whatever the arrival order, so consuming the same
// events again, in any order, into an empty store gives the same store.
import type { OrderConfirmed } from '@trio/contracts/billing';
import type { Product } from '@trio/contracts/catalog';
import type pg from 'pg';
import { recordPairs } from '../data-access/pairs.ts';
import { recordSales, saveProduct } from '../data-access/products.ts';
import { recordPurchases } from '../data-access/purchases.ts';

export async function learnProduct(tx: pg.PoolClient, product: Product): Promise<void> {
  await saveProduct(tx, { sku: product.sku, category: product.category, updatedAt: product.updatedAt });
}

export async function learnOrder(tx: pg.PoolClient, order: OrderConfirmed): Promise<void> {
  // The contract does not forbid two lines of one sku: each sku counts once per order.
  const units = new Map<string, number>();
  for (const line of order.lines) units.set(line.sku, (units.get(line.sku) ?? 0) + line.qty);
  const skus = [...units.keys()];
  await recordSales(
    tx,
    skus.map((sku) => ({ sku, units: units.get(sku)! })),
  );
  await recordPairs(tx, skus);
  await recordPurchases(tx, order.userId, skus);
}
