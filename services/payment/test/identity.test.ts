// Only billing may call payment: reading a payment (and its card token), authorizing, capturing,
// voiding and refunding. Anyone else is refused before anything happens: no token or a bad one is
// a 401, a good token from another service a 403, and the payment is as it was.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorBody } from '@trio/contracts/common';
import { Payment } from '@trio/contracts/payment';
import type { Postgres } from '@trio/service-runtime/postgres';
import { callerToken } from '@trio/testing/identity';
import { useTestInfra } from '@trio/testing/infra';
import {
  authorizeBody,
  type Reply,
  type RequestOptions,
  startPayment,
  type TestPayment,
} from './support/payment.ts';

let payment: TestPayment;
let db: Postgres;
useTestInfra(startPayment, (made) => {
  ({
    running: payment,
    running: { db },
  } = made);
});

const now = () => Math.floor(Date.now() / 1000);

/** The ways a call can fail to prove that billing sent it, with the status each gets. */
const strangers: { situation: string; status: number; as: () => Promise<RequestOptions> }[] = [
  { situation: 'without a caller token', status: 401, as: async () => ({ as: null }) },
  { situation: 'from the front-end', status: 403, as: async () => ({ as: 'front-end' }) },
  {
    situation: 'with billing’s expired token',
    status: 401,
    as: async () => ({
      headers: { 'trio-caller': await callerToken('billing', 'payment', { issuedAt: now() - 120 }) },
    }),
  },
  {
    situation: 'with billing’s token for profiles',
    status: 401,
    as: async () => ({ headers: { 'trio-caller': await callerToken('billing', 'profiles') } }),
  },
  {
    situation: 'with a token that is not a JWT',
    status: 401,
    as: async () => ({ headers: { 'trio-caller': 'billing' } }),
  },
];

function assertRefused(reply: Reply, status: number) {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  const { error } = ErrorBody.parse(reply.body);
  assert.equal(error.code, status === 401 ? 'unauthorized' : 'forbidden');
}

async function authorized(): Promise<Payment> {
  const reply = await payment.post('/payments', authorizeBody());
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  return Payment.parse(reply.body);
}

async function current(id: string): Promise<Payment> {
  return Payment.parse((await payment.get(`/payments/${id}`)).body);
}

describe('only billing may call payment', () => {
  for (const stranger of strangers) {
    test(`${stranger.situation}: ${stranger.status}, and nothing is read, charged or released`, async () => {
      const as = await stranger.as();
      const held = await authorized();

      assertRefused(await payment.request('GET', `/payments/${held.id}`, as), stranger.status);
      const order = authorizeBody();
      assertRefused(await payment.request('POST', '/payments', { ...as, body: order }), stranger.status);
      for (const action of ['capture', 'void', 'refund']) {
        const reply = await payment.request('POST', `/payments/${held.id}/${action}`, { ...as, body: {} });
        assertRefused(reply, stranger.status);
      }

      const after = await current(held.id);
      assert.equal(after.status, 'authorized');
      assert.equal(after.capturedAmount.amount, 0);
      const { rows } = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM payments WHERE order_id = $1',
        [order.orderId],
      );
      assert.equal(rows[0]?.n, 0, 'no payment for the refused authorization');
    });
  }

  test('billing reads and captures', async () => {
    const held = await authorized();
    const read = await payment.get(`/payments/${held.id}`);
    assert.equal(read.status, 200);
    const captured = await payment.post(`/payments/${held.id}/capture`, {});
    assert.equal(captured.status, 200, JSON.stringify(captured.body));
    assert.equal((await current(held.id)).status, 'captured');
  });
});
