// Events in and out. In: billing's order.confirmed commits the order's hold and order.cancelled
// releases it, once per event however often it is delivered. Out: stock.low and stock.depleted,
// once per crossing, written in the transaction of the reserve that crossed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type DomainEvent, parseEvent } from '@trio/contracts/events';
import { type AmqpConnection, createAmqpConnection } from '@trio/events/connection';
import { createPublisher, type Publisher } from '@trio/events/publisher';
import { createLogger } from '@trio/service-runtime/logger';
import type { Postgres } from '@trio/service-runtime/postgres';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import {
  type InventoryClient,
  newOrderId,
  newSku,
  openDatabase,
  orderEvent,
  remoteError,
  reservationStatus,
  startInventory,
  stockRow,
  type TestInventory,
  waitFor,
} from './support/inventory.ts';

type StockEvent = DomainEvent<'stock.low' | 'stock.depleted'>;

let infra: TestInfra;
let inventory: TestInventory;
let client: InventoryClient;
let db: Postgres;
let bus: AmqpConnection;
let billing: Publisher;
const stockEvents: StockEvent[] = [];

before(async () => {
  infra = await createTestInfra();
  inventory = await startInventory(infra, { SEED_ON_START: 'false', LOW_STOCK_THRESHOLD: '5' });
  client = inventory.client;
  db = openDatabase(infra);
  const log = createLogger({ service: 'test', level: 'silent' });
  const exchange = infra.broker.exchange('events');
  bus = createAmqpConnection({ url: infra.broker.url, name: 'inventory-events-test', log });
  await bus.start();
  // Billing's side: publishes order events onto the exchange the inventory consumes from.
  billing = createPublisher({ connection: bus, log, exchange });
  await billing.start();
  // What catalog or the front-end would see: a queue bound to both stock events.
  const channel = await bus.current()!.createChannel();
  const queue = infra.broker.queue('stock-events');
  await channel.assertQueue(queue, { durable: false });
  for (const type of ['stock.low', 'stock.depleted']) await channel.bindQueue(queue, exchange, type);
  await channel.consume(queue, (message) => {
    if (message === null) return;
    stockEvents.push(parseEvent(JSON.parse(message.content.toString())) as StockEvent);
    channel.ack(message);
  });
});

after(async () => {
  await billing?.close();
  await bus?.close();
  await inventory?.stop();
  await db?.end();
  await infra?.drop();
});

/** A sku holding `units` and an order holding `qty` of it. */
async function heldOrder(units: number, qty: number) {
  const sku = newSku();
  await client.call('restock', sku, units);
  const orderId = newOrderId();
  await client.call('reserve', orderId, [{ sku, qty }], 600);
  return { sku, orderId, lines: [{ sku, qty }] };
}

function consumed(outcome: 'handled' | 'duplicate', type: string): Promise<number> {
  return inventory.admin('/metrics').then(({ body }) => {
    const line = body
      .split('\n')
      .find(
        (l) =>
          l.startsWith('events_consumed_total{') &&
          l.includes(`outcome="${outcome}"`) &&
          l.includes(`type="${type}"`),
      );
    return line === undefined ? 0 : Number(line.split(' ').at(-1));
  });
}

describe('order events', () => {
  test('order.confirmed commits the order’s reservation', async () => {
    const { sku, orderId, lines } = await heldOrder(10, 3);
    await billing.publish(orderEvent('order.confirmed', orderId, lines));
    await waitFor('the commit', async () => (await reservationStatus(db, orderId)) === 'committed');
    assert.deepEqual(await stockRow(db, sku), { onHand: 7, reserved: 0 });
  });

  test('the same order.confirmed delivered twice has one effect; the inbox drops the copy', async () => {
    const { sku, orderId, lines } = await heldOrder(10, 3);
    const duplicatesBefore = await consumed('duplicate', 'order.confirmed');
    const event = orderEvent('order.confirmed', orderId, lines);
    await billing.publish(event);
    await billing.publish(event);
    await waitFor(
      'the copy to be dropped',
      async () => (await consumed('duplicate', 'order.confirmed')) > duplicatesBefore,
    );
    assert.equal(await reservationStatus(db, orderId), 'committed');
    assert.deepEqual(await stockRow(db, sku), { onHand: 7, reserved: 0 });
    const { rows } = await db.query('SELECT 1 FROM event_inbox WHERE event_id = $1', [event.id]);
    assert.equal(rows.length, 1);
  });

  test('order.cancelled releases the order’s reservation', async () => {
    const { sku, orderId, lines } = await heldOrder(10, 3);
    await billing.publish(orderEvent('order.cancelled', orderId, lines));
    await waitFor('the release', async () => (await reservationStatus(db, orderId)) === 'released');
    assert.deepEqual(await stockRow(db, sku), { onHand: 10, reserved: 0 });
  });

  test('an order.confirmed with nothing to commit is logged and acknowledged, not retried', async () => {
    const orderId = newOrderId();
    const handledBefore = await consumed('handled', 'order.confirmed');
    await billing.publish(orderEvent('order.confirmed', orderId, [{ sku: 'NONE-0001', qty: 1 }]));
    await waitFor(
      'the event to be handled',
      async () => (await consumed('handled', 'order.confirmed')) > handledBefore,
    );
    const warning = inventory.logs().find((line) => line.orderId === orderId);
    assert.equal(warning?.msg, 'confirmed order has no reservation; nothing to commit');
    assert.equal(warning?.level, 'warn');
    assert.doesNotMatch(
      (await inventory.admin('/metrics')).body,
      /events_retried_total\{[^}]*order\.confirmed/,
    );
  });
});

describe('stock events', () => {
  const of = (sku: string) => stockEvents.filter((event) => event.payload.sku === sku);
  const summary = (events: StockEvent[]) =>
    events.map((event) => (event.type === 'stock.low' ? `low ${event.payload.available}` : 'depleted'));

  test('falling to the threshold announces stock.low once, reaching 0 stock.depleted, each crossing again', async () => {
    const sku = newSku();
    await client.call('restock', sku, 8);
    const reserve = (qty: number) => client.call('reserve', newOrderId(), [{ sku, qty }], 600);
    await reserve(2); // 8 → 6: above the threshold of 5
    await reserve(1); // 6 → 5: crossed
    await reserve(2); // 5 → 3: already low
    const last = newOrderId();
    await client.call('reserve', last, [{ sku, qty: 3 }], 600); // 3 → 0: depleted
    await client.call('release', last); // 0 → 3: back, nothing announced
    await client.call('restock', sku, 10); // 3 → 13
    await reserve(10); // 13 → 3: crossed again
    await waitFor('three stock events', () => of(sku).length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 200)); // nothing more arrives
    assert.deepEqual(summary(of(sku)), ['low 5', 'depleted', 'low 3']);
    assert.deepEqual(of(sku)[0]!.payload, { sku, available: 5, threshold: 5 });
  });

  test('a reserve straight from plenty to 0 announces stock.depleted only', async () => {
    const sku = newSku();
    await client.call('restock', sku, 20);
    await client.call('reserve', newOrderId(), [{ sku, qty: 20 }], 600);
    await waitFor('the depleted event', () => of(sku).length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(summary(of(sku)), ['depleted']);
  });

  test('a reserve that fails announces nothing: the event is written only with the change', async () => {
    const sku = newSku();
    await client.call('restock', sku, 6);
    const error = await remoteError(
      client.call(
        'reserve',
        newOrderId(),
        [
          { sku, qty: 6 },
          { sku: 'NONE-0002', qty: 1 },
        ],
        600,
      ),
    );
    assert.equal(error.name, 'OutOfStock');
    const { rows } = await db.query('SELECT 1 FROM event_outbox WHERE aggregate_key = $1', [sku]);
    assert.equal(rows.length, 0);
  });
});
