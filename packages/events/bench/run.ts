// `npm run bench`: what our publisher, consumer and outbox relay cost next to raw amqplib, measured
// in the same run against the same (loopback) broker. It prints figures; it asserts nothing.
//
//   publish   N persistent events with confirms to a durable queue: raw confirm channel (publish
//             with a callback each, respecting drain) vs our publisher (validation, headers, one
//             promise per event), all N in flight at once.
//   pipeline  the same N published and consumed at the same time, each acked: raw confirm channel
//             and raw consume vs our publisher and our consumer (no database: the broker path only),
//             plus our consumer with its PostgreSQL inbox for reference.
//   relay     N rows already in the outbox, published with confirms and marked sent.
//
// Every case runs `rounds` times, alternating raw and ours; the median is reported.
import { randomBytes } from 'node:crypto';
import { createEvent, type DomainEvent } from '@trio/contracts/events';
import { createLogger } from '@trio/service-runtime/logger';
import { createPostgres, migrate } from '@trio/service-runtime/postgres';
import { createTestDatabase } from '@trio/testing/infra';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { createAmqpConnection } from '../src/connection.ts';
import { createConsumer } from '../src/consumer.ts';
import { createEventMetrics } from '../src/metrics.ts';
import { createOutboxRelay, publishInTransaction } from '../src/outbox.ts';
import { createPublisher, type Publisher } from '../src/publisher.ts';
import { deadLetterQueueName, retryQueueName } from '../src/topology.ts';
import { inTransaction } from '../src/transaction.ts';

const amqpUrl = process.env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672';
const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const count = Number(process.env.BENCH_EVENTS || 20_000);
const rounds = Number(process.env.BENCH_ROUNDS || 3);
const prefix = `bench_${process.pid}_${randomBytes(3).toString('hex')}`;
const exchange = `${prefix}.events`;
const sink = `${prefix}.sink`;
const consumerQueue = `${prefix}.inventory`;
const inboxQueue = `${prefix}.inventory-inbox`;
const log = createLogger({ service: 'events-bench', level: 'warn' });

function makeEvents(n: number): DomainEvent<'order.cancelled'>[] {
  return Array.from({ length: n }, () =>
    createEvent(
      'order.cancelled',
      {
        orderId: '5f1d7c3a-2b8e-4c6d-9a0f-1e2d3c4b5a69',
        userId: '0b9c2f2e-7a4b-4a43-9b59-3f7f3c3a9d11',
        reason: 'customer_request',
      },
      { correlationId: 'bench', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    ),
  );
}

/** Times `run` (which must resolve when its work is done) and returns events per second. */
async function rate(n: number, run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await run();
  return n / ((performance.now() - started) / 1_000);
}

const median = (values: number[]) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Publishes with a callback per message, all of them in flight, pausing while the buffer is full. */
async function rawPublish(channel: ConfirmChannel, events: DomainEvent[]): Promise<void> {
  const confirms: Promise<void>[] = [];
  for (const event of events) {
    let writable = true;
    confirms.push(
      new Promise<void>((resolve, reject) => {
        writable = channel.publish(
          exchange,
          event.type,
          Buffer.from(JSON.stringify(event)),
          {
            persistent: true,
            contentType: 'application/json',
            messageId: event.id,
            type: event.type,
            timestamp: Math.floor(Date.now() / 1_000),
            headers: { 'x-correlation-id': event.correlationId, traceparent: event.traceparent },
          },
          (error: unknown) => (error ? reject(error) : resolve()),
        );
      }),
    );
    if (!writable) await new Promise((drained) => channel.once('drain', drained));
  }
  await Promise.all(confirms);
}

async function ourPublish(publisher: Publisher, events: DomainEvent[]): Promise<void> {
  await Promise.all(events.map((event) => publisher.publish(event)));
}

async function purge(connection: ChannelModel, queue: string): Promise<void> {
  const channel = await connection.createChannel();
  await channel.purgeQueue(queue);
  await channel.close();
}

async function benchPublish(raw: ChannelModel, rawChannel: ConfirmChannel, publisher: Publisher) {
  const results = { raw: [] as number[], ours: [] as number[] };
  await rawPublish(rawChannel, makeEvents(2_000));
  await ourPublish(publisher, makeEvents(2_000));
  await purge(raw, sink);
  for (let round = 0; round < rounds; round++) {
    const forRaw = makeEvents(count);
    results.raw.push(await rate(count, () => rawPublish(rawChannel, forRaw)));
    await purge(raw, sink);
    const forOurs = makeEvents(count);
    results.ours.push(await rate(count, () => ourPublish(publisher, forOurs)));
    await purge(raw, sink);
  }
  return { raw: median(results.raw), ours: median(results.ours) };
}

/** Resolves once `n` deliveries were counted by `tick`. */
function counter(n: number): { tick(): void; done: Promise<void> } {
  let seen = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    tick() {
      seen += 1;
      if (seen === n) finish();
    },
    done,
  };
}

async function benchPipeline(
  raw: ChannelModel,
  rawChannel: ConfirmChannel,
  publisher: Publisher,
  db: unknown,
) {
  const prefetch = 100;
  const results = { raw: [] as number[], ours: [] as number[], inbox: [] as number[] };

  // Raw consumer on the queue our consumer declared (same arguments), acking each message.
  async function rawRound(): Promise<number> {
    const events = makeEvents(count);
    const seen = counter(count);
    const channel = await raw.createChannel();
    await channel.prefetch(prefetch);
    const { consumerTag } = await channel.consume(consumerQueue, (message) => {
      if (message === null) return;
      JSON.parse(message.content.toString('utf8'));
      channel.ack(message);
      seen.tick();
    });
    const result = await rate(count, async () => {
      await rawPublish(rawChannel, events);
      await seen.done;
    });
    await channel.cancel(consumerTag);
    await channel.close();
    return result;
  }

  async function oursRound(queue: string, withInbox: boolean, n = count): Promise<number> {
    const events = makeEvents(n);
    const seen = counter(n);
    const connection = createAmqpConnection({ url: amqpUrl, name: `${prefix}-consumer`, log });
    await connection.start();
    const common = {
      connection,
      log,
      subscription: 'inventory.orders' as const,
      queue,
      exchange,
      prefetch,
      metrics: createEventMetrics(),
    };
    const consumer = withInbox
      ? createConsumer({
          ...common,
          db: db as never,
          concurrency: 10,
          handlers: { 'order.confirmed': () => {}, 'order.cancelled': () => seen.tick() },
        })
      : createConsumer({
          ...common,
          db: null,
          handlers: { 'order.confirmed': () => {}, 'order.cancelled': () => seen.tick() },
        });
    await consumer.start();
    const result = await rate(n, async () => {
      await ourPublish(publisher, events);
      await seen.done;
    });
    await consumer.stop();
    await connection.close();
    return result;
  }

  await oursRound(consumerQueue, false, 2_000);
  await rawRound();
  await purge(raw, sink);
  for (let round = 0; round < rounds; round++) {
    results.raw.push(await rawRound());
    await purge(raw, sink);
    results.ours.push(await oursRound(consumerQueue, false));
    await purge(raw, sink);
  }
  const inboxEvents = Math.min(count, 5_000);
  results.inbox.push(await oursRound(inboxQueue, true, inboxEvents));
  await purge(raw, sink);
  // The relay case publishes to the sink only.
  const channel = await raw.createChannel();
  await channel.unbindQueue(consumerQueue, exchange, 'order.cancelled');
  await channel.unbindQueue(inboxQueue, exchange, 'order.cancelled');
  await channel.close();
  return { raw: median(results.raw), ours: median(results.ours), inbox: median(results.inbox), inboxEvents };
}

async function benchRelay(publisher: Publisher, db: ReturnType<typeof createPostgres>, raw: ChannelModel) {
  const results: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const events = makeEvents(count);
    for (let start = 0; start < events.length; start += 1_000) {
      await inTransaction(db, async (tx) => {
        for (const event of events.slice(start, start + 1_000)) {
          await publishInTransaction(tx, event, { aggregateKey: event.payload.orderId });
        }
      });
    }
    const relay = createOutboxRelay({ db, publisher, log, pollIntervalMs: 50 });
    results.push(
      await rate(count, async () => {
        await relay.start();
        for (;;) {
          const { rows } = await db.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM event_outbox WHERE published_at IS NULL',
          );
          if (rows[0]!.n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }),
    );
    await relay.stop();
    await db.query('DELETE FROM event_outbox');
    await purge(raw, sink);
  }
  return median(results);
}

const f = (n: number) => Math.round(n).toLocaleString('en-US').padStart(8);
const ratio = (ours: number, raw: number) =>
  `${(ours / raw).toFixed(2)}× raw${ours / raw >= 0.7 ? '' : '  (below the 0.7× target)'}`;

async function main(): Promise<void> {
  const raw = await amqp.connect(amqpUrl, { clientProperties: { connection_name: `${prefix}-raw` } });
  const database = await createTestDatabase(databaseUrl);
  const db = createPostgres({ url: database.url, schema: 'inventory', log, maxConnections: 20 });
  const connection = createAmqpConnection({ url: amqpUrl, name: `${prefix}-publisher`, log });
  const publisher = createPublisher({ connection, exchange, log });
  try {
    await migrate({
      url: database.url,
      schema: 'inventory',
      dir: new URL('../test/fixtures/migrations/', import.meta.url),
      log,
    });
    const setup = await raw.createChannel();
    await setup.assertExchange(exchange, 'topic', { durable: true });
    await setup.assertQueue(sink, { durable: true });
    await setup.bindQueue(sink, exchange, '#');
    await setup.close();
    const rawChannel = await raw.createConfirmChannel();
    await connection.start();
    await publisher.start();

    console.log(
      `@trio/events benchmark: ${count.toLocaleString('en-US')} events per case, median of ${rounds} rounds`,
    );
    console.log(`broker ${new URL(amqpUrl).host}, persistent messages, publisher confirms, durable queues\n`);

    const publish = await benchPublish(raw, rawChannel, publisher);
    console.log('publish with confirms (events/s)');
    console.log(`  raw amqplib confirm channel  ${f(publish.raw)}`);
    console.log(`  @trio/events publisher       ${f(publish.ours)}   ${ratio(publish.ours, publish.raw)}`);

    const pipeline = await benchPipeline(raw, rawChannel, publisher, db);
    console.log('\npublish → consume → ack, at the same time (events/s, prefetch 100)');
    console.log(`  raw amqplib                  ${f(pipeline.raw)}`);
    console.log(`  @trio/events, no database    ${f(pipeline.ours)}   ${ratio(pipeline.ours, pipeline.raw)}`);
    console.log(
      `  @trio/events, inbox in PostgreSQL (concurrency 10, ${pipeline.inboxEvents.toLocaleString('en-US')} events) ${f(pipeline.inbox).trim()}`,
    );

    const relay = await benchRelay(publisher, db, raw);
    console.log(
      '\noutbox relay: pending rows published with confirms and marked sent (events/s, batches of 200)',
    );
    console.log(`  relay                        ${f(relay)}`);
  } finally {
    await publisher.close();
    await connection.close();
    const cleanup = await raw.createChannel();
    for (const queue of [sink, consumerQueue, inboxQueue]) {
      await cleanup.deleteQueue(queue);
      await cleanup.deleteQueue(deadLetterQueueName(queue));
      for (const delay of [1_000, 5_000, 30_000]) await cleanup.deleteQueue(retryQueueName(queue, delay));
    }
    await cleanup.deleteExchange(exchange);
    await cleanup.close();
    await raw.close();
    await db.end();
    await database.drop();
  }
}

await main();
