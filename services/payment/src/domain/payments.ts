// payment's use cases. Each runs inside the caller's transaction `tx` (the one that also stores
// the idempotent answer), locks the payment it changes, and writes its event into the outbox of
// that transaction: the change, the event and the stored answer commit together or not at all.
import type { DomainEvent } from '@trio/contracts/events';
import type {
  AuthorizeRequest,
  CaptureRequest,
  Payment,
  PaymentFailureCode,
  RefundRequest,
} from '@trio/contracts/payment';
import { publishInTransaction } from '@trio/events/outbox';
import { createEventInContext } from '@trio/events/publisher';
import type { Postgres } from '@trio/service-runtime/postgres';
import type pg from 'pg';
import {
  findCard,
  findPayment,
  findPaymentForUpdate,
  insertCard,
  insertPayment,
  insertRefund,
  savePayment,
} from '../data-access/payments.ts';
import { invalidField, invalidTransition, noCardOfTheOwner, paymentNotFound } from './errors.ts';
import {
  authorizeCard,
  authorizeStoredCard,
  type CardOnFile,
  cardOnFile,
  type Verdict,
} from './processor.ts';

export interface PaymentDeps {
  slowCardDelayMs: number;
}

export type AuthorizeResult =
  | { approved: true; payment: Payment }
  | { approved: false; code: PaymentFailureCode; message: string };

export async function authorize(
  tx: pg.PoolClient,
  deps: PaymentDeps,
  input: AuthorizeRequest,
): Promise<AuthorizeResult> {
  let card: CardOnFile;
  let verdict: Verdict;
  if (input.source.type === 'card') {
    verdict = await authorizeCard(input.source.card, deps.slowCardDelayMs);
    card = cardOnFile(input.source.card);
  } else {
    const stored = await findCard(tx, input.source.token, input.owner);
    if (stored === undefined) throw invalidField('source.token', noCardOfTheOwner);
    card = stored;
    verdict = await authorizeStoredCard(card, deps.slowCardDelayMs);
  }

  if (!verdict.approved) {
    await announce(
      tx,
      input.orderId,
      createEventInContext('payment.failed', {
        orderId: input.orderId,
        amount: input.amount,
        code: verdict.code,
        message: verdict.message,
      }),
    );
    return verdict;
  }
  if (input.source.type === 'card') await insertCard(tx, card, input.owner);
  const payment = await insertPayment(tx, {
    id: crypto.randomUUID(),
    orderId: input.orderId,
    amount: input.amount.amount,
    currency: input.amount.currency,
    cardToken: card.token,
  });
  await announce(
    tx,
    payment.orderId,
    createEventInContext('payment.authorized', {
      paymentId: payment.id,
      orderId: payment.orderId,
      amount: payment.amount,
      card: { brand: card.brand, last4: card.last4 },
    }),
  );
  return { approved: true, payment };
}

export async function getPayment(db: Postgres, id: string): Promise<Payment> {
  const payment = await findPayment(db, id);
  if (payment === undefined) throw paymentNotFound(id);
  return payment;
}

/** Takes the whole authorized amount, or less; what is not captured is released. */
export async function capture(tx: pg.PoolClient, id: string, input: CaptureRequest): Promise<Payment> {
  const payment = await lock(tx, id);
  if (payment.status !== 'authorized') throw invalidTransition('capture', payment.status, 'authorized');
  const amount = input.amount?.amount ?? payment.amount.amount;
  if (input.amount !== undefined) {
    assertCurrency(input.amount.currency, payment);
    if (amount > payment.amount.amount) {
      throw invalidField('amount.amount', `must be at most the authorized ${payment.amount.amount}`);
    }
  }
  const captured = await savePayment(tx, id, {
    status: 'captured',
    capturedAmount: amount,
    refundedAmount: 0,
  });
  await announce(
    tx,
    captured.orderId,
    createEventInContext('payment.captured', {
      paymentId: captured.id,
      orderId: captured.orderId,
      amount: captured.capturedAmount,
    }),
  );
  return captured;
}

/** Releases an authorization. The contracts define no `payment.voided` event, so none is published. */
export async function voidPayment(tx: pg.PoolClient, id: string): Promise<Payment> {
  const payment = await lock(tx, id);
  if (payment.status !== 'authorized') throw invalidTransition('void', payment.status, 'authorized');
  return savePayment(tx, id, { status: 'voided', capturedAmount: 0, refundedAmount: 0 });
}

/** Gives back all or part of what was captured and not yet refunded; several refunds may follow. */
export async function refund(tx: pg.PoolClient, id: string, input: RefundRequest): Promise<Payment> {
  const payment = await lock(tx, id);
  if (payment.status !== 'captured' && payment.status !== 'partially_refunded') {
    throw invalidTransition('refund', payment.status, 'captured or partially_refunded');
  }
  const refundable = payment.capturedAmount.amount - payment.refundedAmount.amount;
  const amount = input.amount?.amount ?? refundable;
  if (input.amount !== undefined) {
    assertCurrency(input.amount.currency, payment);
    if (amount > refundable) {
      throw invalidField('amount.amount', `must be at most the ${refundable} captured and not yet refunded`);
    }
  }
  const refundedTotal = payment.refundedAmount.amount + amount;
  await insertRefund(tx, { id: crypto.randomUUID(), paymentId: id, amount, reason: input.reason });
  const refunded = await savePayment(tx, id, {
    status: refundedTotal === payment.capturedAmount.amount ? 'refunded' : 'partially_refunded',
    capturedAmount: payment.capturedAmount.amount,
    refundedAmount: refundedTotal,
  });
  await announce(
    tx,
    refunded.orderId,
    createEventInContext('payment.refunded', {
      paymentId: refunded.id,
      orderId: refunded.orderId,
      amount: { amount, currency: refunded.amount.currency },
      refundedTotal: refunded.refundedAmount,
    }),
  );
  return refunded;
}

async function lock(tx: pg.PoolClient, id: string): Promise<Payment> {
  const payment = await findPaymentForUpdate(tx, id);
  if (payment === undefined) throw paymentNotFound(id);
  return payment;
}

function assertCurrency(currency: string, payment: Payment): void {
  if (currency !== payment.amount.currency) {
    throw invalidField('amount.currency', `must be the payment's currency, ${payment.amount.currency}`);
  }
}

/** Events are keyed by order, so that billing sees an order's payment events in the order written. */
async function announce(tx: pg.PoolClient, orderId: string, event: DomainEvent): Promise<void> {
  await publishInTransaction(tx, event, { aggregateKey: orderId });
}
