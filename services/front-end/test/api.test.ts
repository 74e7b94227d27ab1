// The public JSON API (the BFF) against the whole shop running in-process: what a page script or a
// load generator sees, with a cookie jar like a browser's.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProductList } from '@trio/contracts/catalog';
import { ErrorBody } from '@trio/contracts/common';
import { subscriptionNames } from '@trio/contracts/events';
import {
  ApiCart,
  ApiCheckoutResponse,
  ApiOrder,
  ApiOrderList,
  ApiProductDetail,
  ApiUser,
  sessionCookieName,
} from '@trio/contracts/front-end';
import { ShippingQuote } from '@trio/contracts/shipping';
import { type TestInfra, useTestInfra } from '@trio/testing/infra';
import {
  address,
  type BrowserClient,
  type Storefront,
  startStorefront,
  successCard,
  waitFor,
} from './support/shop.ts';

let infra: TestInfra;
let shop: Storefront;
useTestInfra(startStorefront, (made) => {
  ({ infra, running: shop } = made);
});

const password = 'correct horse battery';

async function registered(client: BrowserClient) {
  const email = `api-${crypto.randomUUID()}@example.com`;
  const reply = await client.request('POST', '/api/users', { json: { email, password, name: 'Ada API' } });
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  return { email, user: ApiUser.parse(reply.body) };
}

const checkoutBody = (number = successCard.number) => ({
  address,
  shipping: 'standard',
  card: { ...successCard, number },
});

describe('browsing', () => {
  test('lists, searches and shows products with their stock', async () => {
    const client = shop.browserClient();
    const sku = await shop.peers.product({ name: 'Speckled enamel mug', stock: 3, price: 1499 });
    const list = ProductList.parse((await client.get('/api/products?page=1')).body);
    assert.ok(list.total > 0);
    const found = ProductList.parse((await client.get('/api/products?q=speckled%20enamel')).body);
    assert.ok(found.items.some((product) => product.sku === sku));
    const categories = (await client.get('/api/categories')).body as { items: { slug: string }[] };
    assert.ok(categories.items.some((category) => category.slug === 'kitchen'));

    const detail = ApiProductDetail.parse((await client.get(`/api/products/${sku}`)).body);
    assert.equal(detail.product.price.amount, 1499);
    assert.deepEqual(detail.stock, { status: 'low_stock', available: 3 });
    assert.ok(Array.isArray(detail.recommendations), 'recommendations answered within the budget');
    assert.equal((await client.get('/api/products/NOPE-0000')).status, 404);
    assert.equal((await client.get('/api/products?page=0')).status, 400);
  });
});

describe('cart', () => {
  test('a cart lives in the session cookie: add, change, remove, with prices from catalog', async () => {
    const client = shop.browserClient();
    const empty = ApiCart.parse((await client.get('/api/cart')).body);
    assert.deepEqual(empty.lines, []);
    assert.equal(client.cookies.size, 0, 'reading an empty cart starts no session');

    const mug = await shop.peers.product({ price: 1000 });
    const pan = await shop.peers.product({ price: 2500 });
    const added = await client.request('POST', '/api/cart/items', { json: { sku: mug, qty: 2 } });
    assert.equal(added.status, 200);
    const setCookie = added.headers.get('set-cookie') ?? '';
    assert.match(setCookie, new RegExp(`^${sessionCookieName}=`));
    assert.match(setCookie, /HttpOnly/i);
    assert.match(setCookie, /SameSite=Lax/i);
    await client.request('POST', '/api/cart/items', { json: { sku: pan, qty: 1 } });
    await client.request('POST', '/api/cart/items', { json: { sku: mug, qty: 1 } });
    let cart = ApiCart.parse((await client.get('/api/cart')).body);
    assert.deepEqual(
      cart.lines.map((line) => [line.sku, line.qty, line.lineTotal.amount]).sort(),
      [
        [mug, 3, 3000],
        [pan, 1, 2500],
      ].sort(),
    );
    assert.equal(cart.itemCount, 4);
    assert.equal(cart.subtotal.amount, 5500);

    cart = ApiCart.parse(
      (await client.request('PATCH', `/api/cart/items/${mug}`, { json: { qty: 1 } })).body,
    );
    assert.equal(cart.subtotal.amount, 3500);
    cart = ApiCart.parse((await client.request('DELETE', `/api/cart/items/${pan}`)).body);
    assert.deepEqual(
      cart.lines.map((line) => line.sku),
      [mug],
    );

    assert.equal((await client.request('DELETE', `/api/cart/items/${pan}`)).status, 404);
    assert.equal(
      (await client.request('POST', '/api/cart/items', { json: { sku: 'NOPE-0000', qty: 1 } })).status,
      404,
    );
    const bad = await client.request('POST', '/api/cart/items', { json: { sku: mug, qty: 0 } });
    assert.equal(bad.status, 400);
    assert.deepEqual(
      ErrorBody.parse(bad.body).error.details?.map((detail) => detail.path),
      ['qty'],
    );
  });

  test('an anonymous cart joins the customer’s at login, under a new session id', async () => {
    const first = shop.browserClient();
    const { email } = await registered(first);
    const remembered = await shop.peers.product({ price: 700 });
    await first.request('POST', '/api/cart/items', { json: { sku: remembered, qty: 1 } });
    await first.request('DELETE', '/api/session');

    const client = shop.browserClient();
    const browsed = await shop.peers.product({ price: 900 });
    await client.request('POST', '/api/cart/items', { json: { sku: browsed, qty: 2 } });
    const anonymousId = client.cookies.get(sessionCookieName);
    const login = await client.request('POST', '/api/session', { json: { email, password } });
    assert.equal(login.status, 200);
    assert.equal(ApiUser.parse(login.body).email, email);
    assert.notEqual(client.cookies.get(sessionCookieName), anonymousId, 'a new session id at login');
    const cart = ApiCart.parse((await client.get('/api/cart')).body);
    assert.deepEqual(
      cart.lines.map((line) => [line.sku, line.qty]).sort(),
      [
        [browsed, 2],
        [remembered, 1],
      ].sort(),
    );

    const wrong = await shop
      .browserClient()
      .request('POST', '/api/session', { json: { email, password: 'nope-nope' } });
    assert.equal(wrong.status, 401);
  });
});

describe('checkout', () => {
  test('quote, then buy the cart: one order per Idempotency-Key, the cart emptied', async () => {
    const client = shop.browserClient();
    await registered(client);
    const sku = await shop.peers.product({ price: 1999, stock: 5 });
    await client.request('POST', '/api/cart/items', { json: { sku, qty: 2 } });

    const quote = await client.request('POST', '/api/checkout/quote', {
      json: { destination: { country: 'DE', postalCode: '10115' } },
    });
    assert.equal(quote.status, 200);
    assert.deepEqual(
      ShippingQuote.parse(quote.body)
        .options.map((option) => option.service)
        .sort(),
      ['express', 'standard'],
    );

    const key = crypto.randomUUID();
    const [first, second] = await Promise.all([
      client.request('POST', '/api/checkout', { json: checkoutBody(), headers: { 'idempotency-key': key } }),
      client.request('POST', '/api/checkout', { json: checkoutBody(), headers: { 'idempotency-key': key } }),
    ]);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const placed = ApiCheckoutResponse.parse(first.body);
    assert.equal(placed.status, 'confirmed');
    assert.equal(
      ApiCheckoutResponse.parse(second.body).orderId,
      placed.orderId,
      'a double submit is one order',
    );
    assert.equal(await shop.peers.available(sku), 3);
    assert.deepEqual(ApiCart.parse((await client.get('/api/cart')).body).lines, []);
    // Sent again later, with the cart now empty: still that order, not "the cart is empty".
    const late = await client.request('POST', '/api/checkout', {
      json: checkoutBody(),
      headers: { 'idempotency-key': key },
    });
    assert.equal(late.status, 201);
    assert.equal(ApiCheckoutResponse.parse(late.body).orderId, placed.orderId);

    const orders = ApiOrderList.parse((await client.get('/api/orders')).body);
    assert.deepEqual(
      orders.items.map((order) => order.id),
      [placed.orderId],
    );
    const order = ApiOrder.parse((await client.get(`/api/orders/${placed.orderId}`)).body);
    assert.equal(order.status, 'confirmed');
    assert.ok(order.invoiceId);
    assert.equal(order.lines[0]?.qty, 2);
    // The checkout's trace id, for support and `npm run trace` (the contract checks its form).
    assert.ok(order.traceId, 'the order JSON names the checkout’s trace');
  });

  test('a product bought out shows out of stock on its next pages, though its stock was just shown', async () => {
    const client = shop.browserClient();
    await registered(client);
    const sku = await shop.peers.product({ stock: 2 });
    const detail = async () => ApiProductDetail.parse((await client.get(`/api/products/${sku}`)).body);
    assert.deepEqual((await detail()).stock, { status: 'low_stock', available: 2 });
    await client.request('POST', '/api/cart/items', { json: { sku, qty: 2 } });
    const reply = await client.request('POST', '/api/checkout', {
      json: checkoutBody(),
      headers: { 'idempotency-key': crypto.randomUUID() },
    });
    assert.equal(ApiCheckoutResponse.parse(reply.body).status, 'confirmed');
    // The stock shown is kept for STOCK_CACHE_TTL_MS, and dropped by inventory's stock.depleted.
    await waitFor(
      'the product page to show it sold out',
      async () => (await detail()).stock.status === 'out_of_stock',
    );
    assert.deepEqual((await detail()).stock, { status: 'out_of_stock', available: 0 });
  });

  test('a declined card answers failed with the reason, and the cart stays', async () => {
    const client = shop.browserClient();
    await registered(client);
    const sku = await shop.peers.product({ stock: 5 });
    await client.request('POST', '/api/cart/items', { json: { sku, qty: 1 } });
    const reply = await client.request('POST', '/api/checkout', {
      json: checkoutBody('4000000000000002'),
      headers: { 'idempotency-key': crypto.randomUUID() },
    });
    const placed = ApiCheckoutResponse.parse(reply.body);
    assert.equal(placed.status, 'failed');
    const order = ApiOrder.parse((await client.get(`/api/orders/${placed.orderId}`)).body);
    assert.equal(order.reason, 'payment_declined');
    assert.equal(ApiCart.parse((await client.get('/api/cart')).body).itemCount, 1);
    assert.equal(await shop.peers.available(sku), 5);
  });

  test('checkout refuses what it must: no login 401, no key 400, empty cart 409, bad card 400', async () => {
    const anonymous = shop.browserClient();
    const sku = await shop.peers.product({ stock: 5 });
    await anonymous.request('POST', '/api/cart/items', { json: { sku, qty: 1 } });
    const key = { 'idempotency-key': crypto.randomUUID() };
    assert.equal(
      (await anonymous.request('POST', '/api/checkout', { json: checkoutBody(), headers: key })).status,
      401,
    );

    const client = shop.browserClient();
    await registered(client);
    assert.equal((await client.request('POST', '/api/checkout', { json: checkoutBody() })).status, 400);
    assert.equal(
      (await client.request('POST', '/api/checkout', { json: checkoutBody(), headers: key })).status,
      409,
    );
    await client.request('POST', '/api/cart/items', { json: { sku, qty: 1 } });
    const bad = await client.request('POST', '/api/checkout', {
      json: checkoutBody('4242424242424241'),
      headers: { 'idempotency-key': crypto.randomUUID() },
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(
      ErrorBody.parse(bad.body).error.details?.map((detail) => detail.path),
      ['card.number'],
    );
    assert.equal((await client.get('/api/orders')).status, 200);
    assert.equal((await anonymous.get('/api/orders')).status, 401);
  });
});

describe('safety', () => {
  test('a cross-site or non-JSON mutation is refused before anything happens', async () => {
    const client = shop.browserClient();
    const sku = await shop.peers.product({ stock: 1 });
    const crossSite = await client.request('POST', '/api/cart/items', {
      json: { sku, qty: 1 },
      headers: { origin: 'http://evil.example' },
    });
    assert.equal(crossSite.status, 403);
    const form = await client.request('POST', '/api/cart/items', { form: { sku, qty: '1' } });
    assert.equal(form.status, 415);
    assert.equal(client.cookies.size, 0);
  });

  test('errors are JSON messages, never stack traces', async () => {
    const client = shop.browserClient();
    const reply = await client.request('POST', '/api/cart/items', {
      headers: { 'content-type': 'application/json' },
      json: undefined,
    });
    assert.ok(reply.status >= 400);
    assert.ok(!reply.text.includes('    at '), 'no stack trace');
    const broken = await fetch(`${shop.url}/api/cart/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: shop.url },
      body: '{"sku":',
    });
    assert.equal(broken.status, 400);
    assert.equal(ErrorBody.parse(await broken.json()).error.code, 'malformed_json');
  });
});

describe('events', () => {
  // A queue without a consumer grows for as long as the shop runs: every queue the shop declares
  // (one per subscription in the contracts, fed by the publishers) must be read by its service.
  test('every event queue the shop declares has a consumer once the shop is up', async () => {
    const unread: string[] = [];
    for (const name of subscriptionNames) {
      if ((await infra.broker.consumers(`${infra.broker.prefix}events.${name}`)) === 0) unread.push(name);
    }
    assert.deepEqual(unread, [], 'queues nobody consumes');
  });
});

describe('the platform endpoints', () => {
  test('are on the admin port only: the public port answers 404 for them', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const publicReply = await fetch(`${shop.url}${path}`);
      assert.equal(publicReply.status, 404, `public ${path}`);
      await publicReply.body?.cancel();
      const adminReply = await fetch(`${shop.adminUrl}${path}`);
      assert.equal(adminReply.status, 200, `admin ${path}`);
      if (path === '/metrics') assert.match(await adminReply.text(), /http_server_request_duration_seconds/);
      else assert.equal(((await adminReply.json()) as { status: string }).status, 'ok');
    }
  });
});
