// Crash safety: a billing killed in the middle of a saga, and peers that stop answering. Whatever
// happens, every saga ends — confirmed and invoiced, or failed with its stock and money given
// back — with no double charge and no reservation left held.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Order } from '@trio/contracts/billing';
import { StoredCard } from '@trio/contracts/payment';
import { callerHeaders } from '@trio/testing/identity';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import { createTcpProxy } from '@trio/testing/tcp-proxy';
import { spawnBilling } from './support/child.ts';
import { checkout, startShop, successCard, type TestShop, waitFor } from './support/shop.ts';

let infra: TestInfra;
let shop: TestShop;

before(async () => {
  infra = await createTestInfra();
  // No billing of its own: each test runs the billings it needs, and stops them.
  shop = await startShop(infra, { startBilling: false });
});

after(async () => {
  await shop?.stop();
  await infra?.drop();
});

async function stateOf(orderId: string): Promise<string | undefined> {
  const { rows } = await shop.db('billing').query('SELECT state FROM orders WHERE id = $1', [orderId]);
  return rows[0]?.state;
}

async function onlyOrderOf(userId: string): Promise<string> {
  return waitFor('the order row', async () => {
    const { rows } = await shop.db('billing').query('SELECT id FROM orders WHERE user_id = $1', [userId]);
    return rows[0]?.id as string | undefined;
  });
}

async function paymentsOf(orderId: string): Promise<string[]> {
  const { rows } = await shop
    .db('payment')
    .query('SELECT status FROM payments WHERE order_id = $1 ORDER BY created_at', [orderId]);
  return rows.map((row) => row.status as string);
}

async function reservationOf(orderId: string): Promise<string | undefined> {
  const { rows } = await shop
    .db('inventory')
    .query('SELECT status FROM reservations WHERE order_id = $1', [orderId]);
  return rows[0]?.status;
}

/** A token of `owner`'s card from payment, so that orders can be placed while billing cannot reach payment. */
async function cardToken(owner: string): Promise<string> {
  const response = await fetch(`${shop.paymentUrl}/cards`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': crypto.randomUUID(),
      ...(await callerHeaders('billing', 'payment')),
    },
    body: JSON.stringify({ ...successCard, owner }),
  });
  assert.equal(response.status, 201);
  return StoredCard.parse(await response.json()).token;
}

describe('a saga survives its process', () => {
  test('billing killed while payment authorizes: the restarted billing resumes and charges once', async () => {
    const child = await spawnBilling(shop.billingEnv);
    const { token, userId } = await shop.customer();
    const sku = await shop.product({ stock: 3 });
    const key = crypto.randomUUID();
    const body = checkout([{ sku, qty: 2 }], '4000000000003220'); // authorizes after 3 s
    const placing = fetch(`${child.url}/orders`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        'idempotency-key': key,
        ...(await callerHeaders('front-end', 'billing')),
      },
      body: JSON.stringify(body),
    }).then(
      (response) => `answered ${response.status}`,
      () => 'no answer',
    );

    const orderId = await onlyOrderOf(userId);
    await waitFor(
      'the saga to wait on the authorization',
      async () => (await stateOf(orderId)) === 'shipping_quoted',
    );
    await child.kill(); // the authorization request is in flight at payment
    assert.equal(await placing, 'no answer');
    assert.equal(await stateOf(orderId), 'shipping_quoted', 'the row is where the process died');
    assert.equal(await reservationOf(orderId), 'held');

    const restarted = await shop.startBilling();
    try {
      await waitFor('the resumed saga to end', async () => (await stateOf(orderId)) === 'invoiced', 30_000);
      assert.deepEqual(await paymentsOf(orderId), ['captured'], 'one authorization, captured once');
      await waitFor(
        'inventory to commit the hold',
        async () => (await reservationOf(orderId)) === 'committed',
      );
      assert.equal(await shop.available(sku), 1);

      // The customer's retry of the lost request finds the order, not a second one.
      const retry = await shop.placeOrder(token, body, key, restarted);
      assert.equal(retry.status, 201);
      assert.equal(retry.headers.get('idempotent-replayed'), 'true');
      const order = Order.parse(retry.body);
      assert.equal(order.id, orderId);
      assert.equal(order.status, 'confirmed');
      const states = order.history.map((entry) => entry.state);
      assert.equal(states.filter((state) => state === 'payment_authorized').length, 1);
      assert.ok(restarted.capture.lines().some((line) => line.includes('resuming an unfinished checkout')));
    } finally {
      await restarted.stop();
    }
  });

  test('payment unreachable: the saga answers pending, keeps trying, and ends when payment is back', async () => {
    const proxy = await createTcpProxy({ host: '127.0.0.1', port: Number(new URL(shop.paymentUrl).port) });
    const billing = await shop.startBilling({
      PAYMENT_URL: proxy.url(shop.paymentUrl),
      CHECKOUT_RESPONSE_BUDGET_MS: '1500',
    });
    try {
      const { token, userId } = await shop.customer();
      const sku = await shop.product({ stock: 2 });
      const body = { ...checkout([{ sku }]), payment: { type: 'token', token: await cardToken(userId) } };
      await proxy.stop();

      const reply = await shop.placeOrder(token, body, crypto.randomUUID(), billing);
      assert.equal(reply.status, 201);
      const pending = Order.parse(reply.body);
      assert.equal(pending.status, 'pending', 'answered within the budget, saga still going');
      assert.equal(pending.state, 'shipping_quoted');
      const { rows } = await shop
        .db('billing')
        .query('SELECT attempts, last_error FROM orders WHERE id = $1', [pending.id]);
      assert.ok(rows[0].attempts >= 1);
      assert.match(rows[0].last_error, /payment service is not answering/);

      await proxy.start();
      await waitFor('the saga to end', async () => (await stateOf(pending.id)) === 'invoiced', 30_000);
      assert.deepEqual(await paymentsOf(pending.id), ['captured']);
      assert.equal(await shop.available(sku), 1);
    } finally {
      await billing.stop();
      await proxy.close();
    }
  });

  test('past its deadline the saga compensates: an authorization made meanwhile is voided, stock released', async () => {
    const proxy = await createTcpProxy({ host: '127.0.0.1', port: Number(new URL(shop.paymentUrl).port) });
    const billing = await shop.startBilling({
      PAYMENT_URL: proxy.url(shop.paymentUrl),
      CHECKOUT_RESPONSE_BUDGET_MS: '500',
      SAGA_DEADLINE_MS: '1000',
    });
    try {
      const { token, userId } = await shop.customer();
      const sku = await shop.product({ stock: 2 });
      const body = { ...checkout([{ sku }]), payment: { type: 'token', token: await cardToken(userId) } };
      await proxy.stop();
      const order = Order.parse((await shop.placeOrder(token, body, crypto.randomUUID(), billing)).body);
      await waitFor('the deadline to pass', async () => (await stateOf(order.id)) === 'compensating', 15_000);
      // Whether payment authorized is unknown while it cannot be reached: compensation waits for it.
      assert.equal(await shop.available(sku), 1, 'the stock stays held until the outcome is known');

      await proxy.start();
      await waitFor('the compensation to end', async () => (await stateOf(order.id)) === 'failed', 30_000);
      const ended = await billing.http.request('GET', `/orders/${order.id}`, { token });
      assert.equal(Order.parse(ended.body).reason, 'timeout');
      assert.deepEqual(await paymentsOf(order.id), ['voided'], 'asked again under the same key, then voided');
      assert.equal(await shop.available(sku), 2);
      assert.equal(await reservationOf(order.id), 'released');
    } finally {
      await billing.stop();
      await proxy.close();
    }
  });
});
