// Stocks every sku of the demo catalogue (@trio/demo-data) with its starting units, in one
// statement. Idempotent: a sku that has a row is left alone (sales and restocks since survive a
// restart), so it can run on every start and from several replicas at once. It announces nothing:
// stock.low and stock.depleted mark a fall in availability, and a seed makes nothing fall.
import { generateDemoStock } from '@trio/demo-data/stock';
import type { Postgres } from '@trio/service-runtime/postgres';
import type { Logger } from 'pino';
import { insertMissingStock } from '../data-access/stock.ts';

/** Returns how many skus it stocked: all of them on an empty database, none the second time. */
export async function seedStock(db: Postgres, log: Logger): Promise<number> {
  const levels = generateDemoStock();
  const inserted = await insertMissingStock(db, levels);
  log.info({ inserted, skus: levels.length }, 'demo stock seeded');
  return inserted;
}
