// The promise inventory exists for: it never sells a unit twice. Many orders race for the last
// units of a sku, through two replicas sharing the database (as in production), over real ZeroMQ
// sockets. Each round is a fresh sku; several rounds show it is not luck.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { StockLevels } from '@trio/contracts/inventory';
import type { Postgres } from '@trio/service-runtime/postgres';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import {
  connect,
  type InventoryClient,
  newOrderId,
  newSku,
  openDatabase,
  startInventory,
  stockRow,
  type TestInventory,
} from './support/inventory.ts';

let infra: TestInfra;
let replicas: TestInventory[];
let client: InventoryClient;
let db: Postgres;

before(async () => {
  infra = await createTestInfra();
  replicas = [await startInventory(infra), await startInventory(infra, { SEED_ON_START: 'false' })];
  // One DEALER per replica; each call goes to the one with fewer calls in flight.
  client = connect(replicas.map((replica) => replica.endpoint));
  db = openDatabase(infra);
});

after(async () => {
  await client?.close();
  for (const replica of replicas ?? []) await replica.stop();
  await db?.end();
  await infra?.drop();
});

const rounds = 5;
const buyers = 60;
const units = 10;

test(`${buyers} concurrent one-unit orders for ${units} units: exactly ${units} succeed, in each of ${rounds} rounds`, async () => {
  for (let round = 1; round <= rounds; round += 1) {
    const sku = newSku('RACE');
    await client.call('restock', sku, units);
    const orders = Array.from({ length: buyers }, () => newOrderId());
    const outcomes = await Promise.allSettled(
      orders.map((orderId) => client.call('reserve', orderId, [{ sku, qty: 1 }], 300)),
    );

    const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const lost = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    assert.equal(won.length, units, `round ${round}: ${won.length} reservations succeeded`);
    for (const error of lost) {
      assert.equal(error.name, 'OutOfStock', `round ${round}: ${error.name}: ${error.message}`);
      assert.deepEqual(error.details, { skus: [sku] });
    }

    // The counts add up: all units reserved, none available, one held reservation per winner.
    assert.deepEqual(await client.call('getStock', [sku]), { [sku]: 0 });
    assert.deepEqual(await stockRow(db, sku), { onHand: units, reserved: units });
    const { rows } = await db.query<{ orders: number; qty: number }>(
      `SELECT count(*)::int AS orders, coalesce(sum((line ->> 'qty')::int), 0)::int AS qty
         FROM reservations, jsonb_array_elements(lines) AS line
        WHERE status = 'held' AND line ->> 'sku' = $1`,
      [sku],
    );
    assert.deepEqual(rows[0], { orders: units, qty: units });
  }
  // Both replicas served reserves: the race crossed two processes' pools, not one pool's queue.
  for (const replica of replicas) {
    const metrics = (await replica.admin('/metrics')).body;
    const served = metrics.match(
      /rpc_server_request_duration_seconds_count\{[^}]*method="reserve"[^}]*\} (\d+)/g,
    );
    assert.ok(served !== null && served.length > 0, 'a replica served no reserve');
  }
});

test('orders naming the same skus in opposite orders never deadlock and never oversell', async () => {
  const [a, b] = [newSku('LOCK'), newSku('LOCK')];
  await client.call('restock', a, units);
  await client.call('restock', b, units);
  const outcomes = await Promise.allSettled(
    Array.from({ length: buyers }, (_, i) => {
      const lines = [
        { sku: a, qty: 1 },
        { sku: b, qty: 1 },
      ];
      return client.call('reserve', newOrderId(), i % 2 === 0 ? lines : lines.toReversed(), 300);
    }),
  );
  const won = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
  const names = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason.name] : []));
  assert.equal(won, units);
  assert.deepEqual(new Set(names), new Set(['OutOfStock']));
  assert.deepEqual(StockLevels.parse(await client.call('getStock', [a, b])), { [a]: 0, [b]: 0 });
  assert.deepEqual(await stockRow(db, a), { onHand: units, reserved: units });
  assert.deepEqual(await stockRow(db, b), { onHand: units, reserved: units });
});
