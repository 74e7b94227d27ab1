// Starts the service in-process, exactly as main.ts does, on free ports against the test file's own
// database and broker names; talks to it over ZeroRPC with our client, to its admin port over
// HTTP, and feeds it events through a real publisher on the test broker's exchange.
import {
  createEvent,
  type DomainEvent,
  type EventPayloadInput,
  type EventType,
} from '@trio/contracts/events';
import { recommendationsRpc } from '@trio/contracts/recommendations';
import { type AmqpConnection, createAmqpConnection } from '@trio/events/connection';
import { createPublisher, type Publisher } from '@trio/events/publisher';
import { queuesDeclaredBy } from '@trio/events/topology';
import { createRpcClient, type RpcServiceClient } from '@trio/rpc/client';
import { parseConfig } from '@trio/service-runtime/config';
import { createLogger } from '@trio/service-runtime/logger';
import { createPostgres, type Postgres } from '@trio/service-runtime/postgres';
import { startInProcess } from '@trio/testing/in-process';
import type { TestInfra } from '@trio/testing/infra';
import { waitFor } from '@trio/testing/wait';
import { Config } from '../../src/config.ts';
import { start } from '../../src/main.ts';

export { waitFor };

export interface TestRecommendations {
  rpc: RpcServiceClient<typeof recommendationsRpc>;
  /** The bound ZeroRPC endpoint. */
  endpoint: string;
  /** http://127.0.0.1:<admin port> */
  adminUrl: string;
  /** The consumer's queue on the test broker. */
  queue: string;
  /** A pool on the service's schema, to see what it stored. */
  db: Postgres;
  /** Resolves once the consumer has committed each of these events (they are in its inbox). */
  learnt(...events: readonly DomainEvent[]): Promise<void>;
  /** Every JSON log line the service wrote. */
  logs(): Record<string, unknown>[];
  stop(): Promise<void>;
}

const silent = createLogger({ service: 'test', level: 'silent' });

export async function startRecommendations(infra: TestInfra): Promise<TestRecommendations> {
  const service = await startInProcess(infra, {
    service: 'recommendations',
    // Every queue the consumer declares, so that the test file's drop() deletes them.
    queues: queuesDeclaredBy(['recommendations'], ['recommendations.learning']),
    parseConfig: (vars) => parseConfig(Config, vars),
    start,
    createLogger,
  });
  const { rpcEndpoint, adminPort } = service.running;
  const queue = `${infra.broker.prefix}events.recommendations.learning`;
  const rpc = createRpcClient({ service: recommendationsRpc, endpoints: rpcEndpoint, log: silent });
  // The runtime's pool, like the service's: its error listener matters when the database is dropped.
  const db = createPostgres({ url: infra.db.url, schema: 'recommendations', log: silent });

  return {
    rpc,
    endpoint: rpcEndpoint,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    queue,
    db,
    async learnt(...events) {
      const ids = events.map((event) => event.id);
      await waitFor(`${ids.length} events in the inbox`, async () => {
        const { rows } = await db.query<{ count: number }>(
          'SELECT count(*)::int AS count FROM event_inbox WHERE consumer = $1 AND event_id = ANY($2::uuid[])',
          [queue, ids],
        );
        return rows[0]!.count === new Set(ids).size;
      });
    },
    logs: service.logs,
    async stop() {
      await rpc.close();
      await db.end();
      await service.stop();
    },
  };
}

export interface TestEvents {
  /** Publishes through a real publisher (validated, persistent, confirmed), in order. */
  publish(...events: readonly DomainEvent[]): Promise<void>;
  /** Publishes bytes as they are, with a confirm: what a broken publisher could send. */
  publishRaw(routingKey: string, body: Buffer): Promise<void>;
  /** Takes every message in `queue`, acking them: the test's own view of a DLQ. */
  drain(queue: string): Promise<{ body: string; headers: Record<string, unknown> }[]>;
  close(): Promise<void>;
}

export async function connectEvents(infra: TestInfra): Promise<TestEvents> {
  const exchange = infra.broker.exchange('events');
  const connection: AmqpConnection = createAmqpConnection({
    url: infra.broker.url,
    name: 'recommendations-test',
    log: silent,
  });
  await connection.start();
  const publisher: Publisher = createPublisher({ connection, log: silent, exchange });
  await publisher.start();
  const channel = await connection.current()!.createConfirmChannel();
  return {
    async publish(...events) {
      for (const event of events) await publisher.publish(event);
    },
    async publishRaw(routingKey, body) {
      channel.publish(exchange, routingKey, body, { persistent: true });
      await channel.waitForConfirms();
    },
    async drain(queue) {
      const messages: { body: string; headers: Record<string, unknown> }[] = [];
      for (;;) {
        const message = await channel.get(queue, { noAck: true });
        if (message === false) return messages;
        messages.push({ body: message.content.toString(), headers: message.properties.headers ?? {} });
      }
    },
    async close() {
      await channel.close();
      await publisher.close();
      await connection.close();
    },
  };
}

function event<T extends EventType>(type: T, payload: EventPayloadInput<T>): DomainEvent<T> {
  return createEvent(type, payload, { correlationId: 'recommendations-test' });
}

/** product.created (or .updated) for a product of `category`, as the catalog would publish it. */
export function productEvent(
  sku: string,
  category: string,
  options: { type?: 'product.created' | 'product.updated'; updatedAt?: string } = {},
) {
  const updatedAt = options.updatedAt ?? '2025-01-01T00:00:00.000Z';
  return event(options.type ?? 'product.created', {
    sku,
    name: `Product ${sku}`,
    description: 'Made for the recommendations tests.',
    price: { amount: 1000, currency: 'EUR' },
    category,
    image: `/images/products/${sku}.svg`,
    attributes: { weightGrams: 100 },
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt,
  });
}

/** order.confirmed of `userId` holding one unit of each sku (or `[sku, qty]`). */
export function orderEvent(userId: string, lines: readonly (string | [string, number])[]) {
  const money = { amount: 1000, currency: 'EUR' };
  return event('order.confirmed', {
    orderId: crypto.randomUUID(),
    userId,
    lines: lines.map((line) => {
      const [sku, qty] = typeof line === 'string' ? [line, 1] : line;
      return { sku, qty, unitPrice: money };
    }),
    totals: { subtotal: money, shipping: money, tax: money, total: money },
    shipping: {
      service: 'standard',
      address: {
        name: 'Test Buyer',
        line1: '1 Test Street',
        city: 'Berlin',
        postalCode: '10115',
        country: 'DE',
      },
      weightGrams: 100,
    },
  });
}

/** The skus of an answer, in order. */
export const skusOf = (answer: { items: { sku: string }[] }) => answer.items.map((item) => item.sku);
