// Storing a card without charging it (POST /cards): what is kept (a token, never the number or
// CVC), its idempotency, and that authorizing with the token answers exactly as the card would.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ErrorBody } from '@trio/contracts/common';
import { Payment, StoredCard } from '@trio/contracts/payment';
import type { Postgres } from '@trio/service-runtime/postgres';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import { storedRows } from '@trio/testing/stored-rows';
import {
  authorizeBody,
  cardBody,
  cards,
  type EventListener,
  listenForEvents,
  type Reply,
  startPayment,
  type TestPayment,
} from './support/payment.ts';

let infra: TestInfra;
let payment: TestPayment;
let db: Postgres;
let events: EventListener;
const slowCardDelayMs = 200;

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

const createCard = (body: unknown, key?: string | null) => payment.post('/cards', body, key);

async function storedCard(number: string, overrides: Record<string, unknown> = {}): Promise<StoredCard> {
  const reply = await createCard(cardBody(number, overrides));
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  return StoredCard.parse(reply.body);
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: number }>(sql, params);
  return rows[0]!.n;
}
const cardCount = () => count('SELECT count(*)::int AS n FROM cards');

/** Every stored row of every table of payment's schema, as text. */
async function everythingStored(): Promise<string> {
  const rows = await storedRows(db, ['payment']);
  assert.ok(rows.some((row) => row.table === 'payment.cards'));
  return rows.map((row) => row.text).join('\n');
}

describe('storing a card', () => {
  test('a new card answers 201 with its token, brand, last four and expiry, and charges nothing', async () => {
    const outboxBefore = await count('SELECT count(*)::int AS n FROM event_outbox');
    const reply = await createCard(cardBody(cards.otherMastercard, { expMonth: 7, expYear: 2031 }));
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const card = StoredCard.parse(reply.body);
    assert.deepEqual(reply.body, card, 'the answer holds nothing beyond StoredCard');
    assert.match(card.token, /^tok_/);
    assert.deepEqual(
      { ...card, token: undefined },
      { token: undefined, brand: 'mastercard', last4: '4444', expMonth: 7, expYear: 2031 },
    );
    assert.equal(await count('SELECT count(*)::int AS n FROM cards WHERE token = $1', [card.token]), 1);
    assert.equal(
      await count('SELECT count(*)::int AS n FROM payments WHERE card_token = $1', [card.token]),
      0,
    );
    assert.equal(await count('SELECT count(*)::int AS n FROM event_outbox'), outboxBefore);
  });

  test('no card number or CVC is in any table or any log line after storing cards', async () => {
    const cvc = '9731';
    for (const number of Object.values(cards)) await storedCard(number, { cvc });
    await createCard(cardBody('4242424242424241', { cvc }));

    const stored = await everythingStored();
    assert.ok(stored.includes('tok_'), 'the scan reads the stored rows');
    const logs = payment.logText();
    assert.ok(logs.includes('/cards'), 'the scan reads the log lines');
    for (const number of [...Object.values(cards), '4242424242424241']) {
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

  test('a retry with the same key and body gets the same token, marked as replayed, and stores one card', async () => {
    const key = crypto.randomUUID();
    const body = cardBody(cards.succeeds);
    const before = await cardCount();
    const first = await createCard(body, key);
    const retry = await createCard(body, key);
    assert.equal(first.status, 201);
    assert.deepEqual([retry.status, retry.body], [first.status, first.body]);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.equal(first.headers.get('idempotent-replayed'), null);
    assert.equal(await cardCount(), before + 1);
  });

  test('the same key with another card answers 422 idempotency_key_reused and stores nothing more', async () => {
    const key = crypto.randomUUID();
    await createCard(cardBody(cards.succeeds), key);
    const before = await cardCount();
    const reply = await createCard(cardBody(cards.otherMastercard), key);
    assert.equal(reply.status, 422);
    assert.equal(ErrorBody.parse(reply.body).error.code, 'idempotency_key_reused');
    assert.equal(await cardCount(), before);
  });

  test('without an Idempotency-Key, storing a card answers 400 and stores nothing', async () => {
    const before = await cardCount();
    const reply = await createCard(cardBody(cards.succeeds), null);
    assert.equal(reply.status, 400);
    assert.deepEqual(
      ErrorBody.parse(reply.body).error.details?.map((detail) => detail.path),
      ['Idempotency-Key'],
    );
    assert.equal(await cardCount(), before);
  });

  test('a number failing the Luhn check answers 400 on number and stores nothing', async () => {
    const before = await cardCount();
    const reply = await createCard(cardBody('4242424242424241'));
    assert.equal(reply.status, 400);
    assert.deepEqual(
      ErrorBody.parse(reply.body).error.details?.map((detail) => detail.path),
      ['number'],
    );
    assert.equal(await cardCount(), before);
  });
});

describe('authorizing with the token of a stored card answers as the card itself', () => {
  const authorize = (body: unknown) => payment.post('/payments', body);
  const withToken = (token: string) => authorizeBody(cards.succeeds, { source: { type: 'token', token } });
  const outcome = (reply: Reply) =>
    reply.status === 201 ? 201 : [reply.status, ErrorBody.parse(reply.body).error.code];

  test('4242424242424242: 201, the payment carrying the stored card', async () => {
    const card = await storedCard(cards.succeeds);
    const reply = await authorize(withToken(card.token));
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.deepEqual(Payment.parse(reply.body).card, card);
    assert.equal(outcome(await authorize(authorizeBody(cards.succeeds))), 201);
  });

  const refused = [
    ['4000000000000002', cards.declined, 'card_declined'],
    ['4000000000009995', cards.insufficientFunds, 'insufficient_funds'],
    ['4000000000000119', cards.processingError, 'processing_error'],
  ] as const;
  for (const [name, number, code] of refused) {
    test(`${name}: 402 ${code} with the card and with its token, each publishing payment.failed`, async () => {
      const card = await storedCard(number);
      const byCard = authorizeBody(number);
      const byToken = withToken(card.token);
      const replies = [await authorize(byCard), await authorize(byToken)];
      assert.deepEqual(replies.map(outcome), [
        [402, code],
        [402, code],
      ]);
      for (const body of [byCard, byToken]) {
        const [event] = await events.waitFor('payment.failed', body.orderId);
        assert.deepEqual(
          { ...(event!.payload as object), message: undefined },
          { orderId: body.orderId, amount: body.amount, code, message: undefined },
        );
        assert.equal(
          await count('SELECT count(*)::int AS n FROM payments WHERE order_id = $1', [body.orderId]),
          0,
        );
      }
    });
  }

  test('4000000000003220: authorized after the configured delay, with the card and with its token', async () => {
    const card = await storedCard(cards.slow);
    for (const body of [authorizeBody(cards.slow), withToken(card.token)]) {
      const started = performance.now();
      const reply = await authorize(body);
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
      assert.ok(performance.now() - started >= slowCardDelayMs, 'answered before the delay');
    }
  });

  test('an expired card is stored, and both it and its token answer 402 expired_card', async () => {
    const card = await storedCard(cards.succeeds, { expYear: 2020 });
    const byCard = authorizeBody(cards.succeeds);
    byCard.source.card.expYear = 2020;
    assert.deepEqual([await authorize(byCard), await authorize(withToken(card.token))].map(outcome), [
      [402, 'expired_card'],
      [402, 'expired_card'],
    ]);
  });

  test('the card of a successful authorization keeps its behaviour: a slow card stays slow by token', async () => {
    const first = await authorize(authorizeBody(cards.slow));
    assert.equal(first.status, 201);
    const { token } = Payment.parse(first.body).card;
    const started = performance.now();
    const reply = await authorize(withToken(token));
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.ok(performance.now() - started >= slowCardDelayMs, 'answered before the delay');
  });
});

describe('a stored card belongs to its owner', () => {
  const authorize = (body: unknown) => payment.post('/payments', body);
  const byToken = (token: string, who: string) =>
    authorizeBody(cards.succeeds, { source: { type: 'token', token }, owner: who });
  /** The error as a client sees it, without the request id that differs on every request. */
  const refusal = (reply: Reply) => {
    const { error } = ErrorBody.parse(reply.body);
    return { status: reply.status, code: error.code, message: error.message, details: error.details };
  };
  const chargesAndEvents = async () => ({
    payments: await count('SELECT count(*)::int AS n FROM payments'),
    outbox: await count('SELECT count(*)::int AS n FROM event_outbox'),
  });

  test("another owner's token is refused exactly as an unknown token, and charges nothing", async () => {
    const card = await storedCard(cards.succeeds, { owner: 'user-ada' });
    const before = await chargesAndEvents();
    const stored = await everythingStored();

    const theirs = await authorize(byToken(card.token, 'user-bob'));
    const unknown = await authorize(byToken('tok_unknown000', 'user-bob'));
    assert.equal(theirs.status, 400, JSON.stringify(theirs.body));
    assert.deepEqual(refusal(theirs), refusal(unknown));
    assert.deepEqual(refusal(theirs).details?.[0]?.path, 'source.token');
    assert.deepEqual(await chargesAndEvents(), before, 'no payment, no event');
    assert.ok((await everythingStored()).includes(card.token));
    assert.equal(
      (await everythingStored())
        .split('\n')
        .filter((line) => line.includes(card.token))
        .join('\n'),
      stored
        .split('\n')
        .filter((line) => line.includes(card.token))
        .join('\n'),
      'the card row is unchanged',
    );

    assert.equal((await authorize(byToken(card.token, 'user-ada'))).status, 201, 'its owner still can');
  });

  test("GET /cards/:token shows the card to its owner only; another owner's is a 404 like an unknown one", async () => {
    const card = await storedCard(cards.otherMastercard, { owner: 'user-ada' });
    const mine = await payment.get(`/cards/${card.token}?owner=user-ada`);
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.body, card);

    const theirs = await payment.get(`/cards/${card.token}?owner=user-bob`);
    const unknown = await payment.get('/cards/tok_unknown000?owner=user-bob');
    assert.equal(theirs.status, 404);
    assert.deepEqual(refusal(theirs), refusal(unknown));
    assert.equal((await payment.get(`/cards/${card.token}`)).status, 400, 'the owner is required');
  });

  test('a card stored before owners were recorded can no longer be charged by token, by anyone', async () => {
    const card = await storedCard(cards.succeeds);
    await db.query('UPDATE cards SET owner = NULL WHERE token = $1', [card.token]);
    const before = await chargesAndEvents();
    const reply = await authorize(byToken(card.token, 'user-ada'));
    assert.equal(reply.status, 400);
    assert.equal((await payment.get(`/cards/${card.token}?owner=user-ada`)).status, 404);
    assert.deepEqual(await chargesAndEvents(), before);
  });

  test('a card without an owner is not stored: POST /cards answers 400 naming owner', async () => {
    const before = await cardCount();
    const { owner: _, ...ownerless } = cardBody(cards.succeeds);
    const reply = await createCard(ownerless);
    assert.equal(reply.status, 400);
    assert.deepEqual(
      ErrorBody.parse(reply.body).error.details?.map((detail) => detail.path),
      ['owner'],
    );
    assert.equal(await cardCount(), before);
  });
});
