// What every service of the shop must do, checked on the inventory: probes and metrics on the
// admin port, bad calls refused before any handler runs, the demo stock seeded, and a shutdown
// that closes everything in reverse order of opening.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateDemoStock } from '@trio/demo-data/stock';
import type { Postgres } from '@trio/service-runtime/postgres';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import {
  newOrderId,
  newSku,
  openDatabase,
  remoteError,
  reservationStatus,
  startInventory,
  stockRow,
  type TestInventory,
} from './support/inventory.ts';

let infra: TestInfra;
let inventory: TestInventory;
let db: Postgres;

before(async () => {
  infra = await createTestInfra();
  inventory = await startInventory(infra, { SEED_ON_START: 'true' });
  db = openDatabase(infra);
});

after(async () => {
  await inventory?.stop();
  await db?.end();
  await infra?.drop();
});

test('liveness and readiness answer 200; readiness checks PostgreSQL, the broker and the consumer', async () => {
  assert.equal((await inventory.admin('/healthz')).status, 200);
  const ready = await inventory.admin('/readyz');
  assert.equal(ready.status, 200);
  const checks = Object.keys((JSON.parse(ready.body) as { checks: Record<string, unknown> }).checks);
  assert.deepEqual(checks.slice(0, 2), ['postgres', 'amqp']);
  assert.match(String(checks[2]), /^consumer .*events\.inventory\.orders$/);
});

test('metrics count RPC calls by method and outcome, and show the outbox', async () => {
  await inventory.client.call('getStock', ['KIT-0001']);
  const { body } = await inventory.admin('/metrics');
  assert.match(
    body,
    /rpc_server_request_duration_seconds_count\{[^}]*method="getStock"[^}]*outcome="ok"[^}]*\} \d+/,
  );
  assert.match(body, /^events_outbox_pending\{?[^\n]*\}? \d+/m);
});

test('every sku of the demo catalogue is stocked with its starting units', async () => {
  const stock = generateDemoStock();
  const expected = Object.fromEntries(stock.map(({ sku, units }) => [sku, units]));
  const skus = stock.map(({ sku }) => sku);
  // getStock takes at most 200 skus per call.
  const levels = {
    ...(await inventory.client.call('getStock', skus.slice(0, 200))),
    ...(await inventory.client.call('getStock', skus.slice(200))),
  };
  assert.deepEqual(levels, expected);
  assert.ok(Object.values(levels).includes(0), 'some demo sku is sold out');
});

test('bad arguments are refused with ValidationError naming them, and the handler never runs', async () => {
  const sku = newSku();
  await inventory.client.call('restock', sku, 5);
  const orderId = newOrderId();
  const bad: [string, unknown[], RegExp][] = [
    ['reserve', [orderId, [{ sku, qty: 0 }], 60], /lines\[0\]\.qty/],
    ['reserve', [orderId, [{ sku, qty: 1 }], 0], /ttlSeconds/],
    [
      'reserve',
      [
        orderId,
        [
          { sku, qty: 1 },
          { sku, qty: 1 },
        ],
        60,
      ],
      /must not repeat a sku/,
    ],
    ['reserve', [orderId, [{ sku: 'lower-case', qty: 1 }], 60], /lines\[0\]\.sku/],
    ['reserve', [orderId, [{ sku, qty: 1 }]], /expected array to have >=3 items/],
    ['restock', [sku, -5], /qty/],
    ['getStock', [sku], /skus/],
  ];
  for (const [method, args, names] of bad) {
    const error = await remoteError(inventory.client.callRaw(method, args));
    assert.equal(error.name, 'ValidationError', `${method} ${JSON.stringify(args)}`);
    assert.match(error.message, names);
  }
  assert.equal(await reservationStatus(db, orderId), undefined);
  assert.deepEqual(await stockRow(db, sku), { onHand: 5, reserved: 0 });
});

test('an unknown method answers NameError', async () => {
  const error = await remoteError(inventory.client.callRaw('oversell', []));
  assert.equal(error.name, 'NameError');
});

test('stopping closes the admin port, the RPC server and every connection, in reverse order of opening', async () => {
  const second = await startInventory(infra, { SEED_ON_START: 'false' });
  await second.stop();
  const closed = second
    .logs()
    .filter((line) => line.msg === 'closed')
    .map((line) => String(line.resource));
  assert.match(closed[0]!, /^http server/);
  assert.deepEqual(closed.slice(1, 3), ['rpc server', 'reservation sweeper']);
  assert.match(closed[3]!, /^consumer .*events\.inventory\.orders$/);
  assert.deepEqual(closed.slice(4), ['outbox relay', 'event publisher', 'amqp', 'postgres', 'telemetry']);
});
