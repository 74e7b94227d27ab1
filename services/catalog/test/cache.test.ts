// The Redis read-through cache: reads fill it, reads are served from it, a change empties it, and
// when Redis is unreachable (a TCP proxy in front of it, stopped) reads and writes still work.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Product, ProductList } from '@trio/contracts/catalog';
import { createLogger } from '@trio/service-runtime/logger';
import { createPostgres, type Postgres } from '@trio/service-runtime/postgres';
import { closedPort } from '@trio/testing/http';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import { createTcpProxy, type TcpProxy } from '@trio/testing/tcp-proxy';
import { productCacheKey } from '../src/data-access/product-cache.ts';
import { adminToken, startCatalog, type TestCatalog, waitFor } from './support/catalog.ts';

let infra: TestInfra;
let proxy: TcpProxy;
let catalog: TestCatalog;
let db: Postgres;

before(async () => {
  infra = await createTestInfra();
  const redis = new URL(infra.redis.url);
  proxy = await createTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
  catalog = await startCatalog(infra, { REDIS_URL: proxy.url(infra.redis.url) });
  // The runtime's pool, like the service's: its error listener matters when the database is dropped.
  db = createPostgres({
    url: infra.db.url,
    schema: 'catalog',
    log: createLogger({ service: 'test', level: 'silent' }),
  });
});

after(async () => {
  await db?.end();
  await catalog?.stop();
  await proxy?.close();
  await infra?.drop();
});

/** The cached product, read with the test's own client (same prefix as the service). */
async function cached(sku: string): Promise<Product | undefined> {
  const value = await infra.redis.client.get(infra.redis.key(productCacheKey(sku)));
  return value === null ? undefined : Product.parse(JSON.parse(value));
}

async function read(sku: string): Promise<Product> {
  const reply = await catalog.get(`/products/${sku}`);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return Product.parse(reply.body);
}

/** Changes a price behind the service's back, so only a cache can still answer the old one. */
async function setPriceInDatabase(sku: string, amount: number): Promise<void> {
  await db.query('UPDATE products SET price_amount = $2 WHERE sku = $1', [sku, amount]);
}

const changePrice = (sku: string, amount: number) =>
  catalog.request('PATCH', `/products/${sku}`, {
    token: adminToken,
    body: { price: { amount, currency: 'EUR' } },
  });

describe('with Redis up', () => {
  test('a read stores the product in Redis with a TTL', async () => {
    assert.equal(await cached('TOY-0001'), undefined);
    const product = await read('TOY-0001');
    assert.deepEqual(await cached('TOY-0001'), product);
    const ttl = await infra.redis.client.ttl(infra.redis.key(productCacheKey('TOY-0001')));
    assert.ok(ttl > 0 && ttl <= 300, `ttl ${ttl}`);
  });

  test('the next read is answered from the cache', async () => {
    const first = await read('TOY-0002');
    await setPriceInDatabase('TOY-0002', 1);
    assert.deepEqual(await read('TOY-0002'), first);
  });

  test('an admin change removes the entry, and the next read shows the new price', async () => {
    await read('TOY-0003');
    assert.ok(await cached('TOY-0003'));
    assert.equal((await changePrice('TOY-0003', 777)).status, 200);
    assert.equal(await cached('TOY-0003'), undefined);
    assert.equal((await read('TOY-0003')).price.amount, 777);
    assert.equal((await cached('TOY-0003'))?.price.amount, 777);
  });

  test('an unreadable entry is ignored and replaced from the database', async () => {
    await infra.redis.client.set(infra.redis.key(productCacheKey('TOY-0004')), '{"not":"a product"');
    assert.equal((await read('TOY-0004')).sku, 'TOY-0004');
    assert.equal((await cached('TOY-0004'))?.sku, 'TOY-0004');
  });
});

describe('with Redis unreachable', () => {
  before(async () => {
    await read('TOY-0005'); // cached before the outage
    await proxy.stop();
  });

  after(async () => {
    await proxy.start();
  });

  test('reads of cached and uncached products, lists and categories still answer from PostgreSQL', async () => {
    await setPriceInDatabase('TOY-0005', 555);
    const started = performance.now();
    assert.equal((await read('TOY-0005')).price.amount, 555);
    assert.equal((await read('TOY-0006')).sku, 'TOY-0006');
    assert.equal(ProductList.parse((await catalog.get('/products?category=toys')).body).total, 24);
    assert.equal((await catalog.get('/categories')).status, 200);
    assert.ok(performance.now() - started < 2_000, 'reads waited for Redis');
  });

  test('readiness reports Redis down, naming it', async () => {
    const reply = await catalog.get('/readyz');
    assert.equal(reply.status, 503);
    const { checks } = reply.body as { checks: Record<string, { ok: boolean }> };
    assert.deepEqual(
      Object.entries(checks).map(([name, check]) => [name, check.ok]),
      [
        ['postgres', true],
        ['redis', false],
        ['amqp', true],
      ],
    );
  });

  test('a change made during the outage shows once Redis is back, though its entry was cached before', async () => {
    await read('TOY-0007');
    await proxy.start();
    await waitFor('the cache to fill', () => read('TOY-0007').then(() => cached('TOY-0007')));
    await proxy.stop();

    assert.equal((await changePrice('TOY-0007', 707)).status, 200);
    assert.equal((await read('TOY-0007')).price.amount, 707);
    await proxy.start();
    await waitFor('redis to be ready', async () => (await catalog.get('/readyz')).status === 200);
    assert.equal(await cached('TOY-0007').then((product) => product?.price.amount ?? 'gone'), 'gone');
    assert.equal((await read('TOY-0007')).price.amount, 707);
  });
});

describe('starting while Redis is down', () => {
  let second: TestCatalog;

  before(async () => {
    // A second instance on the same database, pointed at a port where nothing listens.
    second = await startCatalog(infra, { REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
  });

  after(async () => {
    await second?.stop();
  });

  test('the service starts and serves reads; only readiness says Redis is missing', async () => {
    const reply = await second.get('/products/BOK-0001');
    assert.equal(reply.status, 200);
    assert.equal(Product.parse(reply.body).sku, 'BOK-0001');
    assert.equal((await second.get('/readyz')).status, 503);
  });
});
