// The admin API: who may call it, what it accepts, and what a change causes: the new state, and a
// product.created / product.updated event on the broker, written in the change's transaction.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Product, ProductList } from '@trio/contracts/catalog';
import { ErrorBody } from '@trio/contracts/common';
import { type DomainEvent, parseEvent } from '@trio/contracts/events';
import { type AmqpConnection, createAmqpConnection } from '@trio/events/connection';
import { createLogger } from '@trio/service-runtime/logger';
import { createPostgres, type Postgres } from '@trio/service-runtime/postgres';
import { callerToken } from '@trio/testing/identity';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import {
  adminToken,
  newProduct,
  type RequestOptions,
  startCatalog,
  type TestCatalog,
  waitFor,
} from './support/catalog.ts';

let infra: TestInfra;
let catalog: TestCatalog;
let db: Postgres;
let bus: AmqpConnection;
type ProductEvent = DomainEvent<'product.created' | 'product.updated'>;
const received: { event: ProductEvent; headers: Record<string, unknown> }[] = [];

before(async () => {
  infra = await createTestInfra();
  catalog = await startCatalog(infra);
  const log = createLogger({ service: 'test', level: 'silent' });
  // The runtime's pool, like the service's: its error listener matters when the database is dropped.
  db = createPostgres({ url: infra.db.url, schema: 'catalog', log });
  // What a consumer of catalog events would do: a queue bound to both product events.
  bus = createAmqpConnection({ url: infra.broker.url, name: 'catalog-admin-test', log });
  await bus.start();
  const channel = await bus.current()!.createChannel();
  const queue = infra.broker.queue('product-events');
  await channel.assertQueue(queue, { durable: false });
  for (const type of ['product.created', 'product.updated']) {
    await channel.bindQueue(queue, infra.broker.exchange('events'), type);
  }
  await channel.consume(queue, (message) => {
    if (message === null) return;
    const event = parseEvent(JSON.parse(message.content.toString()));
    if (event.type === 'product.created' || event.type === 'product.updated') {
      received.push({ event, headers: message.properties.headers ?? {} });
    }
    channel.ack(message);
  });
});

after(async () => {
  await bus?.close();
  await db?.end();
  await catalog?.stop();
  await infra?.drop();
});

const asAdmin: RequestOptions = { token: adminToken };
const create = (body: unknown, options = asAdmin) =>
  catalog.request('POST', '/products', { ...options, body });
const update = (sku: string, body: unknown, options = asAdmin) =>
  catalog.request('PATCH', `/products/${sku}`, { ...options, body });

async function failingPaths(reply: { status: number; body: unknown }): Promise<string[]> {
  assert.equal(reply.status, 400, JSON.stringify(reply.body));
  const paths = (ErrorBody.parse(reply.body).error.details ?? []).map((detail) => detail.path);
  return [...new Set(paths)].sort();
}

async function outboxRows(sku: string): Promise<string[]> {
  const { rows } = await db.query<{ event_type: string }>(
    'SELECT event_type FROM event_outbox WHERE aggregate_key = $1 ORDER BY id',
    [sku],
  );
  return rows.map((row) => row.event_type);
}

describe('admin authentication', () => {
  const refused: [string, RequestOptions][] = [
    ['without a token', {}],
    ['with a wrong token', { token: 'wrong-token-wrong-token' }],
    ['with the token under another scheme', { headers: { authorization: `Basic ${adminToken}` } }],
    ['with a token that only starts like the right one', { token: adminToken.slice(0, 10) }],
  ];
  for (const [situation, credentials] of refused) {
    test(`${situation}, create and update answer 401 and change nothing`, async () => {
      const created = await create(newProduct('AUTH-0001'), credentials);
      assert.equal(created.status, 401);
      assert.equal(ErrorBody.parse(created.body).error.code, 'unauthorized');
      assert.match(created.headers.get('www-authenticate') ?? '', /^Bearer/);
      assert.equal((await catalog.get('/products/AUTH-0001')).status, 404);

      const before = Product.parse((await catalog.get('/products/KIT-0001')).body);
      const updated = await update('KIT-0001', { price: { amount: 1, currency: 'EUR' } }, credentials);
      assert.equal(updated.status, 401);
      assert.deepEqual(Product.parse((await catalog.get('/products/KIT-0001')).body), before);
    });
  }

  // The admin API is for operators: a service, even one catalog trusts for reads, is not one.
  const now = Math.floor(Date.now() / 1000);
  const services: [string, number, () => Promise<RequestOptions>][] = [
    ['from billing, a service and no operator', 403, async () => ({ as: 'billing' })],
    ['from the front-end, a service and no operator', 403, async () => ({ as: 'front-end' })],
    [
      'with billing’s expired token',
      401,
      async () => ({
        headers: { 'trio-caller': await callerToken('billing', 'catalog', { issuedAt: now - 120 }) },
      }),
    ],
    [
      'with billing’s token for payment',
      401,
      async () => ({ headers: { 'trio-caller': await callerToken('billing', 'payment') } }),
    ],
  ];
  for (const [situation, status, as] of services) {
    test(`${situation}, even with the admin token, create and update answer ${status} and change nothing`, async () => {
      const credentials = { ...(await as()), token: adminToken };
      const created = await create(newProduct('SVC-0001'), credentials);
      assert.equal(created.status, status, JSON.stringify(created.body));
      assert.equal(ErrorBody.parse(created.body).error.code, status === 401 ? 'unauthorized' : 'forbidden');
      assert.equal((await catalog.get('/products/SVC-0001')).status, 404);

      const before = Product.parse((await catalog.get('/products/KIT-0001')).body);
      const updated = await update('KIT-0001', { price: { amount: 1, currency: 'EUR' } }, credentials);
      assert.equal(updated.status, status);
      assert.deepEqual(Product.parse((await catalog.get('/products/KIT-0001')).body), before);
      assert.deepEqual(await outboxRows('SVC-0001'), []);
    });
  }

  test('a request without a token is refused before its body is looked at', async () => {
    const reply = await create({ nonsense: true }, {});
    assert.equal(reply.status, 401);
  });
});

describe('reading the catalogue', () => {
  test('is open to anyone, to the front-end and billing; a service it does not serve gets 403', async () => {
    assert.equal((await catalog.request('GET', '/products/KIT-0001')).status, 200);
    assert.equal((await catalog.request('GET', '/products/KIT-0001', { as: 'front-end' })).status, 200);
    assert.equal((await catalog.request('GET', '/products/KIT-0001', { as: 'billing' })).status, 200);
    assert.equal((await catalog.request('GET', '/products/KIT-0001', { as: 'payment' })).status, 403);
  });

  test('a caller token that is presented is checked: an expired one is a 401, not ignored', async () => {
    const issuedAt = Math.floor(Date.now() / 1000) - 120;
    const expired = await callerToken('billing', 'catalog', { issuedAt });
    const reply = await catalog.request('GET', '/products/KIT-0001', { headers: { 'trio-caller': expired } });
    assert.equal(reply.status, 401);
  });
});

describe('creating a product', () => {
  test('answers 201 with the product, which can then be read, listed and found', async () => {
    const body = newProduct('NEW-0001', { name: 'Quokka-shaped egg cup' });
    const reply = await create(body);
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.equal(reply.headers.get('location'), '/products/NEW-0001');
    const product = Product.parse(reply.body);
    assert.deepEqual(
      { ...product, createdAt: undefined, updatedAt: undefined },
      {
        ...body,
        createdAt: undefined,
        updatedAt: undefined,
      },
    );
    assert.deepEqual(Product.parse((await catalog.get('/products/NEW-0001')).body), product);
    const found = ProductList.parse((await catalog.get('/products?q=quokka')).body);
    assert.deepEqual(
      found.items.map((item) => item.sku),
      ['NEW-0001'],
    );
  });

  test('a sku that exists answers 409 and leaves the product as it was', async () => {
    const before = (await catalog.get('/products/KIT-0002')).body;
    const reply = await create(newProduct('KIT-0002'));
    assert.equal(reply.status, 409);
    assert.equal(ErrorBody.parse(reply.body).error.code, 'conflict');
    assert.equal(reply.headers.get('location'), null);
    assert.deepEqual((await catalog.get('/products/KIT-0002')).body, before);
  });

  test('an invalid body answers 400 naming every bad field', async () => {
    const body = {
      ...newProduct('bad sku'),
      price: { amount: 12.5, currency: 'EURO' },
      image: 'https://cdn.example.com/mug.svg',
      attributes: { colour: 'red' },
    };
    assert.deepEqual(await failingPaths(await create(body)), [
      'attributes.weightGrams',
      'image',
      'price.amount',
      'price.currency',
      'sku',
    ]);
  });

  test('an unknown category answers 400 naming category, and nothing is written', async () => {
    const reply = await create(newProduct('NEW-0002', { category: 'spaceships' }));
    assert.deepEqual(await failingPaths(reply), ['category']);
    assert.equal((await catalog.get('/products/NEW-0002')).status, 404);
    assert.deepEqual(await outboxRows('NEW-0002'), []);
  });
});

describe('updating a product', () => {
  test('a new price is answered, read back, and createdAt stays while updatedAt moves', async () => {
    const before = Product.parse((await catalog.get('/products/GAR-0003')).body);
    const reply = await update('GAR-0003', { price: { amount: 4321, currency: 'EUR' } });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const after = Product.parse(reply.body);
    assert.deepEqual(after.price, { amount: 4321, currency: 'EUR' });
    assert.deepEqual({ ...after, price: before.price, updatedAt: before.updatedAt }, before);
    assert.ok(after.updatedAt > before.updatedAt);
    assert.deepEqual(Product.parse((await catalog.get('/products/GAR-0003')).body), after);
  });

  test('attributes are replaced as a whole', async () => {
    const reply = await update('GAR-0004', { attributes: { weightGrams: 999, finish: 'matte' } });
    assert.deepEqual(Product.parse(reply.body).attributes, { weightGrams: 999, finish: 'matte' });
  });

  test('an unknown sku answers 404', async () => {
    const reply = await update('NOPE-0001', { name: 'Ghost' });
    assert.equal(reply.status, 404);
    assert.equal(ErrorBody.parse(reply.body).error.code, 'not_found');
  });

  test('an empty change, or only a sku, answers 400', async () => {
    assert.equal((await update('GAR-0005', {})).status, 400);
    assert.equal((await update('GAR-0005', { sku: 'GAR-9999' })).status, 400);
  });

  test('bad fields answer 400 naming them; an unknown category names category', async () => {
    assert.deepEqual(
      await failingPaths(await update('GAR-0005', { price: { amount: -1, currency: 'EUR' } })),
      ['price.amount'],
    );
    assert.deepEqual(await failingPaths(await update('GAR-0005', { category: 'spaceships' })), ['category']);
  });
});

describe('events', () => {
  test('creating then updating a product publishes product.created then product.updated with the product', async () => {
    const correlationId = 'admin-test-correlation';
    const created = Product.parse(
      (await create(newProduct('EVT-0001'), { ...asAdmin, headers: { 'x-correlation-id': correlationId } }))
        .body,
    );
    const updated = Product.parse(
      (await update('EVT-0001', { price: { amount: 999, currency: 'EUR' } })).body,
    );

    const events = await waitFor('both events of EVT-0001', () => {
      const mine = received.filter(({ event }) => event.payload.sku === 'EVT-0001');
      return mine.length >= 2 && mine;
    });
    assert.deepEqual(
      events.map(({ event }) => [event.type, event.payload]),
      [
        ['product.created', created],
        ['product.updated', updated],
      ],
    );
    assert.equal(events[0]!.event.correlationId, correlationId);
    assert.equal(events[0]!.headers['x-correlation-id'], correlationId);
  });

  test('a refused change writes no event', async () => {
    await create(newProduct('EVT-0002'));
    await update('EVT-0002', { category: 'spaceships' });
    await update('EVT-0002', { name: 'Renamed' }, { token: 'wrong-token-wrong-token' });
    assert.deepEqual(await outboxRows('EVT-0002'), ['product.created']);
  });
});
