// The broker objects come from code: declared at start, the same every time, and a conflict with
// what already exists stops the service with a message that says what to fix.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { ChannelModel } from 'amqplib';
import { createConsumer } from '../src/consumer.ts';
import { createPublisher } from '../src/publisher.ts';
import {
  consumerQueueName,
  deadLetterQueueName,
  declareConsumerTopology,
  retryQueueName,
  TopologyError,
} from '../src/topology.ts';
import { messageCount, orderCancelled, rawConnection, waitFor } from './support/bus.ts';
import { createHarness, type Harness } from './support/harness.ts';

let h: Harness;
let raw: ChannelModel;

before(async () => {
  h = await createHarness('inventory');
  raw = await rawConnection(h.broker.url);
});

afterEach(() => h.closeDeferred());

after(async () => {
  await raw.close();
  await h.close();
});

describe('names', () => {
  it('a consumer queue is <service>.<purpose>, with .dlq and one .retry.<delay> queue per tier', () => {
    const queue = consumerQueueName('inventory', 'order-events');
    assert.equal(queue, 'inventory.order-events');
    assert.equal(deadLetterQueueName(queue), 'inventory.order-events.dlq');
    assert.equal(retryQueueName(queue, 5_000), 'inventory.order-events.retry.5s');
    assert.equal(retryQueueName(queue, 250), 'inventory.order-events.retry.250ms');
    assert.throws(() => consumerQueueName('Inventory', 'orders'), /lower-case/);
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
    const exchange = h.exchange('tier');
    const queue = h.queue('inventory.tier', [150]);
    await declareConsumerTopology(raw, {
      exchange,
      queue,
      eventTypes: ['order.cancelled'],
      retryDelaysMs: [150],
    });
    const channel = await raw.createChannel();
    channel.sendToQueue(retryQueueName(queue, 150), Buffer.from('{}'));
    await channel.close();

    assert.equal(await messageCount(raw, queue), 0);
    await waitFor('the message back in the queue', async () => (await messageCount(raw, queue)) === 1, 3_000);
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
      service: 'inventory',
      purpose: 'conflict',
      queue,
      exchange,
      handlers: { 'order.cancelled': () => {} },
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
