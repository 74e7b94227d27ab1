// What must hold across many checkouts: the last unit goes to one customer only, invoice numbers
// run without gaps however many invoices are issued at once, and no card number is left anywhere.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Order } from '@trio/contracts/billing';
import { callerHeaders } from '@trio/testing/identity';
import { useTestInfra } from '@trio/testing/infra';
import { storedRows } from '@trio/testing/stored-rows';
import { spawnBilling } from './support/child.ts';
import { checkout, startShop, type TestShop, waitFor } from './support/shop.ts';

let shop: TestShop;
useTestInfra(
  (infra) => startShop(infra, { slowCardDelayMs: 300 }),
  (made) => {
    shop = made.running;
  },
);

describe('checkouts together', () => {
  test('two checkouts racing for the last unit: one confirmed, the other out_of_stock holding nothing', async () => {
    const sku = await shop.product({ stock: 1 });
    const [ann, bob] = await Promise.all([shop.customer(), shop.customer()]);
    const replies = await Promise.all([
      shop.placeOrder(ann.token, checkout([{ sku }])),
      shop.placeOrder(bob.token, checkout([{ sku }])),
    ]);
    const orders = replies.map((reply) => Order.parse(reply.body));
    const outcomes = orders.map((order) => `${order.status}:${order.reason ?? ''}`).sort();
    assert.deepEqual(outcomes, ['confirmed:', 'failed:out_of_stock']);

    const loser = orders.find((order) => order.status === 'failed')!;
    const winner = orders.find((order) => order.status === 'confirmed')!;
    assert.equal(loser.paymentId, undefined, 'the loser was never charged');
    const { rows } = await shop
      .db('inventory')
      .query('SELECT order_id, status FROM reservations WHERE order_id = ANY($1::uuid[])', [
        [loser.id, winner.id],
      ]);
    assert.deepEqual(
      rows.filter((row) => row.order_id === loser.id && row.status === 'held'),
      [],
      'no hold left for the loser',
    );
    await waitFor('the winner’s hold to become a sale', async () => {
      const { rows } = await shop
        .db('inventory')
        .query('SELECT status FROM reservations WHERE order_id = $1', [winner.id]);
      return rows[0]?.status === 'committed';
    });
    assert.equal(await shop.available(sku), 0);
  });

  test('twelve orders at once get twelve consecutive invoice numbers', async () => {
    const sku = await shop.product({ stock: 50 });
    const { token } = await shop.customer();
    const { rows: before } = await shop
      .db('billing')
      .query<{ last: number | null }>('SELECT max(sequence) AS last FROM invoices WHERE year = $1', [
        new Date().getUTCFullYear(),
      ]);
    const replies = await Promise.all(
      Array.from({ length: 12 }, () => shop.placeOrder(token, checkout([{ sku }]))),
    );
    for (const reply of replies) assert.equal(Order.parse(reply.body).state, 'invoiced');
    const { rows } = await shop
      .db('billing')
      .query<{ sequence: number; number: string }>(
        'SELECT sequence, number FROM invoices WHERE year = $1 ORDER BY sequence',
        [new Date().getUTCFullYear()],
      );
    const sequences = rows.map((row) => row.sequence);
    assert.deepEqual(
      sequences,
      Array.from({ length: sequences.length }, (_, index) => index + 1),
      'every number from 1 up, none skipped or repeated',
    );
    assert.equal(sequences.length, (before[0]?.last ?? 0) + 12);
    assert.ok(
      rows.every(
        (row) => row.number === `${new Date().getUTCFullYear()}-${String(row.sequence).padStart(6, '0')}`,
      ),
    );
  });

  test('no card number anywhere in any database table or any log after checkouts', async () => {
    const cards = ['4242424242424242', '4000000000000002', '4000000000003220', '5555555555554444'];
    const child = await spawnBilling(shop.billingEnv);
    try {
      const sku = await shop.product({ stock: 20 });
      const { token } = await shop.customer();
      for (const number of cards) {
        const response = await fetch(`${child.url}/orders`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${token}`,
            'idempotency-key': crypto.randomUUID(),
            ...(await callerHeaders('front-end', 'billing')),
          },
          body: JSON.stringify(checkout([{ sku }], number)),
        });
        assert.equal(response.status, 201);
      }
      // A request that fails validation logs its failure: the number must not be in that either.
      await fetch(`${child.url}/orders`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          'idempotency-key': 'k-12345678',
          ...(await callerHeaders('front-end', 'billing')),
        },
        body: JSON.stringify({ ...checkout([{ sku }], '4111111111111111'), shipping: 'teleport' }),
      });
      cards.push('4111111111111111');
    } finally {
      await child.kill();
    }

    // Every row of every table of every service's schema, as text.
    const rows = await storedRows(shop.db('billing'));
    const tables = new Set(rows.map((row) => row.table));
    for (const table of [
      'billing.orders',
      'billing.event_outbox',
      'payment.cards',
      'inventory.reservations',
    ]) {
      assert.ok(tables.has(table), `${table} is scanned`);
    }
    assert.ok(rows.length > 100, `rows scanned: ${rows.length}`);
    for (const row of rows) {
      for (const number of cards) assert.ok(!row.text.includes(number), `${number} found in ${row.table}`);
    }

    const logs = shop.logText() + child.output();
    assert.ok(logs.includes('checkout ended'), 'the logs cover the checkouts');
    for (const number of cards) assert.ok(!logs.includes(number), `${number} found in the logs`);
    // Nor the CVC as a field of a logged body.
    assert.ok(!/"cvc"\s*:\s*"\d+"/.test(logs), 'no CVC in the logs');
  });
});
