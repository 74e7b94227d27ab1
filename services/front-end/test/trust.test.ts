// What the storefront refuses at its edge, and what it does not keep: a control character in a
// typed field, a quantity out of range and a malformed Origin are refused before anything changes;
// a shopper who only browses leaves nothing in Redis.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorBody } from '@trio/contracts/common';
import { customerPassword } from '@trio/shop-testing/peers';
import { createHttpClient, type HttpClient } from '@trio/testing/http-client';
import { type TestInfra, useTestInfra } from '@trio/testing/infra';
import {
  address,
  type BrowserClient,
  type Storefront,
  startStorefront,
  successCard,
} from './support/shop.ts';

let infra: TestInfra;
let shop: Storefront;
useTestInfra(startStorefront, (made) => {
  ({ infra, running: shop } = made);
});

/** Every key the front-end wrote (sessions, carts); catalog's product cache is a cache and may fill. */
async function redisKeys(): Promise<string[]> {
  const keys: string[] = [];
  const match = `${infra.redis.key('front-end:')}*`;
  for await (const batch of infra.redis.client.scanIterator({ MATCH: match, COUNT: 500 })) {
    keys.push(...batch);
  }
  return keys.sort();
}

const storedCards = async () =>
  (await shop.peers.db('payment').query<{ n: number }>('SELECT count(*)::int AS n FROM cards')).rows[0]!.n;

const problems = (body: unknown) =>
  ErrorBody.parse(body).error.details?.map((detail) => `${detail.path}: ${detail.message}`);

async function shopperWithCart(): Promise<BrowserClient> {
  const client = shop.browserClient();
  const email = `trust-${crypto.randomUUID()}@example.com`;
  const registered = await client.request('POST', '/api/users', {
    json: { email, password: 'correct horse battery', name: 'Ada' },
  });
  assert.equal(registered.status, 201, JSON.stringify(registered.body));
  const sku = await shop.peers.product({ stock: 5 });
  assert.equal((await client.request('POST', '/api/cart/items', { json: { sku, qty: 1 } })).status, 200);
  return client;
}

describe('a browsing shopper keeps nothing in Redis', () => {
  test('cookie-less GETs of the home, listing and product pages create no key', async () => {
    const sku = await shop.peers.product({ stock: 5 });
    const before = await redisKeys();
    for (let i = 0; i < 5; i++) {
      for (const path of ['/', `/p/${sku}`, '/cart', '/login', '/api/cart']) {
        const reply = await fetch(`${shop.url}${path}`);
        assert.equal(reply.status, 200, path);
        await reply.text();
      }
    }
    assert.deepEqual(await redisKeys(), before);
  });

  test('the product page’s form works without a stored session: the cart add keeps one', async () => {
    const client = shop.browserClient();
    const sku = await shop.peers.product({ stock: 5 });
    const page = await client.get(`/p/${sku}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
    assert.ok(csrf, 'the page carries a CSRF token');
    const before = await redisKeys();
    const added = await client.request('POST', '/cart/items', { form: { _csrf: csrf, sku, qty: '2' } });
    assert.equal(added.status, 303);
    const cart = await client.get('/api/cart');
    assert.equal((cart.body as { itemCount: number }).itemCount, 2);
    const created = (await redisKeys()).filter((key) => !before.includes(key));
    assert.deepEqual(
      created.map((key) => key.slice(infra.redis.prefix.length).replace(/:[^:]+$/, ':…')),
      ['front-end:cart:session:…', 'front-end:session:…'],
    );
  });
});

describe('refused at the edge, nothing changed', () => {
  test('a malformed Origin on a mutation is a 403, and nothing is kept', async () => {
    const sku = await shop.peers.product({ stock: 5 });
    const before = await redisKeys();
    for (const origin of ['foo', 'http://', '::']) {
      const reply = await fetch(`${shop.url}/api/cart/items`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin },
        body: JSON.stringify({ sku, qty: 1 }),
      });
      assert.equal(reply.status, 403, origin);
      assert.equal(ErrorBody.parse(await reply.json()).error.code, 'forbidden');
    }
    assert.deepEqual(await redisKeys(), before);
  });

  test('a quantity out of range says the range', async () => {
    const client = shop.browserClient();
    const sku = await shop.peers.product({ stock: 5 });
    for (const qty of [0, 100, 500]) {
      const reply = await client.request('POST', '/api/cart/items', { json: { sku, qty } });
      assert.equal(reply.status, 400);
      assert.deepEqual(problems(reply.body), ['qty: must be a whole number between 1 and 99']);
    }
    assert.equal(client.cookies.size, 0, 'no session for a refused add');
  });

  test('a NUL in the checkout address is a 400 naming the field: no card stored, no order, the cart kept', async () => {
    const client = await shopperWithCart();
    const cardsBefore = await storedCards();
    const reply = await client.request('POST', '/api/checkout', {
      json: { address: { ...address, name: 'Ada\u0000' }, shipping: 'standard', card: successCard },
      headers: { 'idempotency-key': crypto.randomUUID() },
    });
    assert.equal(reply.status, 400, JSON.stringify(reply.body));
    assert.deepEqual(problems(reply.body), [
      'address.name: must not contain control characters (NUL, line breaks, tabs…)',
    ]);
    assert.equal(await storedCards(), cardsBefore, 'no card stored');
    assert.equal(((await client.get('/api/orders')).body as { items: unknown[] }).items.length, 0);
    assert.equal(((await client.get('/api/cart')).body as { itemCount: number }).itemCount, 1);
  });

  test('a NUL in a name at registration is a 400 naming the field, not a 500', async () => {
    const client = shop.browserClient();
    const reply = await client.request('POST', '/api/users', {
      json: {
        email: `nul-${crypto.randomUUID()}@example.com`,
        password: 'correct horse battery',
        name: 'A\u0000',
      },
    });
    assert.equal(reply.status, 400, JSON.stringify(reply.body));
    assert.deepEqual(
      problems(reply.body)?.map((problem) => problem.split(':')[0]),
      ['name'],
    );
  });
});

describe('shoppers are counted as themselves', () => {
  // Every shopper here is a client address of their own (Linux lets a client bind any
  // 127.0.0.0/8 address), as they would be on the internet; the front-end names each to profiles.
  const from = (n: number) =>
    createHttpClient(shop.url, { from: `127.0.${Math.floor(n / 250)}.${(n % 250) + 2}` });
  const origin = () => ({ origin: new URL(shop.url).origin });
  const logIn = (client: HttpClient, email: string, password: string) =>
    client.request('POST', '/api/session', { body: { email, password }, headers: origin() });

  // 120 argon2 hashes: minutes on a machine busy with other suites, so a longer limit than the rest.
  test('a hundred shoppers from their own addresses all log in, while one address hammering gets 429 with Retry-After', {
    timeout: 360_000,
  }, async () => {
    const accounts = await Promise.all(Array.from({ length: 20 }, () => shop.peers.customer()));
    const statuses: number[] = [];
    const shoppers = Array.from({ length: 100 }, (_, n) => n);
    // Four at a time: each login is an argon2 check.
    for (let i = 0; i < shoppers.length; i += 4) {
      const batch = shoppers.slice(i, i + 4).map(async (n) => {
        const account = accounts[n % accounts.length]!;
        statuses.push((await logIn(from(n), account.email, customerPassword)).status);
      });
      await Promise.all(batch);
    }
    assert.deepEqual(
      statuses.filter((status) => status !== 200),
      [],
      'every shopper logged in',
    );

    const hammer = from(400);
    const victim = accounts[0]!;
    let reply = await logIn(hammer, victim.email, 'wrong');
    for (let attempt = 0; attempt < 20 && reply.status === 401; attempt++) {
      reply = await logIn(hammer, victim.email, 'wrong');
    }
    assert.equal(reply.status, 429, JSON.stringify(reply.body));
    assert.ok(Number(reply.headers.get('retry-after')) > 0, 'Retry-After');
    // The account's owner, from their own address, is not locked out by it.
    assert.equal((await logIn(from(401), victim.email, customerPassword)).status, 200);
  });
});
