// Heavy carts through the storefront's JSON API against the whole shop in-process: the parcel rule
// (`splitIntoParcels` of the shipping contract) is what the front-end quotes with, what billing's
// saga quotes with, and what shipping prices, so a cart that is quoted is a cart that checks out.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiCheckoutResponse, ApiOrder, ApiUser } from '@trio/contracts/front-end';
import { maxParcelGrams, maxParcelsPerQuote, ShippingQuote } from '@trio/contracts/shipping';
import { useTestInfra } from '@trio/testing/infra';
import {
  address,
  type BrowserClient,
  type Storefront,
  startStorefront,
  successCard,
} from './support/shop.ts';

let shop: Storefront;
useTestInfra(startStorefront, (made) => {
  shop = made.running;
});

async function shopperWith(cart: { weightGrams: number; qty: number }[]): Promise<BrowserClient> {
  const client = shop.browserClient();
  const email = `heavy-${crypto.randomUUID()}@example.com`;
  const registered = await client.request('POST', '/api/users', {
    json: { email, password: 'correct horse battery', name: 'Ada Heavy' },
  });
  assert.equal(registered.status, 201, JSON.stringify(registered.body));
  ApiUser.parse(registered.body);
  for (const { weightGrams, qty } of cart) {
    const sku = await shop.peers.product({ weightGrams, stock: qty, price: 2_000 });
    const added = await client.request('POST', '/api/cart/items', { json: { sku, qty } });
    assert.equal(added.status, 200, JSON.stringify(added.body));
  }
  return client;
}

const quote = (client: BrowserClient) =>
  client.request('POST', '/api/checkout/quote', {
    json: { destination: { country: address.country, postalCode: address.postalCode } },
  });

/** Quotes the cart, buys it with standard shipping and answers the order as the API shows it. */
async function quoteAndBuy(client: BrowserClient): Promise<{ standardPrice: number; order: ApiOrder }> {
  const quoted = await quote(client);
  assert.equal(quoted.status, 200, JSON.stringify(quoted.body));
  const standard = ShippingQuote.parse(quoted.body).options.find((option) => option.service === 'standard');
  assert.ok(standard);
  const placed = await client.request('POST', '/api/checkout', {
    json: { address, shipping: 'standard', card: successCard },
    headers: { 'idempotency-key': crypto.randomUUID() },
  });
  assert.equal(placed.status, 201, JSON.stringify(placed.body));
  const { orderId } = ApiCheckoutResponse.parse(placed.body);
  const order = ApiOrder.parse((await client.get(`/api/orders/${orderId}`)).body);
  return { standardPrice: standard.price.amount, order };
}

describe('heavy orders', () => {
  test('three 8.9 kg dumbbells (26.8 kg, one parcel) are quoted and bought: confirmed', async () => {
    const client = await shopperWith([{ weightGrams: 8_934, qty: 3 }]);
    const { standardPrice, order } = await quoteAndBuy(client);
    assert.equal(order.status, 'confirmed', `${order.state} ${order.reason ?? ''}`);
    assert.equal(standardPrice, 1_990, 'one domestic parcel of 20-30 kg');
    assert.equal(order.totals.shipping.amount, standardPrice, 'billing charges what the shopper was quoted');
  });

  test('a 45 kg cart (two parcels) is quoted and bought: confirmed', async () => {
    const client = await shopperWith([
      { weightGrams: 9_000, qty: 4 },
      { weightGrams: 4_500, qty: 2 },
    ]);
    const { standardPrice, order } = await quoteAndBuy(client);
    assert.equal(order.status, 'confirmed', `${order.state} ${order.reason ?? ''}`);
    assert.equal(standardPrice, 1_990 + 1_490, 'a 30 kg parcel and a 15 kg parcel');
    assert.equal(order.totals.shipping.amount, standardPrice);
  });

  test('the heaviest cart that ships is quoted; one gram more is refused with 409', async () => {
    const client = await shopperWith([{ weightGrams: maxParcelGrams, qty: maxParcelsPerQuote }]);
    const heaviest = await quote(client);
    assert.equal(heaviest.status, 200, JSON.stringify(heaviest.body));
    const standard = ShippingQuote.parse(heaviest.body).options.find(
      (option) => option.service === 'standard',
    );
    assert.equal(standard?.price.amount, maxParcelsPerQuote * 1_990);

    const feather = await shop.peers.product({ weightGrams: 1 });
    await client.request('POST', '/api/cart/items', { json: { sku: feather, qty: 1 } });
    const tooHeavy = await quote(client);
    assert.equal(tooHeavy.status, 409, JSON.stringify(tooHeavy.body));
    assert.match(JSON.stringify(tooHeavy.body), /600\.001 kg: too heavy to ship/);
  });
});
