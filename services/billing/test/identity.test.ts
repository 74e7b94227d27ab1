// billing's order routes answer the front-end only. A call without a caller token or with a bad
// one is a 401, one from another service a 403, and in each case no order is placed, no stock is
// held and no order is shown. Billing's own calls carry its identity: a checkout succeeds only
// because payment, catalog and profiles accept billing's tokens.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Order } from '@trio/contracts/billing';
import { ErrorBody } from '@trio/contracts/common';
import { callerToken } from '@trio/testing/identity';
import { useTestInfra } from '@trio/testing/infra';
import { checkout, startShop, type TestShop } from './support/shop.ts';

let shop: TestShop;
useTestInfra(startShop, (made) => {
  shop = made.running;
});

const now = () => Math.floor(Date.now() / 1000);

const strangers: { situation: string; status: number; as: () => Promise<Record<string, unknown>> }[] = [
  { situation: 'without a caller token', status: 401, as: async () => ({ as: null }) },
  { situation: 'from payment', status: 403, as: async () => ({ as: 'payment' }) },
  {
    situation: 'with the front-end’s expired token',
    status: 401,
    as: async () => ({
      headers: { 'trio-caller': await callerToken('front-end', 'billing', { issuedAt: now() - 120 }) },
    }),
  },
  {
    situation: 'with the front-end’s token for profiles',
    status: 401,
    as: async () => ({ headers: { 'trio-caller': await callerToken('front-end', 'profiles') } }),
  },
];

describe('only the front-end may call billing', () => {
  for (const stranger of strangers) {
    test(`${stranger.situation}: ${stranger.status}; no order placed, no stock held, none shown`, async () => {
      const { token, userId } = await shop.customer();
      const sku = await shop.product({ stock: 3 });
      const { headers = {}, ...as } = (await stranger.as()) as { headers?: Record<string, string> };
      const http = shop.billing.http;

      const placed = await http.request('POST', '/orders', {
        ...as,
        token,
        body: checkout([{ sku, qty: 2 }]),
        headers: { ...headers, 'idempotency-key': crypto.randomUUID() },
      });
      assert.equal(placed.status, stranger.status, JSON.stringify(placed.body));
      assert.equal(
        ErrorBody.parse(placed.body).error.code,
        stranger.status === 401 ? 'unauthorized' : 'forbidden',
      );
      assert.equal(await shop.available(sku), 3);

      const listed = await http.request('GET', '/orders', { ...as, token, headers });
      assert.equal(listed.status, stranger.status);
      const { rows } = await shop
        .db('billing')
        .query<{ n: number }>('SELECT count(*)::int AS n FROM orders WHERE user_id = $1', [userId]);
      assert.equal(rows[0]?.n, 0);
    });
  }

  test('the front-end places an order, and billing’s calls to catalog, profiles and payment are accepted', async () => {
    const { token } = await shop.customer();
    const sku = await shop.product({ stock: 3 });
    const reply = await shop.placeOrder(token, checkout([{ sku }]));
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.notEqual(Order.parse(reply.body).status, 'failed', JSON.stringify(reply.body));
  });
});
