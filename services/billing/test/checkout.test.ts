// The checkout saga end to end on real infrastructure: billing calls inventory and shipping over
// ZeroMQ and payment and catalog over HTTP, all running in this process, and the events between
// them cross RabbitMQ.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Invoice, Order } from '@trio/contracts/billing';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import { checkout, startShop, type TestShop, waitFor } from './support/shop.ts';

let infra: TestInfra;
let shop: TestShop;

before(async () => {
  infra = await createTestInfra();
  shop = await startShop(infra);
});

after(async () => {
  await shop?.stop();
  await infra?.drop();
});

async function orderOf(token: string, id: string): Promise<Order> {
  const reply = await shop.billing.http.request('GET', `/orders/${id}`, { token });
  assert.equal(reply.status, 200);
  return Order.parse(reply.body);
}

describe('checkout saga', () => {
  test('a checkout with the success card is confirmed, paid and invoiced', async () => {
    const { token, userId } = await shop.customer();
    const mug = await shop.product({ price: 1250, stock: 5, weightGrams: 400 });
    const pan = await shop.product({ price: 3999, stock: 5, weightGrams: 1800 });

    const reply = await shop.placeOrder(token, checkout([{ sku: mug, qty: 2 }, { sku: pan }]));
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const order = Order.parse(reply.body);
    assert.equal(order.status, 'confirmed');
    assert.equal(order.state, 'invoiced');
    assert.equal(order.userId, userId);
    assert.equal(order.reason, undefined);
    assert.deepEqual(
      order.lines.map((line) => [line.sku, line.qty, line.unitPrice.amount, line.lineTotal.amount]),
      [
        [mug, 2, 1250, 2500],
        [pan, 1, 3999, 3999],
      ],
    );
    const { subtotal, shipping, tax, total } = order.totals;
    assert.equal(subtotal.amount, 6499);
    assert.ok(shipping.amount > 0, 'shipping was quoted');
    assert.equal(tax.amount, Math.floor(((subtotal.amount + shipping.amount) * 1900 + 5000) / 10_000));
    assert.equal(total.amount, subtotal.amount + shipping.amount + tax.amount);
    assert.deepEqual(order.history.map((entry) => entry.state).slice(0, 7), [
      'pending',
      'stock_reserved',
      'shipping_quoted',
      'payment_authorized',
      'confirmed',
      'paid',
      'invoiced',
    ]);

    // Payment took exactly the total.
    const payment = (await fetch(`${shop.paymentUrl}/payments/${order.paymentId}`).then((r) => r.json())) as {
      status: string;
      capturedAmount: { amount: number };
    };
    assert.equal(payment.status, 'captured');
    assert.equal(payment.capturedAmount.amount, total.amount);

    // order.confirmed reached inventory (the hold became a sale) and shipping (a shipment, whose
    // events come back into the order's history).
    const withShipment = await waitFor('the shipment in the order history', async () => {
      const current = await orderOf(token, order.id);
      return current.history.some((entry) => entry.state === 'shipment_created') ? current : undefined;
    });
    assert.ok(withShipment.shipmentId);
    await waitFor('inventory to commit the reservation', async () => {
      const { rows } = await shop
        .db('inventory')
        .query('SELECT status FROM reservations WHERE order_id = $1', [order.id]);
      return rows[0]?.status === 'committed';
    });
    assert.equal(await shop.available(mug), 3);
    assert.equal(await shop.available(pan), 4);

    // The invoice, as JSON and as a page.
    const invoiceReply = await shop.billing.http.request('GET', `/invoices/${order.invoiceId}`, { token });
    assert.equal(invoiceReply.status, 200);
    const invoice = Invoice.parse(invoiceReply.body);
    assert.equal(invoice.orderId, order.id);
    assert.deepEqual(invoice.totals, order.totals);
    assert.match(invoice.number, new RegExp(`^${new Date().getUTCFullYear()}-\\d{6}$`));
  });
});
