// A per-file harness: a prefixed broker and a fresh database with the service schema migrated,
// plus builders for the bus parts that register their own closers, so each test reads as the
// situation it sets up.

import { after, afterEach, before } from 'node:test';
import type { SubscriptionName } from '@trio/contracts/events';
import type { Postgres } from '@trio/service-runtime/postgres';
import {
  createTestBroker,
  createTestDatabase,
  type TestBroker,
  type TestDatabase,
} from '@trio/testing/infra';
import type { ChannelModel } from 'amqplib';
import type pg from 'pg';
import { type AmqpConnection, createAmqpConnection } from '../../src/connection.ts';
import { type Consumer, type ConsumerOptions, createConsumer } from '../../src/consumer.ts';
import { createEventMetrics, type EventMetrics } from '../../src/metrics.ts';
import { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from '../../src/outbox.ts';
import { createPublisher, type Publisher } from '../../src/publisher.ts';
import { deadLetterQueueName, defaultRetryDelaysMs, retryQueueName } from '../../src/topology.ts';
import { captureLogs, type LogCapture, rawConnection, serviceDatabase } from './bus.ts';

export interface Harness {
  broker: TestBroker;
  database: TestDatabase;
  db: Postgres;
  logs: LogCapture;
  /** A fresh exchange name, deleted at the end. */
  exchange(name: string): string;
  /** A consumer queue name; it, its DLQ and its retry tiers (the default ones unless given) are deleted at the end. */
  queue(name: string, retryDelaysMs?: readonly number[]): string;
  connection(name: string, url?: string): Promise<AmqpConnection>;
  publisher(connection: AmqpConnection, exchange: string, metrics?: EventMetrics): Promise<Publisher>;
  consumer<S extends SubscriptionName>(options: ConsumerOptions<S>): Promise<Consumer>;
  relay(options: Omit<OutboxRelayOptions, 'db' | 'log'> & { db?: pg.Pool }): Promise<OutboxRelay>;
  /** Registers a closer; closers run in reverse order in closeDeferred() (after each test). */
  defer(close: () => unknown): void;
  closeDeferred(): Promise<void>;
  /** Closes everything and drops the broker objects and the database (after the file). */
  close(): Promise<void>;
}

export async function createHarness(schema: string): Promise<Harness> {
  const logs = captureLogs(schema);
  const [broker, database] = await Promise.all([createTestBroker(), createTestDatabase()]);
  const db = await serviceDatabase(database.url, schema, logs.log);
  const closers: (() => unknown)[] = [];
  const defer = (close: () => unknown) => closers.push(close);

  async function closeDeferred(): Promise<void> {
    for (const close of closers.splice(0).toReversed()) {
      try {
        await close();
      } catch {
        // Closing what a test broke may fail; the rest must still close.
      }
    }
  }

  return {
    broker,
    database,
    db,
    logs,
    exchange: (name) => broker.exchange(name),
    queue(name, retryDelaysMs = defaultRetryDelaysMs) {
      const queue = broker.queue(name);
      broker.queue(deadLetterQueueName(name));
      for (const delay of retryDelaysMs) broker.queue(retryQueueName(name, delay));
      return queue;
    },
    async connection(name, url = broker.url) {
      const connection = createAmqpConnection({
        url,
        name: `${broker.prefix}${name}`,
        log: logs.log,
        reconnect: { initialDelayMs: 50, maxDelayMs: 400 },
      });
      defer(() => connection.close());
      await connection.start();
      return connection;
    },
    async publisher(connection, exchange, metrics = createEventMetrics()) {
      const publisher = createPublisher({
        connection,
        exchange,
        log: logs.log,
        metrics,
        appId: 'test',
        retry: { initialDelayMs: 50, maxDelayMs: 400 },
      });
      defer(() => publisher.close());
      await publisher.start();
      return publisher;
    },
    async consumer(options) {
      const consumer = createConsumer({ reconnect: { initialDelayMs: 50, maxDelayMs: 400 }, ...options });
      defer(() => consumer.stop());
      await consumer.start();
      return consumer;
    },
    async relay(options) {
      const relay = createOutboxRelay({
        pollIntervalMs: 200,
        retry: { initialDelayMs: 50, maxDelayMs: 400 },
        ...options,
        db: options.db ?? db,
        log: logs.log,
      });
      defer(() => relay.stop());
      await relay.start();
      return relay;
    },
    defer,
    closeDeferred,
    async close() {
      await closeDeferred();
      await db.end();
      await Promise.allSettled([broker.drop(), database.drop()]);
    },
  };
}

/**
 * The file's harness and a raw broker connection of its own (for looking at queues), made before
 * the file's tests and closed after them; what a test deferred is closed after each test.
 * `use` receives them once they exist: `useHarness('inventory', (made) => ({ h, raw } = made))`.
 */
export function useHarness(schema: string, use: (made: { h: Harness; raw: ChannelModel }) => void): void {
  let made: { h: Harness; raw: ChannelModel } | undefined;
  before(async () => {
    const h = await createHarness(schema);
    made = { h, raw: await rawConnection(h.broker.url) };
    use(made);
  });
  afterEach(() => made?.h.closeDeferred());
  after(async () => {
    await made?.raw.close();
    await made?.h.close();
  });
}
