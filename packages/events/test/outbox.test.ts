// The transactional outbox and its relay: an event exists exactly when its transaction committed,
// reaches the broker at least once even across a crash, and keeps its aggregate's order.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { describe, it } from 'node:test';
import { type DomainEvent, InvalidEventError } from '@trio/contracts/events';
import { createContext, runWithContext, traceparentOf } from '@trio/service-runtime/context';
import type { ChannelModel } from 'amqplib';
import { createEventMetrics } from '../src/metrics.ts';
import { publishInTransaction } from '../src/outbox.ts';
import { inTransaction } from '../src/transaction.ts';
import {
  cacheTypesNotSent,
  delay,
  drainQueue,
  messageCount,
  nextMessage,
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

/** A queue bound to `exchange` for every event, to see what the relay published. */
async function tap(exchange: string, name: string): Promise<string> {
  const queue = h.broker.queue(name);
  const channel = await raw.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  await channel.assertQueue(queue, { durable: false });
  await channel.bindQueue(queue, exchange, '#');
  await channel.close();
  return queue;
}

async function write(events: DomainEvent[], aggregateKey = (e: DomainEvent) => e.id): Promise<void> {
  await inTransaction(h.db, async (tx) => {
    for (const event of events) await publishInTransaction(tx, event, { aggregateKey: aggregateKey(event) });
  });
}

async function pending(): Promise<number> {
  const { rows } = await h.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM event_outbox WHERE published_at IS NULL',
  );
  return rows[0]!.n;
}

async function clearOutbox(): Promise<void> {
  await h.db.query('DELETE FROM event_outbox');
}

describe('outbox', () => {
  it('the migrations put the outbox, inbox and dead-letter tables in the service schema only', async () => {
    const { rows } = await h.db.query<{ table_schema: string; table_name: string }>(
      `SELECT table_schema, table_name FROM information_schema.tables
       WHERE table_name LIKE 'event_%' ORDER BY table_name`,
    );
    assert.deepEqual(rows, [
      { table_schema: 'catalog', table_name: 'event_dead_letter' },
      { table_schema: 'catalog', table_name: 'event_inbox' },
      { table_schema: 'catalog', table_name: 'event_outbox' },
    ]);
  });

  it('an event written in a committed transaction is published and marked sent; a rolled-back one never exists', async () => {
    await clearOutbox();
    const exchange = h.exchange('commit');
    const tapped = await tap(exchange, 'tap.commit');
    const publisher = await h.publisher(await h.connection('commit'), exchange);
    const committed = stockLow('MUG-0001');
    const rolledBack = stockLow('MUG-0002');
    const context = createContext({ correlationId: 'checkout-42' });

    await runWithContext(context, () => write([committed]));
    await assert.rejects(
      inTransaction(h.db, async (tx) => {
        await publishInTransaction(tx, rolledBack, { aggregateKey: 'MUG-0002' });
        throw new Error('the business change failed');
      }),
      /business change failed/,
    );
    await h.relay({ publisher });

    await waitFor('the committed event on the broker', async () => (await messageCount(raw, tapped)) === 1);
    const [message] = await drainQueue(raw, tapped);
    assert.equal(message!.properties.messageId, committed.id);
    assert.equal(message!.properties.headers?.traceparent, traceparentOf(context), "the writer's trace");
    await waitFor('the row marked sent', async () => (await pending()) === 0);
    const { rows } = await h.db.query('SELECT event_id FROM event_outbox');
    assert.deepEqual(rows, [{ event_id: committed.id }]);
  });

  it('an invalid event is refused when written, and nothing is stored', async () => {
    await clearOutbox();
    const valid = stockLow();
    const invalid = { ...valid, payload: { sku: 'MUG-0001', available: 0, threshold: 5 } } as DomainEvent;
    await assert.rejects(write([invalid]), InvalidEventError);
    assert.equal(await pending(), 0);
  });

  it('the relay wakes on NOTIFY when a transaction commits, without waiting for its poll', async () => {
    await clearOutbox();
    const exchange = h.exchange('notify');
    const tapped = await tap(exchange, 'tap.notify');
    const publisher = await h.publisher(await h.connection('notify'), exchange);
    await h.relay({ publisher, pollIntervalMs: 60_000 });
    await delay(100);

    await write([stockLow()]);

    await waitFor(
      'the event, long before the next poll',
      async () => (await messageCount(raw, tapped)) === 1,
      3_000,
    );
  });

  it('with several relays, the events of each aggregate are published in the order they were written', async () => {
    await clearOutbox();
    const exchange = h.exchange('order');
    const queue = h.queue('catalog.order');
    const connection = await h.connection('order');
    const received: Record<string, number[]> = {};
    await h.consumer({
      connection,
      db: null,
      log: h.logs.log,
      subscription: 'front-end.cache',
      queue,
      exchange,
      handlers: {
        'stock.depleted': notSent,
        ...cacheTypesNotSent,
        'stock.low': (event) => {
          received[event.payload.sku] = [...(received[event.payload.sku] ?? []), event.payload.available];
        },
      },
    });
    const skus = ['MUG-0001', 'MUG-0002', 'MUG-0003', 'MUG-0004', 'MUG-0005'];
    const perSku = 40;
    // Interleaved, so that every relay batch holds events of every aggregate.
    const events = Array.from({ length: perSku }, (_, seq) =>
      skus.map((sku) => stockLow(sku, seq + 1)),
    ).flat();
    await write(events, (event) => (event as DomainEvent<'stock.low'>).payload.sku);

    const publisher = await h.publisher(connection, exchange);
    await Promise.all([1, 2, 3].map(() => h.relay({ publisher, batchSize: 7 })));

    await waitFor('every event', () => Object.values(received).flat().length === events.length);
    const expected = Array.from({ length: perSku }, (_, i) => i + 1);
    for (const sku of skus) assert.deepEqual(received[sku], expected, `order of ${sku}`);
  });

  it('when the relay dies after the confirm but before marking the row, the event is published again and handled once', async () => {
    await clearOutbox();
    const exchange = h.exchange('crash');
    const queue = h.queue('catalog.crash');
    const tapped = await tap(exchange, 'tap.crash');
    const connection = await h.connection('crash');
    const metrics = createEventMetrics();
    await h.consumer({
      connection,
      db: h.db,
      log: h.logs.log,
      metrics,
      subscription: 'front-end.cache',
      queue,
      exchange,
      handlers: {
        'stock.depleted': notSent,
        ...cacheTypesNotSent,
        'stock.low': async (event, { tx }) => {
          await tx.query('INSERT INTO effects (event_id, consumer) VALUES ($1, $2)', [event.id, queue]);
        },
      },
    });
    const event = stockLow();
    await write([event]);

    const child = fork(new URL('./fixtures/crashing-relay.ts', import.meta.url), {
      env: {
        ...process.env,
        DATABASE_URL: h.database.url,
        SCHEMA: 'catalog',
        AMQP_URL: h.broker.url,
        EXCHANGE: exchange,
      },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await nextMessage(child, (m) => (m as { published?: string }).published === event.id, 15_000);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    assert.equal(await pending(), 1, 'the row is still unsent after the crash');

    await h.relay({ publisher: await h.publisher(connection, exchange) });

    await waitFor('the row marked sent', async () => (await pending()) === 0);
    await waitFor('both copies settled', async () => {
      const { values } = await metrics.consumed.get();
      return values.reduce((sum, v) => sum + v.value, 0) === 2;
    });
    assert.equal(await messageCount(raw, tapped), 2, 'published twice');
    const { rows } = await h.db.query('SELECT event_id FROM effects WHERE consumer = $1', [queue]);
    assert.deepEqual(rows, [{ event_id: event.id }], 'handled once');
  });

  it('while events cannot be published, the lag metrics show how many wait and for how long', async () => {
    await clearOutbox();
    const metrics = createEventMetrics();
    await write([stockLow(), stockLow(), stockLow()]);
    await delay(50);
    await h.relay({
      metrics,
      publisher: { isReady: () => false, publish: () => Promise.reject(new Error('not used')) },
    });

    await waitFor('the gauges', async () => (await metrics.outboxPending.get()).values[0]?.value === 3);
    const lag = (await metrics.outboxLagSeconds.get()).values[0]?.value ?? 0;
    assert.ok(lag >= 0.05, `lag ${lag} s`);
  });
});
