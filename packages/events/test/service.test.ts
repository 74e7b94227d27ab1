// attachEventBus as services use it: two services on one broker, the publishing one started first,
// its events waiting for the consumer that starts later; readiness, shutdown order, and a broker
// that is down when the service starts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServiceName } from '@trio/contracts/common';
import type { SubscriptionName } from '@trio/contracts/events';
import { createServiceHost, type ServiceHost } from '@trio/service-runtime/service';
import { createTcpProxy } from '@trio/testing/tcp-proxy';
import type { ChannelModel } from 'amqplib';
import { publishInTransaction } from '../src/outbox.ts';
import { attachEventBus, type EventBusOptions } from '../src/service.ts';
import { inTransaction } from '../src/transaction.ts';
import {
  cacheTypesNotSent,
  captureLogs,
  type LogCapture,
  messageCount,
  notSent,
  stockLow,
  waitFor,
} from './support/bus.ts';
import { type Harness, useHarness } from './support/harness.ts';

let h: Harness;
let raw: ChannelModel;
useHarness('catalog', (made) => {
  ({ h, raw } = made);
});

/**
 * A test's own exchange `<prefix><scope>` and the bus options that use it. On an exchange other
 * than the shop's, the bus names queues `<exchange>.<subscription>`; `queue` gives those names and
 * has them deleted (with their DLQs and tiers) after the file.
 */
function scoped(scope: string) {
  const exchange = h.exchange(scope);
  return {
    exchange,
    queue: (subscription: SubscriptionName) => h.queue(`${scope}.${subscription}`),
    bus: (service: ServiceName, options: Partial<EventBusOptions> = {}): EventBusOptions => ({
      service,
      url: h.broker.url,
      exchange,
      reconnect: { initialDelayMs: 50, maxDelayMs: 400 },
      ...options,
    }),
  };
}

/** A service host as main.ts makes one, with its own log lines, closed after the test. */
function serviceHost(service: string): { host: ServiceHost; logs: LogCapture } {
  const logs = captureLogs(service);
  const host = createServiceHost({ service, log: logs.log, signals: false, readinessTimeoutMs: 1_000 });
  h.defer(() => host.shutdown.close());
  return { host, logs };
}

async function readyz(host: ServiceHost) {
  const { port } = await host.listen({ port: 0, host: '127.0.0.1' });
  return async () => {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`);
    const body = (await response.json()) as { checks: Record<string, { ok: boolean; error?: string }> };
    return { status: response.status, body };
  };
}

const closedInOrder = (logs: LogCapture) =>
  logs
    .lines()
    .filter((line) => line.msg === 'closed')
    .map((line) => String(line.resource));

describe('attachEventBus', () => {
  it('events a service wrote to its outbox before their consumer ever started reach it once it starts', async () => {
    const test = scoped('services');
    test.queue('front-end.cache');
    const inventory = serviceHost('inventory');
    const inventoryBus = await attachEventBus(inventory.host, test.bus('inventory', { db: h.db }));
    assert.ok(inventoryBus.relay, 'a bus with a database relays the outbox');
    const events = [stockLow('MUG-0001', 3), stockLow('MUG-0001', 2), stockLow('LAMP-0042', 1)];
    await inTransaction(h.db, async (tx) => {
      for (const event of events) await publishInTransaction(tx, event, { aggregateKey: event.payload.sku });
    });
    await waitFor(
      'the relay to publish them',
      async () => (await messageCount(raw, test.queue('front-end.cache'))) === 3,
    );

    const frontEnd = serviceHost('front-end');
    const frontEndBus = await attachEventBus(frontEnd.host, test.bus('front-end'));
    assert.equal(frontEndBus.relay, undefined, 'no database, no relay');
    const handled: string[] = [];
    const consumer = await frontEndBus.consume({
      subscription: 'front-end.cache',
      db: h.db,
      handlers: {
        'stock.low': async (event, { tx }) => {
          await tx.query('INSERT INTO effects (event_id, consumer) VALUES ($1, $2)', [
            event.id,
            consumer.queue,
          ]);
          handled.push(event.id);
        },
        'stock.depleted': notSent,
        ...cacheTypesNotSent,
      },
    });

    assert.equal(consumer.queue, test.queue('front-end.cache'));
    await waitFor('the three events handled', () => handled.length === 3);
    assert.deepEqual(
      handled,
      events.map((event) => event.id),
    );
    const { status, body } = await (await readyz(frontEnd.host))();
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(body.checks).sort(), ['amqp', `consumer ${consumer.queue}`]);

    await inventory.host.shutdown.close();
    await frontEnd.host.shutdown.close();
    assert.deepEqual(closedInOrder(inventory.logs), ['outbox relay', 'event publisher', 'amqp']);
    assert.deepEqual(closedInOrder(frontEnd.logs).slice(1), [
      `consumer ${consumer.queue}`,
      'event publisher',
      'amqp',
    ]);
    assert.match(closedInOrder(frontEnd.logs)[0]!, /^http server/);
  });

  it('a service consumes its own subscriptions, under the queue prefix given, and not another service’s', async () => {
    const { host } = serviceHost('inventory');
    const test = scoped('owner');
    const queue = (subscription: SubscriptionName) => h.queue(`mine.${subscription}`);
    const bus = await attachEventBus(host, test.bus('inventory', { queuePrefix: `${h.broker.prefix}mine.` }));
    assert.equal(await messageCount(raw, queue('front-end.cache')), 0, 'declared with the prefix');

    const own = await bus.consume({
      subscription: 'inventory.orders',
      db: null,
      handlers: { 'order.confirmed': notSent, 'order.cancelled': notSent },
    });
    assert.equal(own.queue, queue('inventory.orders'));
    await assert.rejects(
      bus.consume({
        subscription: 'shipping.orders',
        db: null,
        handlers: { 'order.confirmed': notSent },
      }),
      /inventory cannot consume shipping\.orders: it is shipping's queue/,
    );
  });

  it('when the broker is down at start, the service starts, readiness says so, and the bus sets itself up when it returns', async () => {
    const proxy = await createTcpProxy({
      host: new URL(h.broker.url).hostname,
      port: Number(new URL(h.broker.url).port || 5672),
    });
    h.defer(() => proxy.close());
    await proxy.stop();
    const test = scoped('down');
    test.queue('front-end.cache');
    test.queue('front-end.cache');
    const { host } = serviceHost('inventory');

    const bus = await attachEventBus(host, test.bus('inventory', { url: proxy.url(h.broker.url) }));
    const ready = await readyz(host);
    const down = await ready();
    assert.equal(down.status, 503);
    assert.match(down.body.checks.amqp?.error ?? '', /not connected to the broker/);

    await proxy.start();
    await waitFor('the publisher to be ready', () => bus.publisher.isReady(), 15_000);
    await bus.publisher.publish(stockLow());

    // The queues were declared on the late connection, before the publisher's channel opened.
    await waitFor(
      'the event in catalog.stock',
      async () => (await messageCount(raw, test.queue('front-end.cache'))) === 1,
    );
    assert.equal(await messageCount(raw, test.queue('front-end.cache')), 1);
    assert.equal((await ready()).status, 200);
  });
});
