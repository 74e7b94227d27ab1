// From billing's order.confirmed to a delivered shipment: one shipment per order however often the
// event arrives, moved through dispatched and delivered on the configured clock, each step
// announced in order on the exchange and recorded in the history `track` answers.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type DomainEvent, parseEvent } from '@trio/contracts/events';
import { type AmqpConnection, createAmqpConnection } from '@trio/events/connection';
import { createPublisher, type Publisher } from '@trio/events/publisher';
import { createLogger } from '@trio/service-runtime/logger';
import type { Postgres } from '@trio/service-runtime/postgres';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import {
  openDatabase,
  orderConfirmed,
  remoteError,
  type ShippingClient,
  startShipping,
  type TestShipping,
  waitFor,
} from './support/shipping.ts';

type ShipmentEvent = DomainEvent<'shipment.created' | 'shipment.dispatched' | 'shipment.delivered'>;

let infra: TestInfra;
let shipping: TestShipping;
let client: ShippingClient;
let db: Postgres;
let bus: AmqpConnection;
let billing: Publisher;
const shipmentEvents: ShipmentEvent[] = [];

before(async () => {
  infra = await createTestInfra();
  shipping = await startShipping(infra);
  client = shipping.client;
  db = openDatabase(infra);
  const log = createLogger({ service: 'test', level: 'silent' });
  const exchange = infra.broker.exchange('events');
  bus = createAmqpConnection({ url: infra.broker.url, name: 'shipping-events-test', log });
  await bus.start();
  // Billing's side: publishes order.confirmed onto the exchange shipping consumes from.
  billing = createPublisher({ connection: bus, log, exchange });
  await billing.start();
  // What billing would see: a queue bound to the three shipment events.
  const channel = await bus.current()!.createChannel();
  const queue = infra.broker.queue('shipment-events');
  await channel.assertQueue(queue, { durable: false });
  for (const type of ['shipment.created', 'shipment.dispatched', 'shipment.delivered'])
    await channel.bindQueue(queue, exchange, type);
  await channel.consume(queue, (message) => {
    if (message === null) return;
    shipmentEvents.push(parseEvent(JSON.parse(message.content.toString())) as ShipmentEvent);
    channel.ack(message);
  });
});

after(async () => {
  await billing?.close();
  await bus?.close();
  await shipping?.stop();
  await db?.end();
  await infra?.drop();
});

const eventsOf = (orderId: string) => shipmentEvents.filter((event) => event.payload.orderId === orderId);

async function shipmentsOf(orderId: string) {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM shipments WHERE order_id = $1', [orderId]);
  return rows;
}

describe('order.confirmed', () => {
  test('creates a shipment that is dispatched, then delivered, announcing each step in order', async () => {
    const order = orderConfirmed();
    const { orderId } = order.payload;
    await billing.publish(order);
    await waitFor('three shipment events', () => eventsOf(orderId).length >= 3);

    const events = eventsOf(orderId);
    assert.deepEqual(
      events.map((event) => event.type),
      ['shipment.created', 'shipment.dispatched', 'shipment.delivered'],
    );
    const [created] = events;
    assert.equal(created!.type, 'shipment.created');
    const { shipmentId, trackingNumber } = created!.payload;
    assert.match(trackingNumber, /^TRIO\d{10}$/);
    assert.deepEqual(created!.payload, { shipmentId, orderId, trackingNumber, service: 'express' });
    for (const event of events) {
      assert.deepEqual(event.payload, { ...event.payload, shipmentId, orderId, trackingNumber });
      assert.equal(event.correlationId, order.correlationId, 'each step carries the order’s correlation id');
    }

    const shipment = await client.call('track', shipmentId);
    assert.deepEqual(
      { ...shipment, history: shipment.history.map((entry) => entry.status) },
      {
        id: shipmentId,
        orderId,
        trackingNumber,
        service: 'express',
        destination: { country: 'FR', postalCode: '75001' },
        status: 'delivered',
        history: ['created', 'dispatched', 'delivered'],
      },
    );
    const times = shipment.history.map((entry) => Date.parse(entry.at));
    assert.ok(times[1]! - times[0]! >= 100, 'dispatched after DISPATCH_AFTER_MS');
    assert.ok(times[2]! - times[1]! >= 100, 'delivered after DELIVER_AFTER_MS');
  });

  test('the same event delivered twice creates one shipment; the inbox drops the copy', async () => {
    const order = orderConfirmed();
    await billing.publish(order);
    await billing.publish(order);
    await waitFor('the shipment to be delivered', () => eventsOf(order.payload.orderId).length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 300)); // nothing more arrives
    assert.equal((await shipmentsOf(order.payload.orderId)).length, 1);
    assert.equal(eventsOf(order.payload.orderId).length, 3);
    const { rows } = await db.query('SELECT 1 FROM event_inbox WHERE event_id = $1', [order.id]);
    assert.equal(rows.length, 1);
  });

  test('the order confirmed again under a new event id still has one shipment', async () => {
    const first = orderConfirmed();
    const again = orderConfirmed(first.payload.orderId);
    await billing.publish(first);
    await billing.publish(again);
    await waitFor('both events to be handled', () =>
      shipping
        .logs()
        .some(
          (line) =>
            line.msg === 'order has a shipment already; nothing to do' &&
            line.orderId === first.payload.orderId,
        ),
    );
    assert.equal((await shipmentsOf(first.payload.orderId)).length, 1);
  });

  test('each shipment gets its own tracking number', async () => {
    const orders = [orderConfirmed(), orderConfirmed(), orderConfirmed()];
    for (const order of orders) await billing.publish(order);
    const numbers = await waitFor('three shipments', async () => {
      const { rows } = await db.query<{ tracking_number: string }>(
        'SELECT tracking_number FROM shipments WHERE order_id = ANY($1::uuid[])',
        [orders.map((order) => order.payload.orderId)],
      );
      return rows.length === 3 && rows.map((row) => row.tracking_number);
    });
    assert.equal(new Set(numbers).size, 3);
  });
});

test('track: an unknown shipment NotFound, a non-UUID ValidationError', async () => {
  assert.equal((await remoteError(client.call('track', randomUUID()))).name, 'NotFound');
  assert.equal((await remoteError(client.callRaw('track', ['SHIP-1']))).name, 'ValidationError');
});
