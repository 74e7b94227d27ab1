// The state machine: authorized → captured → partially_refunded → refunded, authorized → voided.
// Every other transition is a 409 that changes nothing; amounts never exceed what the state allows.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ErrorBody } from '@trio/contracts/common';
import { Payment } from '@trio/contracts/payment';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import {
  authorizeBody,
  type EventListener,
  listenForEvents,
  type Reply,
  startPayment,
  type TestPayment,
} from './support/payment.ts';

let infra: TestInfra;
let payment: TestPayment;
let events: EventListener;

before(async () => {
  infra = await createTestInfra();
  payment = await startPayment(infra);
  events = await listenForEvents(infra);
});

after(async () => {
  await events?.close();
  await payment?.stop();
  await infra?.drop();
});

const eur = (amount: number) => ({ amount, currency: 'EUR' });

async function authorized(amount = 5000): Promise<Payment> {
  const reply = await payment.post('/payments', authorizeBody(undefined, { amount: eur(amount) }));
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  return Payment.parse(reply.body);
}

const act = (id: string, action: 'capture' | 'void' | 'refund', body?: unknown) =>
  payment.post(`/payments/${id}/${action}`, body);

function ok(reply: Reply): Payment {
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return Payment.parse(reply.body);
}

async function assertRefused(reply: Reply, status: number, code: string, id: string, before: Payment) {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.equal(ErrorBody.parse(reply.body).error.code, code);
  assert.deepEqual(Payment.parse((await payment.get(`/payments/${id}`)).body), before);
}

describe('capture', () => {
  test('without an amount captures everything authorized and publishes payment.captured', async () => {
    const p = await authorized(5000);
    const captured = ok(await act(p.id, 'capture', {}));
    assert.equal(captured.status, 'captured');
    assert.deepEqual(captured.capturedAmount, eur(5000));
    const [event] = await events.waitFor('payment.captured', p.orderId);
    assert.deepEqual(event!.payload, { paymentId: p.id, orderId: p.orderId, amount: eur(5000) });
  });

  test('without a body at all captures everything too', async () => {
    const p = await authorized(5000);
    assert.deepEqual(ok(await act(p.id, 'capture')).capturedAmount, eur(5000));
  });

  test('a smaller amount captures that amount', async () => {
    const p = await authorized(5000);
    assert.deepEqual(ok(await act(p.id, 'capture', { amount: eur(3000) })).capturedAmount, eur(3000));
  });

  test('more than authorized, or another currency, answers 400 and captures nothing', async () => {
    const p = await authorized(5000);
    await assertRefused(await act(p.id, 'capture', { amount: eur(5001) }), 400, 'validation_failed', p.id, p);
    const usd = { amount: 100, currency: 'USD' };
    await assertRefused(await act(p.id, 'capture', { amount: usd }), 400, 'validation_failed', p.id, p);
  });

  test('a captured payment cannot be captured again or voided: 409', async () => {
    const p = ok(await act((await authorized()).id, 'capture', {}));
    await assertRefused(await act(p.id, 'capture', {}), 409, 'conflict', p.id, p);
    await assertRefused(await act(p.id, 'void'), 409, 'conflict', p.id, p);
  });

  test('an unknown payment answers 404', async () => {
    const reply = await act(crypto.randomUUID(), 'capture', {});
    assert.equal(reply.status, 404);
    assert.equal(ErrorBody.parse(reply.body).error.code, 'not_found');
  });
});

describe('void', () => {
  test('releases an authorization; it can then be neither captured, refunded nor voided again', async () => {
    const p = await authorized();
    const voided = ok(await act(p.id, 'void'));
    assert.equal(voided.status, 'voided');
    assert.deepEqual(voided.capturedAmount, eur(0));
    for (const action of ['capture', 'refund', 'void'] as const) {
      await assertRefused(
        await act(p.id, action, action === 'void' ? undefined : {}),
        409,
        'conflict',
        p.id,
        voided,
      );
    }
  });
});

describe('refund', () => {
  test('partial refunds add up to refunded, each announced with the running total', async () => {
    const p = ok(await act((await authorized(5000)).id, 'capture', { amount: eur(4000) }));
    const first = ok(await act(p.id, 'refund', { amount: eur(1500), reason: 'one mug arrived broken' }));
    assert.equal(first.status, 'partially_refunded');
    assert.deepEqual(first.refundedAmount, eur(1500));
    const rest = ok(await act(p.id, 'refund', {}));
    assert.equal(rest.status, 'refunded');
    assert.deepEqual(rest.refundedAmount, eur(4000));

    const refunds = await events.waitFor('payment.refunded', p.orderId, 2);
    assert.deepEqual(
      refunds.map((event) => event.payload),
      [
        { paymentId: p.id, orderId: p.orderId, amount: eur(1500), refundedTotal: eur(1500) },
        { paymentId: p.id, orderId: p.orderId, amount: eur(2500), refundedTotal: eur(4000) },
      ],
    );
  });

  test('more than captured and not yet refunded answers 400 and refunds nothing', async () => {
    const p = ok(await act((await authorized(5000)).id, 'capture', { amount: eur(3000) }));
    const partly = ok(await act(p.id, 'refund', { amount: eur(1000) }));
    await assertRefused(
      await act(p.id, 'refund', { amount: eur(2001) }),
      400,
      'validation_failed',
      p.id,
      partly,
    );
  });

  test('an authorized payment cannot be refunded, nor a refunded one again: 409', async () => {
    const p = await authorized();
    await assertRefused(await act(p.id, 'refund', {}), 409, 'conflict', p.id, p);
    ok(await act(p.id, 'capture', {}));
    const refunded = ok(await act(p.id, 'refund', {}));
    await assertRefused(await act(p.id, 'refund', { amount: eur(1) }), 409, 'conflict', p.id, refunded);
    await assertRefused(await act(p.id, 'capture', {}), 409, 'conflict', p.id, refunded);
  });
});
