// The checkout saga end to end on real infrastructure: billing calls inventory and shipping over
// ZeroMQ and payment and catalog over HTTP, all running in this process, and the events between
// them cross RabbitMQ.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Invoice, Order } from '@trio/contracts/billing';
import { ErrorBody } from '@trio/contracts/common';
import { StoredCard } from '@trio/contracts/payment';
import { callerHeaders } from '@trio/testing/identity';
import { useTestInfra } from '@trio/testing/infra';
import { checkout, startShop, successCard, type TestShop, waitFor } from './support/shop.ts';

let shop: TestShop;
useTestInfra(startShop, (made) => {
  shop = made.running;
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
    // Shipping's events join the history as they arrive: under load shipment_created can come
    // before the invoice step, so the saga's own steps are compared without them.
    const sagaSteps = order.history
      .map((entry) => entry.state)
      .filter((state) => !state.startsWith('shipment_'));
    assert.deepEqual(sagaSteps.slice(0, 7), [
      'pending',
      'stock_reserved',
      'shipping_quoted',
      'payment_authorized',
      'confirmed',
      'paid',
      'invoiced',
    ]);

    // Payment took exactly the total.
    const payment = (await fetch(`${shop.paymentUrl}/payments/${order.paymentId}`, {
      headers: await callerHeaders('billing', 'payment'),
    }).then((r) => r.json())) as {
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

  test("the order carries its checkout's trace id: the placing request's trace", async () => {
    const { token } = await shop.customer();
    const sku = await shop.product({ price: 990, stock: 5 });
    const traceId = crypto.randomUUID().replaceAll('-', '');
    const reply = await shop.billing.http.request('POST', '/orders', {
      token,
      body: checkout([{ sku }]),
      headers: { 'idempotency-key': crypto.randomUUID(), traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.equal(Order.parse(reply.body).traceId, traceId);
    const read = await orderOf(token, Order.parse(reply.body).id);
    assert.equal(read.traceId, traceId, 'GET /orders/:id shows it too');
  });

  /** Places an order that must fail, and checks what every failure must leave behind. */
  async function failedCheckout(cardNumber: string, reason: string) {
    const { token } = await shop.customer();
    const sku = await shop.product({ stock: 3 });
    const reply = await shop.placeOrder(token, checkout([{ sku, qty: 2 }], cardNumber));
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const order = Order.parse(reply.body);
    assert.equal(order.status, 'failed');
    assert.equal(order.state, 'failed');
    assert.equal(order.reason, reason);
    assert.equal(order.invoiceId, undefined);
    const states = order.history.map((entry) => entry.state);
    assert.deepEqual(states.slice(-2), ['compensating', 'failed']);
    // The compensation gave the stock back.
    assert.equal(await shop.available(sku), 3);
    const { rows } = await shop
      .db('inventory')
      .query('SELECT status FROM reservations WHERE order_id = $1', [order.id]);
    assert.notEqual(rows[0]?.status, 'held');
    return { order, token, sku };
  }

  test('a declined card fails the order with payment_declined and releases the stock', async () => {
    const { order } = await failedCheckout('4000000000000002', 'payment_declined');
    assert.ok(order.history.some((entry) => entry.state === 'shipping_quoted'));
    const { rows } = await shop
      .db('payment')
      .query('SELECT id FROM payments WHERE order_id = $1', [order.id]);
    assert.equal(rows.length, 0, 'no authorization exists');
  });

  test('insufficient funds fails the order with insufficient_funds', async () => {
    await failedCheckout('4000000000009995', 'insufficient_funds');
  });

  test('a payment processing error fails the order with payment_error', async () => {
    await failedCheckout('4000000000000119', 'payment_error');
  });

  test('an expired card fails the order with expired_card', async () => {
    const { token } = await shop.customer();
    const sku = await shop.product({ stock: 1 });
    const body = checkout([{ sku }]);
    body.payment.card.expYear = 2001;
    const order = Order.parse((await shop.placeOrder(token, body)).body);
    assert.equal(order.reason, 'expired_card');
    assert.equal(await shop.available(sku), 1);
  });

  test('more than is in stock fails the order with out_of_stock, holding nothing', async () => {
    const { token } = await shop.customer();
    const plenty = await shop.product({ stock: 10 });
    const scarce = await shop.product({ stock: 1 });
    const reply = await shop.placeOrder(
      token,
      checkout([
        { sku: plenty, qty: 2 },
        { sku: scarce, qty: 2 },
      ]),
    );
    const order = Order.parse(reply.body);
    assert.equal(order.status, 'failed');
    assert.equal(order.reason, 'out_of_stock');
    assert.equal(order.paymentId, undefined);
    assert.ok(!order.history.some((entry) => entry.state === 'stock_reserved'));
    assert.equal(await shop.available(plenty), 10);
    assert.equal(await shop.available(scarce), 1);
  });

  test('a destination shipping does not serve fails the order with shipping_unavailable', async () => {
    const { token } = await shop.customer();
    const sku = await shop.product({ stock: 2 });
    const body = { ...checkout([{ sku }]), address: { ...checkout([]).address, country: 'AQ' } };
    const order = Order.parse((await shop.placeOrder(token, body)).body);
    assert.equal(order.reason, 'shipping_unavailable');
    assert.equal(await shop.available(sku), 2, 'the reservation was released');
  });

  test('the slow test card is confirmed within the saga’s time budget', async () => {
    const { token } = await shop.customer();
    const sku = await shop.product({ stock: 1 });
    const started = Date.now();
    const reply = await shop.placeOrder(token, checkout([{ sku }], '4000000000003220'));
    const elapsed = Date.now() - started;
    const order = Order.parse(reply.body);
    assert.equal(order.status, 'confirmed');
    assert.equal(order.state, 'invoiced');
    assert.ok(elapsed >= 3000, `the card took its 3 s (${elapsed} ms)`);
    assert.ok(elapsed < 10_000, `within the 10 s budget (${elapsed} ms)`);
  });

  test('a replayed POST /orders with the same key returns the same order and charges once', async () => {
    const { token } = await shop.customer();
    const sku = await shop.product({ stock: 5 });
    const key = crypto.randomUUID();
    const body = checkout([{ sku }]);
    // Two at once (a double click), then one more later (a retry after a lost answer).
    const [first, second] = await Promise.all([
      shop.placeOrder(token, body, key),
      shop.placeOrder(token, body, key),
    ]);
    const third = await shop.placeOrder(token, body, key);
    const ids = [first, second, third].map((reply) => Order.parse(reply.body).id);
    assert.equal(new Set(ids).size, 1, `one order for one key: ${ids.join(', ')}`);
    assert.equal(third.headers.get('idempotent-replayed'), 'true');
    assert.equal(Order.parse(third.body).state, 'invoiced');
    assert.equal(await shop.available(sku), 4, 'one unit sold');
    const { rows } = await shop
      .db('payment')
      .query('SELECT status FROM payments WHERE order_id = $1', [ids[0]]);
    assert.deepEqual(rows, [{ status: 'captured' }], 'one payment, captured once');
  });

  test('the same key with another body is refused with 422 and changes nothing', async () => {
    const { token } = await shop.customer();
    const sku = await shop.product({ stock: 5 });
    const key = crypto.randomUUID();
    assert.equal((await shop.placeOrder(token, checkout([{ sku }]), key)).status, 201);
    const reply = await shop.placeOrder(token, checkout([{ sku, qty: 2 }]), key);
    assert.equal(reply.status, 422);
    assert.equal(ErrorBody.parse(reply.body).error.code, 'idempotency_key_reused');
    assert.equal(await shop.available(sku), 4);
  });

  test('a key is the customer’s own: another customer’s order under the same key is a new order', async () => {
    const ann = await shop.customer();
    const bob = await shop.customer();
    const sku = await shop.product({ stock: 5 });
    const key = crypto.randomUUID();
    const a = Order.parse((await shop.placeOrder(ann.token, checkout([{ sku }]), key)).body);
    const b = Order.parse((await shop.placeOrder(bob.token, checkout([{ sku }]), key)).body);
    assert.notEqual(a.id, b.id);
    assert.equal(b.userId, bob.userId);
  });
});

describe('orders API', () => {
  test('without a session, every route is 401 and nothing is created', async () => {
    const sku = await shop.product({ stock: 1 });
    const http = shop.billing.http;
    const noToken = await http.request('POST', '/orders', {
      body: checkout([{ sku }]),
      headers: { 'idempotency-key': crypto.randomUUID() },
    });
    assert.equal(noToken.status, 401);
    assert.equal(noToken.headers.get('www-authenticate'), 'Bearer realm="trio"');
    assert.equal((await http.request('GET', '/orders', { token: 'not-a-session' })).status, 401);
    assert.equal(await shop.available(sku), 1);
  });

  test('a logged-out session is refused', async () => {
    const { token } = await shop.customer();
    const out = await fetch(`${shop.profilesUrl}/sessions/current`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}`, ...(await callerHeaders('front-end', 'profiles')) },
    });
    assert.equal(out.status, 204);
    assert.equal((await shop.billing.http.request('GET', '/orders', { token })).status, 401);
  });

  test('bad input gets a 400 naming each field, and nothing is created', async () => {
    const { token } = await shop.customer();
    const sku = await shop.product({ stock: 1 });
    const noKey = await shop.billing.http.request('POST', '/orders', { token, body: checkout([{ sku }]) });
    assert.equal(noKey.status, 400);
    assert.deepEqual(
      ErrorBody.parse(noKey.body).error.details?.map((detail) => detail.path),
      ['Idempotency-Key'],
    );
    const body = { ...checkout([{ sku, qty: 0 }], '4242424242424241'), shipping: 'teleport' };
    const invalid = await shop.placeOrder(token, body);
    assert.equal(invalid.status, 400);
    const paths = ErrorBody.parse(invalid.body).error.details?.map((detail) => detail.path);
    assert.deepEqual(paths?.sort(), ['lines[0].qty', 'payment.card.number', 'shipping']);
    assert.equal(await shop.available(sku), 1);
    const list = await shop.billing.http.request('GET', '/orders', { token });
    assert.equal((list.body as { total: number }).total, 0);
  });

  test('another customer’s card token is refused with 422 before anything is reserved or charged', async () => {
    const ann = await shop.customer();
    const bob = await shop.customer();
    const sku = await shop.product({ stock: 3 });
    const stored = await fetch(`${shop.paymentUrl}/cards`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': crypto.randomUUID(),
        ...(await callerHeaders('billing', 'payment')),
      },
      body: JSON.stringify({ ...successCard, owner: ann.userId }),
    });
    const annsToken = StoredCard.parse(await stored.json()).token;
    const body = { ...checkout([{ sku }]), payment: { type: 'token', token: annsToken } };
    const charges = () =>
      shop
        .db('payment')
        .query('SELECT count(*)::int AS n FROM payments WHERE card_token = $1', [annsToken])
        .then(({ rows }) => rows[0].n as number);

    const reply = await shop.placeOrder(bob.token, body);
    assert.equal(reply.status, 422, JSON.stringify(reply.body));
    assert.deepEqual(
      ErrorBody.parse(reply.body).error.details?.map((detail) => detail.path),
      ['payment.token'],
    );
    assert.equal(await shop.available(sku), 3, 'nothing reserved');
    assert.equal(await charges(), 0, 'nothing charged');
    const bobs = await shop.billing.http.request('GET', '/orders', { token: bob.token });
    assert.equal((bobs.body as { total: number }).total, 0, 'no order left behind');

    const own = Order.parse((await shop.placeOrder(ann.token, body)).body);
    await waitFor(
      'Ann’s order to be paid',
      async () => (await orderOf(ann.token, own.id)).state === 'invoiced',
    );
    assert.equal(await charges(), 1, 'its owner pays with it');
  });

  test('a NUL in the address is a 400 naming the field, and no card is stored', async () => {
    const { token } = await shop.customer();
    const sku = await shop.product({ stock: 1 });
    const cards = () =>
      shop
        .db('payment')
        .query('SELECT count(*)::int AS n FROM cards')
        .then(({ rows }) => rows[0].n as number);
    const before = await cards();
    const body = checkout([{ sku }]);
    const reply = await shop.placeOrder(token, {
      ...body,
      address: { ...body.address, city: 'Ber\u0000lin' },
    });
    assert.equal(reply.status, 400);
    assert.deepEqual(
      ErrorBody.parse(reply.body).error.details?.map((detail) => detail.path),
      ['address.city'],
    );
    assert.equal(await cards(), before);
    assert.equal(await shop.available(sku), 1);
  });

  test('an unknown sku is a 422 naming the line; a price sent by the client is ignored', async () => {
    const { token } = await shop.customer();
    const sku = await shop.product({ stock: 1, price: 1250 });
    const unknown = await shop.placeOrder(token, checkout([{ sku }, { sku: 'NOPE-0000' }]));
    assert.equal(unknown.status, 422);
    assert.deepEqual(
      ErrorBody.parse(unknown.body).error.details?.map((detail) => detail.path),
      ['lines[1].sku'],
    );
    const priced = await shop.placeOrder(token, {
      ...checkout([]),
      lines: [{ sku, qty: 1, unitPrice: { amount: 1, currency: 'EUR' } }],
    });
    assert.equal(priced.status, 201);
    const order = Order.parse(priced.body);
    assert.equal(order.lines[0]?.unitPrice.amount, 1250, 'catalog’s price');
    assert.equal(order.totals.subtotal.amount, 1250);
  });

  test('customers see only their own orders and invoices', async () => {
    const ann = await shop.customer();
    const bob = await shop.customer();
    const sku = await shop.product({ stock: 5 });
    const first = Order.parse((await shop.placeOrder(ann.token, checkout([{ sku }]))).body);
    const second = Order.parse((await shop.placeOrder(ann.token, checkout([{ sku, qty: 2 }]))).body);
    const http = shop.billing.http;

    const annList = await http.request('GET', '/orders?pageSize=1', { token: ann.token });
    assert.equal(annList.status, 200);
    const page = annList.body as { items: Order[]; total: number; page: number; pageSize: number };
    assert.equal(page.total, 2);
    assert.deepEqual(
      page.items.map((order) => order.id),
      [second.id],
      'newest first',
    );
    const bobList = await http.request('GET', '/orders', { token: bob.token });
    assert.equal((bobList.body as { total: number }).total, 0);

    const foreign = await http.request('GET', `/orders/${first.id}`, { token: bob.token });
    assert.equal(foreign.status, 404);
    const foreignInvoice = await http.request('GET', `/invoices/${first.invoiceId}`, { token: bob.token });
    assert.equal(foreignInvoice.status, 404);
    const missing = await http.request('GET', `/orders/${crypto.randomUUID()}`, { token: ann.token });
    assert.deepEqual(
      { status: missing.status, code: ErrorBody.parse(missing.body).error.code },
      { status: foreign.status, code: ErrorBody.parse(foreign.body).error.code },
      'another customer’s order looks exactly like no order',
    );
  });

  test('an invoice is a printable HTML page too, with every value escaped', async () => {
    const { token } = await shop.customer();
    const sku = await shop.product({ stock: 1, name: '<script>alert(1)</script> & Mug', price: 1999 });
    const order = Order.parse((await shop.placeOrder(token, checkout([{ sku }]))).body);
    const response = await fetch(`${shop.billing.url}/invoices/${order.invoiceId}`, {
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'text/html',
        ...(await callerHeaders('front-end', 'billing')),
      },
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const page = await response.text();
    assert.ok(!page.includes('<script>'), 'no markup from data');
    assert.ok(page.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Mug'));
    assert.match(page, /Invoice \d{4}-\d{6}/);
    assert.ok(page.includes('€19.99'), 'amounts in the currency’s format');
    assert.ok(page.includes('Ada Lovelace'));
  });

  test('billing keeps what others announce: the customer, and payment’s audit trail of the order', async () => {
    const { token, userId, email } = await shop.customer();
    const sku = await shop.product({ stock: 1 });
    const order = Order.parse((await shop.placeOrder(token, checkout([{ sku }]))).body);
    const db = shop.db('billing');
    const customer = await waitFor('user.registered to arrive', async () => {
      const { rows } = await db.query('SELECT email, name FROM customers WHERE user_id = $1', [userId]);
      return rows[0];
    });
    assert.deepEqual(customer, { email, name: 'Ada Shopper' });
    const trail = await waitFor('payment’s events to arrive', async () => {
      const { rows } = await db.query(
        'SELECT type, amount, detail FROM payment_events WHERE order_id = $1 ORDER BY occurred_at',
        [order.id],
      );
      return rows.length === 2 ? rows : undefined;
    });
    assert.deepEqual(
      trail.map((row) => [row.type, Number(row.amount)]),
      [
        ['payment.authorized', order.totals.total.amount],
        ['payment.captured', order.totals.total.amount],
      ],
    );
    assert.equal(trail[0].detail, 'visa ending 4242');
  });
});
