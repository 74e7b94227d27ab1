// `npm run bench`: how fast the service answers from its own store, and how fast it learns. Seeds a
// scratch database through the real path (events published on a scratch exchange, consumed with
// the inbox): 240 products in 10 categories, then 5000 orders of 1-5 lines from 1000 users, drawn
// from a fixed seed (most lines from one category, a few products selling far more than others).
// Then times 2000 sequential calls of each kind, after a warm-up: over ZeroRPC with our client, and
// the same use case called in-process (the SQL alone). Prints figures; asserts nothing.
import { createEvent, type DomainEvent } from '@trio/contracts/events';
import { recommendationsRpc } from '@trio/contracts/recommendations';
import { createAmqpConnection } from '@trio/events/connection';
import { createPublisher } from '@trio/events/publisher';
import { createRpcClient } from '@trio/rpc/client';
import { parseConfig } from '@trio/service-runtime/config';
import { createLogger } from '@trio/service-runtime/logger';
import { createPostgres } from '@trio/service-runtime/postgres';
import { createTestBroker, createTestDatabase } from '@trio/testing/infra';
import { Config } from '../src/config.ts';
import { recommendForProduct } from '../src/domain/recommend.ts';
import { start } from '../src/main.ts';

const categories = 10;
const perCategory = 24;
const orderCount = 5_000;
const userCount = 1_000;
const calls = 2_000;
const warmUp = 200;

// mulberry32: a small PRNG, so that every run seeds the same shop.
let state = 0x7ec0;
function random(): number {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}
const pick = (n: number) => Math.floor(random() * n);
/** Skewed towards 0: a few products sell far more than the rest. */
const skewed = (n: number) => Math.floor(n * random() ** 2);

const log = createLogger({ service: 'bench', level: 'silent' });
const sku = (category: number, index: number) =>
  `B${String(category).padStart(2, '0')}-${String(index).padStart(4, '0')}`;
const users = Array.from({ length: userCount }, () => crypto.randomUUID());
const money = { amount: 1000, currency: 'EUR' };
const context = { correlationId: 'bench' };

const products = Array.from({ length: categories * perCategory }, (_, i) => {
  const category = Math.floor(i / perCategory);
  return createEvent(
    'product.created',
    {
      sku: sku(category, i % perCategory),
      name: `Bench product ${i}`,
      description: '',
      price: money,
      category: `bench-${category}`,
      image: `/images/products/bench-${i}.svg`,
      attributes: { weightGrams: 100 },
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z',
    },
    context,
  );
});

const orders = Array.from({ length: orderCount }, () => {
  const home = pick(categories);
  const skus = new Set<string>();
  const lines = 1 + pick(5);
  while (skus.size < lines) {
    const category = random() < 0.7 ? home : pick(categories);
    skus.add(sku(category, skewed(perCategory)));
  }
  return createEvent(
    'order.confirmed',
    {
      orderId: crypto.randomUUID(),
      userId: users[pick(userCount)]!,
      lines: [...skus].map((line) => ({ sku: line, qty: 1 + pick(3), unitPrice: money })),
      totals: { subtotal: money, shipping: money, tax: money, total: money },
      shipping: {
        service: 'standard',
        address: {
          name: 'Bench',
          line1: '1 Bench Street',
          city: 'Berlin',
          postalCode: '10115',
          country: 'DE',
        },
        weightGrams: 100,
      },
    },
    context,
  );
});

const database = await createTestDatabase();
const broker = await createTestBroker();
const queue = broker.queue('events.recommendations.learning');
for (const suffix of ['.dlq', '.retry.1s', '.retry.5s', '.retry.30s'])
  broker.queue(`events.recommendations.learning${suffix}`);
const exchange = broker.exchange('events');
const service = await start(
  parseConfig(Config, {
    DATABASE_URL: database.url,
    AMQP_URL: broker.url,
    EVENTS_EXCHANGE: exchange,
    HTTP_PORT: '0',
    RPC_PORT: '0',
    RPC_HOST: '127.0.0.1',
    NODE_ENV: 'production',
  }),
  { log, signals: false },
);
const db = createPostgres({ url: database.url, schema: 'recommendations', log });
const connection = createAmqpConnection({ url: broker.url, name: 'recommendations-bench', log });
const rpc = createRpcClient({ service: recommendationsRpc, endpoints: service.rpcEndpoint, log });

try {
  await connection.start();
  const publisher = createPublisher({ connection, log, exchange });
  await publisher.start();
  const seeded = await timed(async () => {
    await publishAll(publisher, [...products, ...orders]);
    await waitForInbox(products.length + orders.length);
  });
  await publisher.close();
  const { rows } = await db.query<{ pairs: number }>('SELECT count(*)::int AS pairs FROM pairs');
  console.log(
    `learnt ${products.length} products and ${orderCount} orders (${rows[0]!.pairs} pair rows) through ` +
      `the broker in ${(seeded / 1000).toFixed(1)} s: ${Math.round(((products.length + orderCount) * 1000) / seeded)} events/s`,
  );

  const skus = products.map((event) => event.payload.sku);
  report(
    'forProduct(sku, 4) over ZeroRPC',
    await measure(() => rpc.call('forProduct', skus[pick(skus.length)]!, 4)),
  );
  report(
    'forProduct(sku, 20) over ZeroRPC',
    await measure(() => rpc.call('forProduct', skus[pick(skus.length)]!, 20)),
  );
  report(
    'forUser(userId, 4) over ZeroRPC',
    await measure(() => rpc.call('forUser', users[pick(userCount)]!, 4)),
  );
  report(
    'forProduct(sku, 4) in-process (SQL only)',
    await measure(() => recommendForProduct(db, skus[pick(skus.length)]!, 4)),
  );
} finally {
  await rpc.close();
  await connection.close();
  await db.end();
  await service.host.shutdown.close();
  await broker.drop();
  await database.drop();
}

async function publishAll(
  publisher: ReturnType<typeof createPublisher>,
  events: DomainEvent[],
): Promise<void> {
  // A few hundred in flight: the publisher keeps their order and waits for each confirm.
  for (let i = 0; i < events.length; i += 500) {
    await Promise.all(events.slice(i, i + 500).map((event) => publisher.publish(event)));
  }
}

async function waitForInbox(count: number): Promise<void> {
  for (;;) {
    const { rows } = await db.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM event_inbox WHERE consumer = $1',
      [queue],
    );
    if (rows[0]!.count >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function timed(work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

async function measure(call: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < warmUp; i += 1) await call();
  const times: number[] = [];
  for (let i = 0; i < calls; i += 1) {
    const started = performance.now();
    await call();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
}

function report(what: string, sorted: number[]): void {
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2);
  console.log(
    `${what.padEnd(42)} median ${at(0.5)} ms  p99 ${at(0.99)} ms  max ${at(1)} ms  (${calls} calls)`,
  );
}
