// Puts the demo catalogue into the database. Idempotent: categories and products whose key exists
// are left alone (an admin's later edits survive a restart), so it can run on every start and from
// several replicas at once. Each product it does insert is announced with product.created, through
// the outbox, like any other new product.

import { generateDemoCatalogue } from '@trio/demo-data/catalogue';
import { inTransaction } from '@trio/events/transaction';
import { createContext, runWithContext } from '@trio/service-runtime/context';
import type { Postgres } from '@trio/service-runtime/postgres';
import type { Logger } from 'pino';
import { insertCategories } from '../data-access/categories.ts';
import { insertProducts } from '../data-access/products.ts';
import { announce } from '../domain/products.ts';

/** Returns how many products it inserted: all of them on an empty database, none the second time. */
export async function seedCatalogue(db: Postgres, log: Logger): Promise<number> {
  const { categories, products } = generateDemoCatalogue();
  // One correlation id ties the seed's events together in logs and consumers.
  const context = createContext();
  const inserted = await runWithContext(context, () =>
    inTransaction(db, async (tx) => {
      await insertCategories(tx, categories);
      const added = await insertProducts(tx, products);
      for (const product of added) await announce(tx, 'product.created', product);
      return added;
    }),
  );
  log.info({ inserted: inserted.length, products: products.length }, 'demo catalogue seeded');
  return inserted.length;
}
