// The in-process bus (AMQP_URL=inproc://events, the monolith) as services use it, through
// attachEventBus, against the real database and no broker: billing writes `order.confirmed` to its
// outbox, and inventory's, shipping's and recommendations' consumers each get one copy; duplicates
// are skipped by the inbox; an invalid body and a handler that keeps failing are dead-lettered
// (the latter after its retries, into billing's event_dead_letter table); and an event written but
// not delivered when the process "crashes" (the bus forgotten) is delivered after the restart.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { createEvent, type DomainEvent, type SubscriptionName } from '@trio/contracts/events';
import type { Postgres } from '@trio/service-runtime/postgres';
import { createServiceHost, type ServiceHost } from '@trio/service-runtime/service';
import { createTestDatabase, type TestDatabase } from '@trio/testing/infra';
import { listInProcessDeadLetters, replayInProcessDeadLetters } from '../src/dlq-in-process.ts';
import { inProcessBus } from '../src/in-process.ts';
import { createEventMetrics } from '../src/metrics.ts';
import { publishInTransaction } from '../src/outbox.ts';
import { attachEventBus, type EventBus } from '../src/service.ts';
import { inTransaction } from '../src/transaction.ts';
import { captureLogs, notSent, serviceDatabase, waitFor } from './support/bus.ts';

let database: TestDatabase;
let db: Postgres;
const hosts: ServiceHost[] = [];

before(async () => {
  database = await createTestDatabase();
  db = await serviceDatabase(database.url, 'billing', captureLogs('billing').log);
});
afterEach(async () => {
  for (const host of hosts.splice(0).toReversed()) await host.shutdown.close();
});
after(async () => {
  await db.end();
  await database.drop();
});

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const address = { name: 'Ada', line1: '1 Road', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };
/** An order of two mugs; each event is about an order of its own. */
const orderPayload = {
  userId: '0b9c2f2e-7a4b-4a43-9b59-3f7f3c3a9d11',
  lines: [{ sku: 'MUG-0001', qty: 2, unitPrice: eur(1250) }],
  totals: { subtotal: eur(2500), shipping: eur(495), tax: eur(475), total: eur(3470) },
  shipping: { service: 'standard' as const, address, weightGrams: 640 },
};

function orderConfirmed(): DomainEvent<'order.confirmed'> {
  return createEvent(
    'order.confirmed',
    { ...orderPayload, orderId: randomUUID() },
    { correlationId: 'req-inproc' },
  );
}

async function writeToOutbox(event: DomainEvent<'order.confirmed'>): Promise<void> {
  await inTransaction(db, (tx) => publishInTransaction(tx, event, { aggregateKey: event.payload.orderId }));
}

/** Effects of `queue`'s handler, by event id. */
async function effects(queue: string): Promise<string[]> {
  const { rows } = await db.query<{ event_id: string }>(
    'SELECT event_id FROM effects WHERE consumer = $1 ORDER BY id',
    [queue],
  );
  return rows.map((row) => row.event_id);
}

async function outboxPending(eventId: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM event_outbox WHERE event_id = $1 AND published_at IS NULL', [
    eventId,
  ]);
  return rows.length > 0;
}

/** One test's bus: its own exchange, so its queues (`<exchange>.<subscription>`) are its own. */
function scoped(scope: string) {
  const exchange = `test-inproc-${scope}-${randomUUID().slice(0, 8)}`;
  async function service(name: 'billing' | 'inventory' | 'shipping' | 'recommendations'): Promise<EventBus> {
    const host = createServiceHost({ service: name, log: captureLogs(name).log, signals: false });
    hosts.push(host);
    return attachEventBus(host, {
      url: 'inproc://events',
      service: name,
      exchange,
      ...(name === 'billing' ? { db } : {}),
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
    });
  }
  return { exchange, queue: (subscription: SubscriptionName) => `${exchange}.${subscription}`, service };
}

type Test = ReturnType<typeof scoped>;

/** Consumers of order.confirmed in the three services that subscribe to it, writing one effect each. */
async function consumeOrders(
  test: Test,
  shippingHandler?: (event: DomainEvent<'order.confirmed'>) => Promise<void>,
  retry = { delaysMs: [20, 40], maxAttempts: 3 },
) {
  const effect =
    (queue: string) =>
    async (event: DomainEvent, { tx }: { tx: { query: Postgres['query'] } }) => {
      await tx.query('INSERT INTO effects (event_id, consumer) VALUES ($1, $2)', [event.id, queue]);
    };
  const inventory = await test.service('inventory');
  await inventory.consume({
    subscription: 'inventory.orders',
    db,
    handlers: { 'order.confirmed': effect(test.queue('inventory.orders')), 'order.cancelled': notSent },
  });
  const shipping = await test.service('shipping');
  const shippingEffect = effect(test.queue('shipping.orders'));
  await shipping.consume({
    subscription: 'shipping.orders',
    db,
    retry,
    handlers: {
      'order.confirmed': async (event, context) => {
        await shippingHandler?.(event);
        await shippingEffect(event, context);
      },
    },
  });
  const recommendations = await test.service('recommendations');
  await recommendations.consume({
    subscription: 'recommendations.learning',
    db,
    handlers: {
      'order.confirmed': effect(test.queue('recommendations.learning')),
      'product.created': notSent,
      'product.updated': notSent,
    },
  });
}

const orderQueues = ['inventory.orders', 'shipping.orders', 'recommendations.learning'] as const;

describe('the in-process bus', () => {
  it('an event written to the outbox reaches each subscribed queue once, then its row is marked published', async () => {
    const test = scoped('fanout');
    await test.service('billing');
    await consumeOrders(test);
    const event = orderConfirmed();
    await writeToOutbox(event);

    await waitFor('the row published', async () => !(await outboxPending(event.id)));
    for (const subscription of orderQueues)
      assert.deepEqual(await effects(test.queue(subscription)), [event.id]);
  });

  it('a copy of an event already handled is skipped by each inbox', async () => {
    const test = scoped('duplicates');
    const billing = await test.service('billing');
    await consumeOrders(test);
    const event = orderConfirmed();
    const publisher = billing.publisher as EventBus['publisher'] & {
      deliver(event: DomainEvent): Promise<{ outcome: string }[]>;
    };
    const first = await publisher.deliver(event);
    const second = await publisher.deliver(event);

    assert.deepEqual(
      first.map((settlement) => settlement.outcome),
      ['handled', 'handled', 'handled'],
    );
    assert.deepEqual(
      second.map((settlement) => settlement.outcome),
      ['duplicate', 'duplicate', 'duplicate'],
    );
    for (const subscription of orderQueues)
      assert.deepEqual(await effects(test.queue(subscription)), [event.id]);
  });

  it('a body that breaks the contract is dead-lettered unhandled, with the reason', async () => {
    const test = scoped('invalid');
    await test.service('billing');
    await consumeOrders(test);
    const invalid = { ...orderConfirmed(), payload: { orderId: 'not-a-uuid' } };
    const { queues, settled } = inProcessBus(test.exchange).send({
      content: JSON.stringify(invalid),
      type: 'order.confirmed',
      messageId: invalid.id,
      headers: {},
    });

    assert.equal(queues, 3);
    for (const settlement of await settled) {
      assert.equal(settlement.outcome, 'dead-lettered');
      assert.ok(settlement.outcome === 'dead-lettered' && settlement.reason === 'invalid_event');
      assert.match(settlement.error, /orderId/);
    }
    for (const subscription of orderQueues) assert.deepEqual(await effects(test.queue(subscription)), []);
  });

  it('a handler that keeps failing is retried with back-off, then dead-lettered into the publisher’s table', async () => {
    const test = scoped('failing');
    await test.service('billing');
    const attempts: number[] = [];
    await consumeOrders(test, async () => {
      attempts.push(Date.now());
      throw new Error('the carrier is down');
    });
    const event = orderConfirmed();
    await writeToOutbox(event);

    await waitFor('the row published', async () => !(await outboxPending(event.id)));
    assert.equal(attempts.length, 3, 'three attempts');
    assert.ok(attempts[1]! - attempts[0]! >= 15, 'the first retry waited its tier');
    assert.ok(attempts[2]! - attempts[1]! >= 35, 'the second retry waited the next tier');
    const { rows } = await db.query(
      'SELECT queue, event_type, reason, error, attempts, envelope FROM event_dead_letter WHERE event_id = $1',
      [event.id],
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0].queue, test.queue('shipping.orders'));
    assert.equal(rows[0].reason, 'handler_failed');
    assert.match(rows[0].error, /the carrier is down/);
    assert.equal(rows[0].attempts, 3);
    assert.equal(rows[0].envelope.id, event.id);
    assert.deepEqual(await effects(test.queue('shipping.orders')), []);
    assert.deepEqual(
      await effects(test.queue('inventory.orders')),
      [event.id],
      'the other queues are unaffected',
    );
  });

  it('an event not yet handled by every queue when the process stops is delivered after the restart, once each', async () => {
    const test = scoped('crash');
    await test.service('billing');
    // Shipping is stuck on its first attempt when the process "crashes".
    let release: (() => void) | undefined;
    const stuck = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    await consumeOrders(test, async () => {
      calls += 1;
      if (calls === 1) {
        await stuck;
        throw new Error('the process died under this handler');
      }
    });
    const event = orderConfirmed();
    await writeToOutbox(event);
    await waitFor(
      'inventory to handle it',
      async () => (await effects(test.queue('inventory.orders'))).length === 1,
    );
    await waitFor('shipping to be stuck on it', () => calls === 1);

    // The crash: the bus and its queues are gone, the services' parts stop.
    inProcessBus(test.exchange).reset();
    const stopping = Promise.all(
      hosts
        .splice(0)
        .toReversed()
        .map((host) => host.shutdown.close()),
    );
    release?.();
    await stopping;
    assert.ok(await outboxPending(event.id), 'the row is still pending: not every queue had settled it');

    // The restart: the relay sends it again; inventory's and recommendations' inboxes skip it.
    await test.service('billing');
    await consumeOrders(test);
    await waitFor('the row published', async () => !(await outboxPending(event.id)));
    for (const subscription of orderQueues)
      assert.deepEqual(await effects(test.queue(subscription)), [event.id]);
  });

  it('npm run dlq -- list --in-process shows a dead letter; a replay sends it again: that queue handles it, the others skip it', async () => {
    const test = scoped('replay');
    await test.service('billing');
    let carrierUp = false;
    await consumeOrders(
      test,
      async () => {
        if (!carrierUp) throw new Error('the carrier is down');
      },
      { delaysMs: [10], maxAttempts: 1 },
    );
    const event = orderConfirmed();
    await writeToOutbox(event);
    await waitFor('the row published', async () => !(await outboxPending(event.id)));

    const listing = await listInProcessDeadLetters(db, test.queue('shipping.orders'));
    assert.equal(listing.count, 1);
    assert.equal(listing.messages[0]?.messageId, event.id);
    assert.equal(listing.messages[0]?.reason, 'handler_failed');

    carrierUp = true;
    assert.deepEqual(await replayInProcessDeadLetters(db, test.queue('shipping.orders')), {
      replayed: 1,
      remaining: 0,
    });
    await waitFor(
      'shipping to handle the replay',
      async () => (await effects(test.queue('shipping.orders'))).length === 1,
    );
    await waitFor('the row published again', async () => !(await outboxPending(event.id)));
    for (const subscription of orderQueues)
      assert.deepEqual(await effects(test.queue(subscription)), [event.id]);
    assert.equal((await listInProcessDeadLetters(db, test.queue('shipping.orders'))).count, 0);
  });

  it('counts what it publishes and consumes on the service’s registry, as the AMQP bus does', async () => {
    const test = scoped('metrics');
    const billing = await test.service('billing');
    await consumeOrders(test);
    await writeToOutbox(orderConfirmed());
    const metrics = createEventMetrics(billing.metrics.registry);
    await waitFor('the event published', async () => (await metrics.relayed.get()).values[0]?.value === 1);
    const published = (await metrics.published.get()).values.find((v) => v.labels.type === 'order.confirmed');
    assert.equal(published?.value, 1);
  });
});
