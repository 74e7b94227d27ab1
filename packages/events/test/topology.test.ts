// The broker objects come from code: declared at start, the same every time, and a conflict with
// what already exists stops the service with a message that says what to fix. Publishers declare
// the queues their events feed, so that nothing they publish before a consumer starts is lost.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DomainEvent, SubscriptionName } from '@trio/contracts/events';
import type { ChannelModel } from 'amqplib';
import { createConsumer } from '../src/consumer.ts';
import { createEventMetrics } from '../src/metrics.ts';
import { createPublisher } from '../src/publisher.ts';
import {
  deadLetterQueueName,
  declareConsumerTopology,
  declareSubscriberQueues,
  defaultRetryDelaysMs,
  queuesDeclaredBy,
  retryQueueName,
  subscriptionsFedBy,
  TopologyError,
} from '../src/topology.ts';
import {
  cacheTypesNotSent,
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

/** Whether `queue` exists, asked on a channel of its own (a failed check closes the channel). */
async function queueExists(queue: string): Promise<boolean> {
  const channel = await raw.createChannel();
  channel.on('error', () => {});
  try {
    await channel.checkQueue(queue);
    await channel.close();
    return true;
  } catch {
    return false;
  }
}

describe('names', () => {
  it('a consumer queue is named after its subscription, with .dlq and one .retry.<delay> queue per tier', () => {
    const queue: SubscriptionName = 'inventory.orders';
    assert.equal(deadLetterQueueName(queue), 'inventory.orders.dlq');
    assert.equal(retryQueueName(queue, 5_000), 'inventory.orders.retry.5s');
    assert.equal(retryQueueName(queue, 250), 'inventory.orders.retry.250ms');
  });

  it('a service’s events feed the subscriptions bound with a type it publishes, and only those', () => {
    assert.deepEqual(subscriptionsFedBy('catalog'), ['front-end.cache', 'recommendations.learning']);
    assert.deepEqual(subscriptionsFedBy('inventory'), ['front-end.cache']);
    assert.deepEqual(subscriptionsFedBy('billing'), [
      'front-end.cache',
      'inventory.orders',
      'profiles.invoices',
      'recommendations.learning',
      'shipping.orders',
    ]);
    assert.deepEqual(subscriptionsFedBy('front-end'), []);
  });

  it('names every queue some services declare: fed queues with their DLQs, consumed ones with retry tiers', () => {
    assert.deepEqual(queuesDeclaredBy(['inventory'], ['inventory.orders']).sort(), [
      'front-end.cache',
      'front-end.cache.dlq',
      'inventory.orders',
      'inventory.orders.dlq',
      'inventory.orders.retry.1s',
      'inventory.orders.retry.30s',
      'inventory.orders.retry.5s',
    ]);
    assert.deepEqual(queuesDeclaredBy(['front-end']), []);
  });
});

describe('declaring the topology', () => {
  it('declares the queue, its retry tiers and DLQ, and binds it by event type; doing it again changes nothing', async () => {
    const exchange = h.exchange('declare');
    const queue = h.queue('inventory.declare', [100, 2_000]);
    const topology = {
      exchange,
      queue,
      eventTypes: ['order.cancelled', 'order.confirmed'] as const,
      retryDelaysMs: [100, 2_000],
    };
    await declareConsumerTopology(raw, topology);
    await declareConsumerTopology(raw, topology);

    for (const name of [
      queue,
      deadLetterQueueName(queue),
      retryQueueName(queue, 100),
      retryQueueName(queue, 2_000),
    ]) {
      assert.equal(await messageCount(raw, name), 0, `${name} exists`);
    }
    const channel = await raw.createChannel();
    channel.publish(exchange, 'order.confirmed', Buffer.from('{}'));
    channel.publish(exchange, 'order.cancelled', Buffer.from('{}'));
    channel.publish(exchange, 'stock.low', Buffer.from('{}'));
    await channel.close();
    await waitFor('the two bound types in the queue', async () => (await messageCount(raw, queue)) === 2);
  });

  it('a message in a retry tier returns to the queue after the tier delay', async () => {
    // Long enough that a loaded machine still looks at the queue before the tier expires.
    const delayMs = 1_500;
    const exchange = h.exchange('tier');
    const queue = h.queue('inventory.tier', [delayMs]);
    await declareConsumerTopology(raw, {
      exchange,
      queue,
      eventTypes: ['order.cancelled'],
      retryDelaysMs: [delayMs],
    });
    const channel = await raw.createChannel();
    const sentAt = Date.now();
    channel.sendToQueue(retryQueueName(queue, delayMs), Buffer.from('{}'));
    await channel.close();

    const early = await messageCount(raw, queue);
    if (Date.now() - sentAt < delayMs) assert.equal(early, 0, 'not back before the tier delay');
    await waitFor(
      'the message back in the queue',
      async () => (await messageCount(raw, queue)) === 1,
      10_000,
    );
    assert.ok(Date.now() - sentAt >= delayMs - 50, 'back only after the tier delay');
  });

  it('when the queue exists with other arguments, the consumer fails to start, naming the queue and the argument', async () => {
    const exchange = h.exchange('conflict');
    const queue = h.queue('inventory.conflict');
    const channel = await raw.createChannel();
    await channel.assertQueue(queue, { durable: true });
    await channel.close();
    const consumer = createConsumer({
      connection: await h.connection('conflict'),
      db: h.db,
      log: h.logs.log,
      subscription: 'inventory.orders',
      queue,
      exchange,
      handlers: { 'order.confirmed': notSent, 'order.cancelled': () => {} },
    });
    h.defer(() => consumer.stop());

    await assert.rejects(consumer.start(), (error: unknown) => {
      assert.ok(error instanceof TopologyError, String(error));
      assert.match(error.message, new RegExp(`queue "${queue.replaceAll('.', '\\.')}" already exists`));
      assert.match(error.message, /x-dead-letter-exchange/);
      assert.deepEqual(error.conflict, { kind: 'queue', name: queue, argument: 'x-dead-letter-exchange' });
      return true;
    });
    await assert.rejects(consumer.check(), /not consuming .*x-dead-letter-exchange/);
  });

  it('when a retry tier exists with another delay, the start error names that queue and x-message-ttl', async () => {
    const exchange = h.exchange('ttl');
    const queue = h.queue('inventory.ttl', [100]);
    const channel = await raw.createChannel();
    await channel.assertQueue(retryQueueName(queue, 100), {
      durable: true,
      arguments: { 'x-message-ttl': 999, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': queue },
    });
    await channel.close();

    await assert.rejects(
      declareConsumerTopology(raw, {
        exchange,
        queue,
        eventTypes: ['order.cancelled'],
        retryDelaysMs: [100],
      }),
      (error: unknown) => {
        assert.ok(error instanceof TopologyError);
        assert.equal(error.conflict?.name, retryQueueName(queue, 100));
        assert.equal(error.conflict?.argument, 'x-message-ttl');
        return true;
      },
    );
  });

  it('when the exchange exists with another type, the publisher fails to start, naming it', async () => {
    const exchange = h.exchange('fanout');
    const channel = await raw.createChannel();
    await channel.assertExchange(exchange, 'fanout', { durable: true });
    await channel.close();
    const publisher = createPublisher({
      connection: await h.connection('fanout'),
      exchange,
      log: h.logs.log,
    });
    h.defer(() => publisher.close());

    await assert.rejects(publisher.start(), (error: unknown) => {
      assert.ok(error instanceof TopologyError);
      assert.match(error.message, /exchange ".*fanout" already exists with a different "type"/);
      return true;
    });
    assert.equal(publisher.isReady(), false);
    await assert.rejects(publisher.publish(orderCancelled()), /not connected/);
  });
});

describe('queues declared by publishers', () => {
  it('declares the queue and DLQ of each subscription the service feeds, bound with all its types, and no retry tier', async () => {
    const exchange = h.exchange('fed');
    const queueName = (subscription: SubscriptionName) => h.queue(`fed.${subscription}`);
    const options = { service: 'catalog' as const, exchange, queueName };

    const declared = await declareSubscriberQueues(raw, options);
    assert.deepEqual(
      await declareSubscriberQueues(raw, options),
      declared,
      'declaring again changes nothing',
    );

    assert.deepEqual(declared, [queueName('front-end.cache'), queueName('recommendations.learning')]);
    for (const queue of declared) {
      assert.ok(await queueExists(deadLetterQueueName(queue)), `${queue}.dlq exists`);
      assert.equal(
        await queueExists(retryQueueName(queue, defaultRetryDelaysMs[0]!)),
        false,
        'tiers are the consumer’s',
      );
    }
    assert.equal(
      await queueExists(queueName('inventory.orders')),
      false,
      'catalog’s events do not feed inventory’s queue',
    );
    const channel = await raw.createChannel();
    for (const type of ['stock.low', 'invoice.issued', 'product.created', 'order.cancelled']) {
      channel.publish(exchange, type, Buffer.from('{}'));
    }
    await channel.close();
    // Each queue is bound with its other publishers' types too, as its consumer would bind it.
    await waitFor(
      'three events in front-end.cache',
      async () => (await messageCount(raw, declared[0]!)) === 3,
    );
    await waitFor(
      'product.created in recommendations.learning',
      async () => (await messageCount(raw, declared[1]!)) === 1,
    );
  });

  it('when a publisher declared its subscribers’ queues, events published before any consumer started reach it once it starts', async () => {
    const exchange = h.exchange('early');
    const queueName = (subscription: SubscriptionName) => h.queue(`early.${subscription}`);
    const connection = await h.connection('early');
    const metrics = createEventMetrics();
    const publisher = createPublisher({
      connection,
      exchange,
      log: h.logs.log,
      metrics,
      subscriberQueues: { service: 'inventory', queueName },
    });
    h.defer(() => publisher.close());
    await publisher.start();

    const events = [stockLow('MUG-0001', 3), stockLow('MUG-0002', 2), stockLow('MUG-0003', 1)];
    for (const event of events) await publisher.publish(event);
    assert.equal((await metrics.unroutable.get()).values.length, 0, 'no event was dropped');

    const received: DomainEvent[] = [];
    // Its declaration of the same queue must agree with the publisher's: no TopologyError here.
    await h.consumer({
      connection,
      db: null,
      log: h.logs.log,
      subscription: 'front-end.cache',
      queue: queueName('front-end.cache'),
      exchange,
      handlers: {
        'stock.low': (event) => void received.push(event),
        'stock.depleted': notSent,
        ...cacheTypesNotSent,
      },
    });

    await waitFor('the three events', () => received.length === 3);
    assert.deepEqual(received, events);
  });

  it('without its subscribers’ queues declared, an event published before any consumer started is dropped and counted', async () => {
    const exchange = h.exchange('late');
    const metrics = createEventMetrics();
    const publisher = await h.publisher(await h.connection('late'), exchange, metrics);

    const event = stockLow();
    await publisher.publish(event);

    const unroutable = await waitFor('the broker to return it', async () => {
      const [value] = (await metrics.unroutable.get()).values;
      return value?.value === 1 && value;
    });
    assert.deepEqual(unroutable.labels, { type: 'stock.low' });
    const logged = h.logs.lines().filter((line) => line.eventId === event.id);
    assert.deepEqual(
      logged.map((line) => line.msg),
      ['no queue is bound for this event'],
    );
  });
});
