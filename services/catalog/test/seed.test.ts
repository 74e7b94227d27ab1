// The demo catalogue in the database: the same products on every fresh database, inserted once,
// each announced once, and never overwriting what an admin changed since.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '@trio/service-runtime/logger';
import { createPostgres, migrate, type Postgres } from '@trio/service-runtime/postgres';
import { createTestDatabase, type TestDatabase } from '@trio/testing/infra';
import { seedCatalogue } from '../src/seed/seed-catalogue.ts';

const log = createLogger({ service: 'catalog', level: 'silent' });
const schema = 'catalog';
const migrations = new URL('../migrations/', import.meta.url);
const databases: TestDatabase[] = [];
const pools: Postgres[] = [];

async function freshDatabase(): Promise<Postgres> {
  const database = await createTestDatabase();
  databases.push(database);
  await migrate({ url: database.url, schema, dir: migrations, log });
  const db = createPostgres({ url: database.url, schema, log });
  pools.push(db);
  return db;
}

/** Everything the seed writes, in a fixed order. */
async function contents(db: Postgres) {
  const products = await db.query('SELECT * FROM products ORDER BY sku');
  const categories = await db.query('SELECT * FROM categories ORDER BY slug');
  const events = await db.query<{ count: number }>(
    "SELECT count(*)::int AS count FROM event_outbox WHERE event_type = 'product.created'",
  );
  return { products: products.rows, categories: categories.rows, events: events.rows[0]!.count };
}

let first: Postgres;
let second: Postgres;

before(async () => {
  [first, second] = await Promise.all([freshDatabase(), freshDatabase()]);
});

after(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  await Promise.all(databases.map((database) => database.drop()));
});

describe('seeding the catalogue', () => {
  test('two fresh databases get the same 200+ products in 8+ categories, each announced once', async () => {
    assert.equal(await seedCatalogue(first, log), await seedCatalogue(second, log));
    const [a, b] = [await contents(first), await contents(second)];
    assert.deepEqual(a, b);
    assert.ok(a.products.length >= 200, `${a.products.length} products`);
    assert.ok(a.categories.length >= 8, `${a.categories.length} categories`);
    assert.equal(a.events, a.products.length);
  });

  test('a second run inserts nothing, announces nothing and changes nothing', async () => {
    const before = await contents(first);
    assert.equal(await seedCatalogue(first, log), 0);
    assert.deepEqual(await contents(first), before);
  });

  test('what an admin changed survives a later seed', async () => {
    await first.query("UPDATE products SET price_amount = 1 WHERE sku = 'KIT-0001'");
    await seedCatalogue(first, log);
    const { rows } = await first.query("SELECT price_amount FROM products WHERE sku = 'KIT-0001'");
    assert.equal(rows[0].price_amount, '1');
  });

  test('replicas seeding at the same time insert each product once between them', async () => {
    const db = await freshDatabase();
    const inserted = await Promise.all([
      seedCatalogue(db, log),
      seedCatalogue(db, log),
      seedCatalogue(db, log),
    ]);
    const { products, events } = await contents(db);
    assert.equal(
      inserted.reduce((sum, count) => sum + count, 0),
      products.length,
    );
    assert.equal(events, products.length);
  });
});
