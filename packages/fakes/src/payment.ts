// The payment fake: cards and payments in memory, with the real processor's state machine
// (authorized → captured → partially_refunded/refunded, or voided) and idempotency (the same key
// and body replays the first answer; the same key with another body is a 422).
// Scenarios: `approve` (the real test cards keep their behaviour: 4000000000000002 is declined,
// 4000000000009995 has insufficient funds, 4000000000000119 is a processing error; any other
// valid number or stored token is approved), `decline` (every authorization is a 402
// card_declined), plus `slow` and `down`.
import type { Payment, PaymentFailureCode, paymentRoutes, StoredCard } from '@trio/contracts/payment';
import { errorAnswer, type FakeAnswer, type FakeCall, type RestHandlers } from './rest.ts';
import type { FakeScenarios } from './scenarios.ts';

export const paymentScenarios: FakeScenarios = {
  fake: 'payment',
  scenarios: {
    approve:
      'authorizes every valid card or token; the real test cards keep their behaviour (4000000000000002 declined…)',
    decline: 'every authorization is refused: 402 card_declined',
  },
};

const testCards: Readonly<Record<string, PaymentFailureCode>> = {
  '4000000000000002': 'card_declined',
  '4000000000009995': 'insufficient_funds',
  '4000000000000119': 'processing_error',
};

interface Money {
  amount: number;
  currency: string;
}
interface CardInput {
  number: string;
  expMonth: number;
  expYear: number;
}

function brandOf(number: string): StoredCard['brand'] {
  if (number.startsWith('4')) return 'visa';
  if (/^5[1-5]/.test(number)) return 'mastercard';
  if (/^3[47]/.test(number)) return 'amex';
  if (number.startsWith('6')) return 'discover';
  return 'unknown';
}

export function paymentHandlers(): RestHandlers<typeof paymentRoutes> {
  const cards = new Map<string, { card: StoredCard; owner: string; number: string }>();
  const payments = new Map<string, Payment>();
  const replies = new Map<string, { body: string; answer: FakeAnswer }>();

  /** Runs `work` once per Idempotency-Key and body, as the real service does. */
  const idempotent =
    (route: string, work: (call: FakeCall) => FakeAnswer) =>
    (call: FakeCall): FakeAnswer => {
      const key = `${route} ${call.header('idempotency-key')} ${String(call.params.paymentId ?? '')}`;
      const body = JSON.stringify(call.body ?? null);
      const earlier = replies.get(key);
      if (earlier !== undefined) {
        return earlier.body === body
          ? earlier.answer
          : errorAnswer(422, 'idempotency_key_reused', 'The key was used with another body');
      }
      const answer = work(call);
      if (answer.status < 500) replies.set(key, { body, answer });
      return answer;
    };

  const store = (input: CardInput, owner: string): StoredCard => {
    const card: StoredCard = {
      token: `tok_${crypto.randomUUID().replace(/-/g, '').slice(0, 24)}`,
      brand: brandOf(input.number),
      last4: input.number.slice(-4),
      expMonth: input.expMonth,
      expYear: input.expYear,
    };
    cards.set(card.token, { card, owner, number: input.number });
    return card;
  };

  const change = (
    call: FakeCall,
    step: (payment: Payment, amount: number | undefined) => Payment | FakeAnswer,
  ) => {
    const payment = payments.get(String(call.params.paymentId));
    if (payment === undefined) return errorAnswer(404, 'not_found', 'No such payment');
    const result = step(payment, (call.body as { amount?: Money } | undefined)?.amount?.amount);
    if ('status' in result && typeof result.status === 'number') return result as FakeAnswer;
    const updated = { ...(result as Payment), updatedAt: new Date().toISOString() };
    payments.set(updated.id, updated);
    return { status: 200, body: updated };
  };
  const conflict = (payment: Payment, doing: string) =>
    errorAnswer(409, 'conflict', `Cannot ${doing} a payment that is ${payment.status}`);

  return {
    createCard: idempotent('createCard', ({ body }) => {
      const { owner, ...input } = body as CardInput & { owner: string };
      return { status: 201, body: store(input, owner) };
    }),
    getCard: ({ params, query }) => {
      const stored = cards.get(String(params.token));
      return stored === undefined || stored.owner !== query.owner
        ? errorAnswer(404, 'not_found', 'No such card')
        : { status: 200, body: stored.card };
    },
    authorize: idempotent('authorize', ({ body, scenario }) => {
      const request = body as {
        orderId: string;
        amount: Money;
        owner: string;
        source: { type: 'card'; card: CardInput } | { type: 'token'; token: string };
      };
      const source = request.source;
      const stored = source.type === 'token' ? cards.get(source.token) : undefined;
      if (source.type === 'token' && (stored === undefined || stored.owner !== request.owner)) {
        return {
          status: 400,
          body: {
            error: {
              code: 'validation_failed',
              message: 'Request validation failed',
              details: [{ path: 'source.token', message: 'is not a card stored for this owner' }],
            },
          },
        };
      }
      const card = stored?.card ?? store((source as { card: CardInput }).card, request.owner);
      const number = stored?.number ?? (source as { card: CardInput }).card.number;
      const refusal = scenario === 'decline' ? 'card_declined' : testCards[number];
      if (refusal !== undefined)
        return errorAnswer(402, refusal, `The card was refused: ${refusal.replace(/_/g, ' ')}`);
      const now = new Date().toISOString();
      const zero = { amount: 0, currency: request.amount.currency };
      const payment: Payment = {
        id: crypto.randomUUID(),
        orderId: request.orderId,
        status: 'authorized',
        amount: request.amount,
        capturedAmount: zero,
        refundedAmount: zero,
        card,
        createdAt: now,
        updatedAt: now,
      };
      payments.set(payment.id, payment);
      return { status: 201, body: payment };
    }),
    getPayment: ({ params }) => {
      const payment = payments.get(String(params.paymentId));
      return payment === undefined
        ? errorAnswer(404, 'not_found', 'No such payment')
        : { status: 200, body: payment };
    },
    capture: idempotent('capture', (call) =>
      change(call, (payment, amount) =>
        payment.status !== 'authorized'
          ? conflict(payment, 'capture')
          : {
              ...payment,
              status: 'captured',
              capturedAmount: { ...payment.amount, amount: amount ?? payment.amount.amount },
            },
      ),
    ),
    void: idempotent('void', (call) =>
      change(call, (payment) =>
        payment.status !== 'authorized' ? conflict(payment, 'void') : { ...payment, status: 'voided' },
      ),
    ),
    refund: idempotent('refund', (call) =>
      change(call, (payment, amount) => {
        if (payment.status !== 'captured' && payment.status !== 'partially_refunded')
          return conflict(payment, 'refund');
        const refunded =
          payment.refundedAmount.amount +
          (amount ?? payment.capturedAmount.amount - payment.refundedAmount.amount);
        if (refunded > payment.capturedAmount.amount)
          return errorAnswer(409, 'conflict', 'More than was captured');
        const status = refunded === payment.capturedAmount.amount ? 'refunded' : 'partially_refunded';
        return { ...payment, status, refundedAmount: { ...payment.refundedAmount, amount: refunded } };
      }),
    ),
  };
}
