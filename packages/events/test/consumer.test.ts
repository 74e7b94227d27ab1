// Publishing and consuming against the real broker and database: what arrives, what a handler
// sees, and what happens to poison messages, failing handlers and duplicates.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DomainEvent, InvalidEventError } from '@trio/contracts/events';
import { getContext } from '@trio/service-runtime/context';
import type { ChannelModel } from 'amqplib';
import { createConsumer, type DeliveryInfo, pruneInbox } from '../src/consumer.ts';
import { trioHeaders } from '../src/headers.ts';
import { createEventMetrics } from '../src/metrics.ts';
import { deadLetterQueueName } from '../src/topology.ts';
import {
  cacheTypesNotSent,
  delay,
  drainQueue,
  messageCount,
  notSent,
  orderCancelled,
  stockLow,
  waitFor,
} from './support/bus.ts';
import { type Harness, useHarness } from './support/harness.ts';

let h: Harness;
let raw: ChannelModel;
useHarness('inventory', (made) => {
  ({ h, raw } = made);
});

async function effects(consumer: string): Promise<{ event_id: string; detail: string | null }[]> {
  const { rows } = await h.db.query<{ event_id: string; detail: string | null }>(
    'SELECT event_id, detail FROM effects WHERE consumer = $1 ORDER BY id',
    [consumer],
  );
  return rows;
}

/** A queue bound to `exchange` for `types`, to see exactly what the publisher sent. */
async function tap(exchange: string, name: string, types: string[]): Promise<string> {
  const queue = h.broker.queue(name);
  const channel = await raw.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  await channel.assertQueue(queue, { durable: false });
  for (const type of types) await channel.bindQueue(queue, exchange, type);
  await channel.close();
  return queue;
}

async function counterValue(
  counter: { get(): Promise<{ values: { value: number; labels: Record<string, unknown> }[] }> },
  labels: Record<string, string>,
): Promise<number> {
  const { values } = await counter.get();
  return values
    .filter((v) => Object.entries(labels).every(([key, value]) => v.labels[key] === value))
    .reduce((sum, v) => sum + v.value, 0);
}

describe('publish and consume', () => {
  it('a published event reaches the consumer with its ids in the properties, headers and handler context', async () => {
    const exchange = h.exchange('basic');
    const queue = h.queue('inventory.basic');
    const tapped = await tap(exchange, 'tap.basic', ['order.cancelled']);
    const connection = await h.connection('basic');
    const publisher = await h.publisher(connection, exchange);
    const seen: { event: DomainEvent; context: ReturnType<typeof getContext>; delivery: DeliveryInfo }[] = [];
    const consumer = await h.consumer({
      connection,
      db: h.db,
      log: h.logs.log,
      subscription: 'inventory.orders',
      queue,
      exchange,
      handlers: {
        'order.confirmed': notSent,
        'order.cancelled': async (event, { tx, delivery }) => {
          seen.push({ event, context: getContext(), delivery });
          await tx.query('INSERT INTO effects (event_id, consumer) VALUES ($1, $2)', [event.id, queue]);
        },
      },
    });
    await consumer.check();

    const event = orderCancelled();
    await publisher.publish(event);

    await waitFor('the handler to run', () => seen.length === 1);
    const [first] = seen;
    assert.deepEqual(first!.event, event);
    assert.equal(first!.context?.correlationId, 'req-7f3a');
    assert.equal(first!.context?.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(first!.context?.requestId, event.id);
    assert.deepEqual(first!.delivery, { queue, attempt: 1, redelivered: false });
    await waitFor('the effect to commit', async () => (await effects(queue)).length === 1);

    const [message] = await drainQueue(raw, tapped);
    assert.ok(message);
    assert.equal(message.fields.routingKey, 'order.cancelled');
    assert.equal(message.properties.messageId, event.id);
    assert.equal(message.properties.type, 'order.cancelled');
    assert.equal(message.properties.contentType, 'application/json');
    assert.equal(message.properties.deliveryMode, 2);
    assert.equal(message.properties.timestamp, Math.floor(Date.parse(event.occurredAt) / 1000));
    assert.equal(message.properties.headers?.['x-correlation-id'], 'req-7f3a');
    assert.equal(message.properties.headers?.traceparent, event.traceparent);
    assert.deepEqual(JSON.parse(message.content.toString()), event);
  });

  it('when the event is invalid, publish rejects and nothing is sent', async () => {
    const exchange = h.exchange('invalid');
    const tapped = await tap(exchange, 'tap.invalid', ['#']);
    const connection = await h.connection('invalid');
    const publisher = await h.publisher(connection, exchange);
    const valid = stockLow();
    const invalid = { ...valid, payload: { ...valid.payload, sku: 'not a sku' } } as DomainEvent;

    await assert.rejects(publisher.publish(invalid), (error: unknown) => {
      assert.ok(error instanceof InvalidEventError);
      assert.equal(error.reason, 'payload');
      return true;
    });
    await publisher.publish(valid);

    const messages = await drainQueue(raw, tapped);
    assert.deepEqual(
      messages.map((m) => m.properties.messageId),
      [valid.id],
    );
  });

  it('when a message is not a valid event, it goes to the DLQ with the reason and the consumer goes on', async () => {
    const exchange = h.exchange('poison');
    const queue = h.queue('inventory.poison', [50]);
    const connection = await h.connection('poison');
    const publisher = await h.publisher(connection, exchange);
    const handled: string[] = [];
    await h.consumer({
      connection,
      db: h.db,
      log: h.logs.log,
      subscription: 'inventory.orders',
      queue,
      exchange,
      retry: { delaysMs: [50] },
      handlers: { 'order.confirmed': notSent, 'order.cancelled': (event) => void handled.push(event.id) },
    });

    const channel = await raw.createChannel();
    const badPayload = { ...orderCancelled(), payload: { orderId: 'not-a-uuid' } };
    channel.publish(exchange, 'order.cancelled', Buffer.from('{ this is not json'), { messageId: 'm-1' });
    channel.publish(exchange, 'order.cancelled', Buffer.from(JSON.stringify(badPayload)), {
      messageId: 'm-2',
    });
    await channel.close();
    const good = orderCancelled();
    await publisher.publish(good);

    await waitFor('the valid event to be handled', () => handled.includes(good.id));
    const dlq = deadLetterQueueName(queue);
    await waitFor('both poison messages in the DLQ', async () => (await messageCount(raw, dlq)) === 2);
    const dead = await drainQueue(raw, dlq);
    const byId = new Map(dead.map((m) => [m.properties.messageId, m.properties.headers ?? {}]));
    assert.equal(byId.get('m-1')?.[trioHeaders.deadReason], 'invalid_event');
    assert.match(String(byId.get('m-1')?.[trioHeaders.error]), /not JSON/);
    assert.equal(byId.get('m-2')?.[trioHeaders.deadReason], 'invalid_event');
    assert.match(String(byId.get('m-2')?.[trioHeaders.error]), /payload\.orderId/);
    assert.equal(byId.get('m-2')?.[trioHeaders.queue], queue);
    assert.equal(await messageCount(raw, queue), 0);
    assert.deepEqual(handled, [good.id]);
  });

  it('when the handler fails twice and then succeeds, the event has its effect once, after delays', async () => {
    const exchange = h.exchange('flaky');
    const queue = h.queue('inventory.flaky', [100, 200]);
    const connection = await h.connection('flaky');
    const metrics = createEventMetrics();
    const publisher = await h.publisher(connection, exchange, metrics);
    const attempts: { attempt: number; at: number }[] = [];
    await h.consumer({
      connection,
      db: h.db,
      log: h.logs.log,
      metrics,
      subscription: 'inventory.orders',
      queue,
      exchange,
      retry: { delaysMs: [100, 200] },
      handlers: {
        'order.confirmed': notSent,
        'order.cancelled': async (event, { tx, delivery }) => {
          attempts.push({ attempt: delivery.attempt, at: Date.now() });
          // Written before failing: a failed attempt must leave nothing behind.
          await tx.query('INSERT INTO effects (event_id, consumer, detail) VALUES ($1, $2, $3)', [
            event.id,
            queue,
            `attempt ${delivery.attempt}`,
          ]);
          if (delivery.attempt < 3) throw new Error(`warehouse offline (attempt ${delivery.attempt})`);
        },
      },
    });

    const event = orderCancelled();
    await publisher.publish(event);

    await waitFor('the third attempt', () => attempts.length === 3);
    await waitFor('the effect', async () => (await effects(queue)).length === 1);
    await delay(300);
    assert.deepEqual(await effects(queue), [{ event_id: event.id, detail: 'attempt 3' }]);
    assert.deepEqual(
      attempts.map((a) => a.attempt),
      [1, 2, 3],
    );
    assert.ok(attempts[1]!.at - attempts[0]!.at >= 90, 'the first retry waits in the 100 ms tier');
    assert.ok(attempts[2]!.at - attempts[1]!.at >= 190, 'the second retry waits in the 200 ms tier');
    assert.equal(await messageCount(raw, deadLetterQueueName(queue)), 0);
    assert.equal(await counterValue(metrics.retried, { queue }), 2);
    assert.equal(await counterValue(metrics.consumed, { queue, outcome: 'handled' }), 1);
  });

  it('when the handler keeps failing, the event is dead-lettered after its attempts with the last error', async () => {
    const exchange = h.exchange('failing');
    const queue = h.queue('inventory.failing', [50]);
    const connection = await h.connection('failing');
    const metrics = createEventMetrics();
    const publisher = await h.publisher(connection, exchange, metrics);
    let calls = 0;
    await h.consumer({
      connection,
      db: h.db,
      log: h.logs.log,
      metrics,
      subscription: 'inventory.orders',
      queue,
      exchange,
      retry: { delaysMs: [50], maxAttempts: 3 },
      handlers: {
        'order.confirmed': notSent,
        'order.cancelled': () => {
          calls += 1;
          throw new Error(`boom ${calls}`);
        },
      },
    });

    const event = orderCancelled();
    await publisher.publish(event);

    const dlq = deadLetterQueueName(queue);
    await waitFor('the event in the DLQ', async () => (await messageCount(raw, dlq)) === 1);
    const [dead] = await drainQueue(raw, dlq);
    const headers = dead!.properties.headers ?? {};
    assert.equal(dead!.properties.messageId, event.id);
    assert.equal(headers[trioHeaders.deadReason], 'handler_failed');
    assert.equal(headers[trioHeaders.attempts], 3);
    assert.equal(headers[trioHeaders.error], 'Error: boom 3');
    assert.equal(calls, 3, 'the third attempt (the second retry, on the last tier again) is the last');
    assert.deepEqual(JSON.parse(dead!.content.toString()), event);
    assert.equal(await counterValue(metrics.deadLettered, { queue, reason: 'handler_failed' }), 1);
  });

  it('when a handler swallows a database error, its transaction is not committed and it is retried', async () => {
    const exchange = h.exchange('swallow');
    const queue = h.queue('inventory.swallow', [50]);
    const connection = await h.connection('swallow');
    const publisher = await h.publisher(connection, exchange);
    const attempts: number[] = [];
    await h.consumer({
      connection,
      db: h.db,
      log: h.logs.log,
      subscription: 'inventory.orders',
      queue,
      exchange,
      retry: { delaysMs: [50] },
      handlers: {
        'order.confirmed': notSent,
        'order.cancelled': async (event, { tx, delivery }) => {
          attempts.push(delivery.attempt);
          await tx.query('INSERT INTO effects (event_id, consumer, detail) VALUES ($1, $2, $3)', [
            event.id,
            queue,
            `attempt ${delivery.attempt}`,
          ]);
          if (delivery.attempt === 1) await tx.query('SELECT 1 / 0').catch(() => {});
        },
      },
    });

    const event = orderCancelled();
    await publisher.publish(event);

    await waitFor('the retry', () => attempts.length === 2);
    await waitFor('the effect', async () => (await effects(queue)).length === 1);
    assert.deepEqual(await effects(queue), [{ event_id: event.id, detail: 'attempt 2' }]);
  });

  it('when the same event is delivered twice, it has its effect once', async () => {
    const exchange = h.exchange('twice');
    const queue = h.queue('inventory.twice');
    const connection = await h.connection('twice');
    const metrics = createEventMetrics();
    const publisher = await h.publisher(connection, exchange, metrics);
    await h.consumer({
      connection,
      db: h.db,
      log: h.logs.log,
      metrics,
      subscription: 'inventory.orders',
      queue,
      exchange,
      handlers: {
        'order.confirmed': notSent,
        'order.cancelled': async (event, { tx }) => {
          await tx.query('INSERT INTO effects (event_id, consumer) VALUES ($1, $2)', [event.id, queue]);
        },
      },
    });

    const event = orderCancelled();
    await publisher.publish(event);
    await publisher.publish(event);

    await waitFor(
      'both deliveries settled',
      async () => (await counterValue(metrics.consumed, { queue })) === 2,
    );
    assert.equal((await effects(queue)).length, 1);
    assert.equal(await counterValue(metrics.consumed, { queue, outcome: 'duplicate' }), 1);
  });

  it('when two consumers share a queue, they share the work and each event has its effect once', async () => {
    const exchange = h.exchange('shared');
    const queue = h.queue('inventory.shared');
    const publisher = await h.publisher(await h.connection('shared-publisher'), exchange);
    const handledBy: Record<string, number> = { a: 0, b: 0 };
    for (const name of ['a', 'b'] as const) {
      await h.consumer({
        connection: await h.connection(`shared-${name}`),
        db: h.db,
        log: h.logs.log,
        subscription: 'inventory.orders',
        queue,
        exchange,
        prefetch: 1,
        handlers: {
          'order.confirmed': notSent,
          'order.cancelled': async (event, { tx }) => {
            handledBy[name]! += 1;
            await tx.query('INSERT INTO effects (event_id, consumer) VALUES ($1, $2)', [event.id, queue]);
            await delay(5);
          },
        },
      });
    }

    const events = Array.from({ length: 40 }, () => orderCancelled());
    await Promise.all(events.map((event) => publisher.publish(event)));

    await waitFor('all effects', async () => (await effects(queue)).length === 40);
    const ids = new Set((await effects(queue)).map((row) => row.event_id));
    assert.equal(ids.size, 40);
    assert.ok(handledBy.a! > 5 && handledBy.b! > 5, `both consumers worked: ${JSON.stringify(handledBy)}`);
  });

  it('a consumer without a database runs its handlers without an inbox or a transaction', async () => {
    const exchange = h.exchange('plain');
    const queue = h.queue('catalog.plain');
    const connection = await h.connection('plain');
    const publisher = await h.publisher(connection, exchange);
    const seen: unknown[] = [];
    await h.consumer({
      connection,
      db: null,
      log: h.logs.log,
      subscription: 'front-end.cache',
      queue,
      exchange,
      handlers: {
        'stock.low': (event, { tx }) => void seen.push([event.payload.sku, tx]),
        'stock.depleted': notSent,
        ...cacheTypesNotSent,
      },
    });

    await publisher.publish(stockLow('LAMP-0042'));

    await waitFor('the handler', () => seen.length === 1);
    assert.deepEqual(seen, [['LAMP-0042', undefined]]);
  });

  it('when stopped, the consumer finishes the handler in progress and leaves the rest in the queue', async () => {
    const exchange = h.exchange('stop');
    const queue = h.queue('inventory.stop');
    const connection = await h.connection('stop');
    const publisher = await h.publisher(connection, exchange);
    let started = 0;
    const consumer = await h.consumer({
      connection,
      db: h.db,
      log: h.logs.log,
      subscription: 'inventory.orders',
      queue,
      exchange,
      prefetch: 10,
      handlers: {
        'order.confirmed': notSent,
        'order.cancelled': async (event, { tx }) => {
          started += 1;
          await delay(300);
          await tx.query('INSERT INTO effects (event_id, consumer) VALUES ($1, $2)', [event.id, queue]);
        },
      },
    });
    for (let i = 0; i < 5; i++) await publisher.publish(orderCancelled());
    await waitFor('the first handler to start', () => started === 1);

    await consumer.stop();

    assert.equal(started, 1);
    assert.equal((await effects(queue)).length, 1, 'the handler in progress committed');
    await waitFor('the other four back in the queue', async () => (await messageCount(raw, queue)) === 4);
  });

  it('pruning the inbox removes only that consumer’s ids older than the retention', async () => {
    const [old, recent, other] = [orderCancelled().id, orderCancelled().id, orderCancelled().id];
    await h.db.query(
      `INSERT INTO event_inbox (consumer, event_id, event_type, processed_at) VALUES
         ('inventory.prune', $1, 'order.cancelled', now() - interval '2 hours'),
         ('inventory.prune', $2, 'order.cancelled', now()),
         ('inventory.other', $3, 'order.cancelled', now() - interval '2 hours')`,
      [old, recent, other],
    );

    const pruned = await pruneInbox(h.db, { consumer: 'inventory.prune', olderThanMs: 60 * 60 * 1000 });

    assert.equal(pruned, 1);
    const { rows } = await h.db.query(
      'SELECT event_id FROM event_inbox WHERE event_id = ANY($1::uuid[]) ORDER BY consumer',
      [[old, recent, other]],
    );
    assert.deepEqual(rows, [{ event_id: other }, { event_id: recent }]);
  });

  it('when an event of a type the subscription does not have reaches its queue, it goes to the DLQ as unhandled_type', async () => {
    const exchange = h.exchange('stale');
    const queue = h.queue('inventory.stale', [50]);
    const connection = await h.connection('stale');
    const publisher = await h.publisher(connection, exchange);
    const handled: string[] = [];
    await h.consumer({
      connection,
      db: h.db,
      log: h.logs.log,
      subscription: 'inventory.orders',
      queue,
      exchange,
      retry: { delaysMs: [50] },
      handlers: { 'order.confirmed': notSent, 'order.cancelled': (event) => void handled.push(event.id) },
    });
    // A binding left from an older version of the subscription, which declarations never remove.
    const channel = await raw.createChannel();
    await channel.bindQueue(queue, exchange, 'stock.low');
    await channel.close();

    const stale = stockLow();
    await publisher.publish(stale);
    const good = orderCancelled();
    await publisher.publish(good);

    await waitFor('the valid event to be handled', () => handled.includes(good.id));
    const dlq = deadLetterQueueName(queue);
    await waitFor('the stale event in the DLQ', async () => (await messageCount(raw, dlq)) === 1);
    const [dead] = await drainQueue(raw, dlq);
    assert.equal(dead!.properties.messageId, stale.id);
    assert.equal(dead!.properties.headers?.[trioHeaders.deadReason], 'unhandled_type');
    assert.match(
      String(dead!.properties.headers?.[trioHeaders.error]),
      /inventory\.orders has no stock\.low/,
    );
  });

  it('when the handlers are not one per event type of the subscription, the consumer is refused, naming them', () => {
    const common = { connection: { name: 'unused' } as never, db: null, log: h.logs.log };
    assert.throws(
      () =>
        createConsumer({
          ...common,
          subscription: 'inventory.orders',
          // @ts-expect-error: the types refuse it too
          handlers: { 'order.cancelled': () => {} },
        }),
      /handlers of inventory\.orders .*\(order\.confirmed, order\.cancelled\): no handler for order\.confirmed$/,
    );
    assert.throws(
      () =>
        createConsumer({
          ...common,
          subscription: 'front-end.cache',
          // @ts-expect-error: the types refuse it too
          handlers: { 'stock.low': () => {}, 'stock.depleted': () => {}, 'order.cancelled': () => {} },
        }),
      /handlers of front-end\.cache .*: no handler for product\.created, product\.updated, invoice\.issued; handlers for order\.cancelled, which it is not bound with/,
    );
    assert.throws(
      () => createConsumer({ ...common, subscription: 'billing.stock' as never, handlers: {} as never }),
      /"billing\.stock" is not a subscription/,
    );
  });
});
