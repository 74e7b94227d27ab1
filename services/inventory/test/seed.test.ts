// The demo stock in the database: every demo sku stocked once, never overwriting what sales and
// restocks changed since, and safe when replicas seed at the same time.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { generateDemoStock } from '@trio/demo-data/stock';
import { createLogger } from '@trio/service-runtime/logger';
import { createPostgres, migrate, type Postgres } from '@trio/service-runtime/postgres';
import { createTestDatabase, type TestDatabase } from '@trio/testing/infra';
import { seedStock } from '../src/seed/seed-stock.ts';

const log = createLogger({ service: 'inventory', level: 'silent' });
const schema = 'inventory';
const databases: TestDatabase[] = [];
const pools: Postgres[] = [];

async function freshDatabase(): Promise<Postgres> {
  const database = await createTestDatabase();
  databases.push(database);
  await migrate({ url: database.url, schema, dir: new URL('../migrations/', import.meta.url), log });
  const db = createPostgres({ url: database.url, schema, log });
  pools.push(db);
  return db;
}

async function contents(db: Postgres) {
  const { rows } = await db.query<{ sku: string; on_hand: number; reserved: number }>(
    'SELECT sku, on_hand, reserved FROM stock ORDER BY sku',
  );
  return rows;
}

after(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  await Promise.all(databases.map((database) => database.drop()));
});

test('a fresh database gets every demo sku with its starting units, nothing reserved', async () => {
  const db = await freshDatabase();
  const demo = generateDemoStock();
  assert.equal(await seedStock(db, log), demo.length);
  const expected = demo
    .map(({ sku, units }) => ({ sku, on_hand: units, reserved: 0 }))
    .sort((a, b) => (a.sku < b.sku ? -1 : 1));
  assert.deepEqual(
    (await contents(db)).sort((a, b) => (a.sku < b.sku ? -1 : 1)),
    expected,
  );
});

test('seeding again inserts nothing and keeps what changed since', async () => {
  const db = await freshDatabase();
  await seedStock(db, log);
  await db.query("UPDATE stock SET on_hand = 1, reserved = 1 WHERE sku = 'KIT-0001'");
  const before = await contents(db);
  assert.equal(await seedStock(db, log), 0);
  assert.deepEqual(await contents(db), before);
});

test('replicas seeding at the same time stock each sku once between them', async () => {
  const db = await freshDatabase();
  const inserted = await Promise.all([seedStock(db, log), seedStock(db, log), seedStock(db, log)]);
  assert.equal(
    inserted.reduce((sum, count) => sum + count, 0),
    generateDemoStock().length,
  );
  assert.equal((await contents(db)).length, generateDemoStock().length);
});
