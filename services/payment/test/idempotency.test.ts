// Every mutation is idempotent by its Idempotency-Key: a retry gets the first answer again and
// repeats nothing, even when the duplicates arrive at once; a key reused for another request is a 422.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorBody } from '@trio/contracts/common';
import { Payment } from '@trio/contracts/payment';
import type { Postgres } from '@trio/service-runtime/postgres';
import { useTestInfra } from '@trio/testing/infra';
import { authorizeBody, cards, startPayment, type TestPayment } from './support/payment.ts';

let payment: TestPayment;
let db: Postgres;
useTestInfra(startPayment, (made) => {
  ({
    running: payment,
    running: { db },
  } = made);
});

async function countRows(sql: string, orderId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(sql, [orderId]);
  return rows[0]!.n;
}
const payments = (orderId: string) =>
  countRows('SELECT count(*)::int AS n FROM payments WHERE order_id = $1', orderId);
const outboxEvents = (orderId: string) =>
  countRows('SELECT count(*)::int AS n FROM event_outbox WHERE aggregate_key = $1', orderId);

test('a retry with the same key and body gets the identical answer, marked as replayed, and charges once', async () => {
  const key = crypto.randomUUID();
  const body = authorizeBody(cards.succeeds);
  const first = await payment.post('/payments', body, key);
  const retry = await payment.post('/payments', body, key);
  assert.equal(first.status, 201);
  assert.equal(retry.status, 201);
  assert.deepEqual(retry.body, first.body);
  assert.equal(retry.headers.get('idempotent-replayed'), 'true');
  assert.equal(first.headers.get('idempotent-replayed'), null);
  assert.equal(await payments(body.orderId), 1);
  assert.equal(await outboxEvents(body.orderId), 1);
});

test('the same body with its keys in another order is the same request', async () => {
  const key = crypto.randomUUID();
  const body = authorizeBody(cards.succeeds);
  const first = await payment.post('/payments', body, key);
  const reordered = {
    owner: body.owner,
    source: body.source,
    amount: { currency: 'EUR', amount: 4999 },
    orderId: body.orderId,
  };
  const retry = await payment.post('/payments', reordered, key);
  assert.deepEqual([retry.status, retry.body], [first.status, first.body]);
});

test('a declined card is answered the same on retry, with one payment.failed event', async () => {
  const key = crypto.randomUUID();
  const body = authorizeBody(cards.declined);
  const first = await payment.post('/payments', body, key);
  const retry = await payment.post('/payments', body, key);
  assert.equal(first.status, 402);
  assert.deepEqual([retry.status, retry.body], [first.status, first.body]);
  assert.equal(await outboxEvents(body.orderId), 1);
});

test('the same key with another body answers 422 idempotency_key_reused and changes nothing', async () => {
  const key = crypto.randomUUID();
  const body = authorizeBody(cards.succeeds);
  await payment.post('/payments', body, key);
  const changed = await payment.post(
    '/payments',
    { ...body, amount: { amount: 5000, currency: 'EUR' } },
    key,
  );
  assert.equal(changed.status, 422);
  assert.equal(ErrorBody.parse(changed.body).error.code, 'idempotency_key_reused');
  const otherCard = await payment.post(
    '/payments',
    authorizeBody(cards.otherMastercard, { orderId: body.orderId }),
    key,
  );
  assert.equal(otherCard.status, 422);
  assert.equal(await payments(body.orderId), 1);
});

test('the same key on another operation answers 422', async () => {
  const key = crypto.randomUUID();
  const authorized = Payment.parse((await payment.post('/payments', authorizeBody(), key)).body);
  const capture = await payment.post(`/payments/${authorized.id}/capture`, {}, key);
  assert.equal(capture.status, 422);
  assert.equal(Payment.parse((await payment.get(`/payments/${authorized.id}`)).body).status, 'authorized');
});

test('10 concurrent requests with one key make one payment, and all get the identical answer', async () => {
  const key = crypto.randomUUID();
  // The slow card keeps the first request busy while the others arrive.
  const body = authorizeBody(cards.slow);
  const replies = await Promise.all(Array.from({ length: 10 }, () => payment.post('/payments', body, key)));
  assert.deepEqual(
    replies.map((reply) => reply.status),
    Array(10).fill(201),
  );
  for (const reply of replies) assert.deepEqual(reply.body, replies[0]!.body);
  assert.equal(replies.filter((reply) => reply.headers.get('idempotent-replayed') === null).length, 1);
  assert.equal(await payments(body.orderId), 1);
  assert.equal(await outboxEvents(body.orderId), 1);
});

test('10 concurrent captures with one key capture once', async () => {
  const authorized = Payment.parse((await payment.post('/payments', authorizeBody())).body);
  const key = crypto.randomUUID();
  const replies = await Promise.all(
    Array.from({ length: 10 }, () =>
      payment.post(`/payments/${authorized.id}/capture`, { amount: { amount: 1000, currency: 'EUR' } }, key),
    ),
  );
  for (const reply of replies) assert.deepEqual([reply.status, reply.body], [200, replies[0]!.body]);
  assert.deepEqual(Payment.parse(replies[0]!.body).capturedAmount, { amount: 1000, currency: 'EUR' });
  assert.equal(await outboxEvents(authorized.orderId), 2);
});

test('a 409 is an answer too: its retry gets the same 409 even after the state changed', async () => {
  const authorized = Payment.parse((await payment.post('/payments', authorizeBody())).body);
  const voidKey = crypto.randomUUID();
  await payment.post(`/payments/${authorized.id}/capture`, {});
  const refused = await payment.post(`/payments/${authorized.id}/void`, undefined, voidKey);
  assert.equal(refused.status, 409);
  const retry = await payment.post(`/payments/${authorized.id}/void`, undefined, voidKey);
  assert.deepEqual([retry.status, retry.body], [refused.status, refused.body]);
});

test('a request refused by validation is not stored: the same key works once the request is fixed', async () => {
  const key = crypto.randomUUID();
  const body = authorizeBody(cards.succeeds);
  const invalid = await payment.post('/payments', { ...body, amount: { amount: -1, currency: 'EUR' } }, key);
  assert.equal(invalid.status, 400);
  const fixed = await payment.post('/payments', body, key);
  assert.equal(fixed.status, 201);
});
