// Authorizing a card: the outcome of each documented test card, what is kept of a card (never its
// number or CVC, in the database or in the logs), and the events that announce each outcome.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ErrorBody } from '@trio/contracts/common';
import { Payment } from '@trio/contracts/payment';
import type { Postgres } from '@trio/service-runtime/postgres';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import { storedRows } from '@trio/testing/stored-rows';
import {
  authorizeBody,
  cards,
  type EventListener,
  listenForEvents,
  startPayment,
  type TestPayment,
} from './support/payment.ts';

let infra: TestInfra;
let payment: TestPayment;
let db: Postgres;
let events: EventListener;
const slowCardDelayMs = 400;

before(async () => {
  infra = await createTestInfra();
  payment = await startPayment(infra, { SLOW_CARD_DELAY_MS: String(slowCardDelayMs) });
  db = payment.db;
  events = await listenForEvents(infra);
});

after(async () => {
  await events?.close();
  await payment?.stop();
  await infra?.drop();
});

const authorize = (body: unknown, key?: string | null) => payment.post('/payments', body, key);

async function paymentCount(orderId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM payments WHERE order_id = $1',
    [orderId],
  );
  return rows[0]!.n;
}

describe('test cards', () => {
  test('4242424242424242 is authorized: 201 with the payment, stored, readable, announced', async () => {
    const body = authorizeBody(cards.succeeds);
    const reply = await authorize(body);
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const authorized = Payment.parse(reply.body);
    assert.equal(authorized.status, 'authorized');
    assert.equal(authorized.orderId, body.orderId);
    assert.deepEqual(authorized.amount, { amount: 4999, currency: 'EUR' });
    assert.deepEqual(authorized.capturedAmount, { amount: 0, currency: 'EUR' });
    assert.deepEqual(
      { ...authorized.card, token: undefined },
      { token: undefined, brand: 'visa', last4: '4242', expMonth: 12, expYear: 2099 },
    );
    assert.match(authorized.card.token, /^tok_/);
    assert.deepEqual((await payment.get(`/payments/${authorized.id}`)).body, reply.body);

    const [event] = await events.waitFor('payment.authorized', body.orderId);
    assert.deepEqual(event!.payload, {
      paymentId: authorized.id,
      orderId: body.orderId,
      amount: { amount: 4999, currency: 'EUR' },
      card: { brand: 'visa', last4: '4242' },
    });
  });

  const refused = [
    ['4000000000000002', cards.declined, 'card_declined'],
    ['4000000000009995', cards.insufficientFunds, 'insufficient_funds'],
    ['4000000000000119', cards.processingError, 'processing_error'],
  ] as const;
  for (const [name, number, code] of refused) {
    test(`${name} answers 402 ${code}, stores no payment and publishes payment.failed`, async () => {
      const body = authorizeBody(number);
      const reply = await authorize(body);
      assert.equal(reply.status, 402, JSON.stringify(reply.body));
      assert.equal(ErrorBody.parse(reply.body).error.code, code);
      assert.equal(await paymentCount(body.orderId), 0);
      const [event] = await events.waitFor('payment.failed', body.orderId);
      assert.deepEqual(
        { ...(event!.payload as object), message: undefined },
        { orderId: body.orderId, amount: body.amount, code, message: undefined },
      );
    });
  }

  test('4000000000003220 is authorized after the configured delay', async () => {
    const started = performance.now();
    const reply = await authorize(authorizeBody(cards.slow));
    assert.equal(reply.status, 201);
    assert.ok(performance.now() - started >= slowCardDelayMs, 'answered before the delay');
    assert.equal(Payment.parse(reply.body).card.last4, '3220');
  });

  test('any other Luhn-valid number is authorized, with its brand', async () => {
    const reply = await authorize(authorizeBody(cards.otherMastercard));
    assert.equal(reply.status, 201);
    assert.deepEqual(
      [Payment.parse(reply.body).card.brand, Payment.parse(reply.body).card.last4],
      ['mastercard', '4444'],
    );
  });

  test('a number failing the Luhn check answers 400 on card.number and stores nothing', async () => {
    const body = authorizeBody('4242424242424241');
    const reply = await authorize(body);
    assert.equal(reply.status, 400);
    const paths = ErrorBody.parse(reply.body).error.details?.map((detail) => detail.path);
    assert.deepEqual(paths, ['source.card.number']);
    assert.equal(await paymentCount(body.orderId), 0);
  });

  test('an expired card answers 402 expired_card', async () => {
    const body = authorizeBody(cards.succeeds);
    body.source.card.expYear = 2020;
    const reply = await authorize(body);
    assert.equal(reply.status, 402);
    assert.equal(ErrorBody.parse(reply.body).error.code, 'expired_card');
  });
});

describe('cards on file', () => {
  test('the token of an earlier payment authorizes again without the card number', async () => {
    const first = Payment.parse((await authorize(authorizeBody(cards.succeeds))).body);
    const reply = await authorize(
      authorizeBody(cards.succeeds, { source: { type: 'token', token: first.card.token } }),
    );
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.deepEqual(Payment.parse(reply.body).card, first.card);
  });

  test('an unknown token answers 400 on source.token', async () => {
    const reply = await authorize(
      authorizeBody(cards.succeeds, { source: { type: 'token', token: 'tok_unknown000' } }),
    );
    assert.equal(reply.status, 400);
    assert.deepEqual(
      ErrorBody.parse(reply.body).error.details?.map((detail) => detail.path),
      ['source.token'],
    );
  });
});

test('without an Idempotency-Key, or with a malformed one, a mutation answers 400 and does nothing', async () => {
  for (const key of [null, 'short']) {
    const body = authorizeBody(cards.succeeds);
    const reply = await authorize(body, key);
    assert.equal(reply.status, 400);
    assert.deepEqual(
      ErrorBody.parse(reply.body).error.details?.map((detail) => detail.path),
      ['Idempotency-Key'],
    );
    assert.equal(await paymentCount(body.orderId), 0);
  }
});

test('no card number or CVC is in any table or any log line after authorizations', async () => {
  const numbers = Object.values(cards);
  const cvc = '9731';
  for (const number of numbers) {
    const body = authorizeBody(number);
    body.source.card.cvc = cvc;
    await authorize(body);
  }
  // Luhn-invalid and expired cards are refused at different points; they must not leak either.
  await authorize(
    authorizeBody('4242424242424241', {
      source: { type: 'card', card: { number: '4242424242424241', expMonth: 1, expYear: 2099, cvc } },
    }),
  );

  const rows = await storedRows(db, ['payment']);
  assert.ok(rows.some((row) => row.table === 'payment.event_outbox'));
  const stored = rows.map((row) => row.text).join('\n');
  assert.ok(stored.includes('4242'), 'the scan reads the stored rows');
  const logs = payment.logText();
  assert.ok(logs.includes('request completed'), 'the scan reads the log lines');
  for (const number of [...numbers, '4242424242424241']) {
    assert.ok(!stored.includes(number), `${number} is stored`);
    assert.ok(!logs.includes(number), `${number} is logged`);
  }
  // Four digits occur by chance inside ids and timestamps: look for the CVC standing on its own.
  const standaloneCvc = new RegExp(`(?<![\\w.:-])${cvc}(?![\\w.:-])`);
  for (const [where, text] of [
    ['stored', stored],
    ['logged', logs],
  ] as const) {
    assert.doesNotMatch(text, /cvc/i, `a cvc is ${where}`);
    assert.doesNotMatch(text, standaloneCvc, `the CVC is ${where}`);
  }
});
