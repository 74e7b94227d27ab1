// The checkout saga: one order's way from `pending` to `invoiced`, persisted as a state machine in
// the orders table so that any process can carry it on from the row alone.
//
//   pending → stock_reserved → shipping_quoted → payment_authorized → confirmed → paid → invoiced
//                  any step before `confirmed` may fail → compensating → failed (with a reason)
//
// Each step is idempotent by order id: inventory's reservation is keyed by it, payment's calls
// carry Idempotency-Keys derived from it, and each state change is a compare-and-set on the state
// the step started from. So a step repeated after a crash (the call went out, its answer was lost
// with the process) repeats nothing: it gets the first answer again. A step that gets no answer
// at all (a peer down) is retried, first at once, then later by the sweeper, until the saga's
// deadline; after that, steps before the confirmation give up and compensate with `timeout`.
// Capturing and invoicing a confirmed order never give up.
import type { FailureReason, SagaState } from '@trio/contracts/billing';
import type { inventoryRpc } from '@trio/contracts/inventory';
import { type shippingRoutes, type shippingRpc, splitIntoParcels } from '@trio/contracts/shipping';
import { publishInTransaction } from '@trio/events/outbox';
import { createEventInContext } from '@trio/events/publisher';
import { inTransaction } from '@trio/events/transaction';
import type { RpcServiceClient } from '@trio/rpc/client';
import { ClientClosed, LostRemote, RemoteError, TimeoutExpired } from '@trio/rpc/errors';
import type { MethodsOverRest } from '@trio/rpc/service';
import type { Logger } from '@trio/service-runtime/logger';
import { PeerUnavailable } from '@trio/service-runtime/peer';
import type { Postgres } from '@trio/service-runtime/postgres';
import type pg from 'pg';
import { formatInvoiceNumber, insertInvoice, nextInvoiceSequence } from '../data-access/invoices.ts';
import {
  findOrder,
  type OrderRow,
  recordRetry,
  type StateChange,
  transition,
} from '../data-access/orders.ts';
import type { PaymentAnswer, PaymentPeer } from '../peers/payment.ts';
import type { SagaMetrics } from './metrics.ts';
import { tracedStep } from './saga-tracing.ts';
import { orderTotals } from './totals.ts';

export interface SagaDeps {
  db: Postgres;
  inventory: RpcServiceClient<typeof inventoryRpc>;
  /** The quote, over ZeroRPC or REST (SHIPPING_TRANSPORT): it throws alike either way. */
  shipping: MethodsOverRest<typeof shippingRpc, typeof shippingRoutes>;
  payment: PaymentPeer;
  log: Logger;
  metrics: SagaMetrics;
  reservationTtlSeconds: number;
}

export const terminalStates: readonly SagaState[] = ['invoiced', 'failed', 'cancelled'];

/** Steps that may give up at the deadline: nothing is promised to the customer before `confirmed`. */
const forwardSteps: readonly SagaState[] = ['pending', 'stock_reserved', 'shipping_quoted'];

/** Reasons that are payment's definite "no": no authorization exists to void. */
const paymentRefusals: readonly FailureReason[] = [
  'payment_declined',
  'insufficient_funds',
  'expired_card',
  'payment_error',
];

type Outcome =
  /**
   * The step wrote its state change (`order`: the row as it left it, which the next step starts
   * from), or found that another process had (no `order`: the next step reads the row again).
   */
  | { kind: 'moved'; order?: OrderRow }
  /** A definite failure: compensate, then end in `failed` with this reason. */
  | { kind: 'fail'; reason: FailureReason; detail: string }
  /** No answer: try the step again later. */
  | { kind: 'retry'; error: unknown };

const moved: Outcome = { kind: 'moved' };

/** Thrown inside a step's transaction when another process moved the order first: rolls it back. */
class Superseded extends Error {}

/** Idempotency-Keys for payment: one per order and step, so a repeated step replays the first answer. */
export const paymentKey = (orderId: string, step: 'card' | 'authorize' | 'capture' | 'void') =>
  `billing-${orderId}-${step}`;

export interface DriveOptions {
  /** Immediate retries of a step without an answer before leaving it to the sweeper. */
  quickRetries?: number;
  /** Checked before each step: true stops the drive where it is (the process is shutting down). */
  stopping?: () => boolean;
}

/**
 * Runs the saga of `orderId` from wherever its row says it is, until it ends or a step gets no
 * answer (then the row records when to try again). The caller must make sure that this process
 * drives the order only once at a time (see saga-runner.ts); another process doing it too would
 * be caught by the compare-and-set, not prevented.
 */
export async function driveSaga(deps: SagaDeps, orderId: string, options: DriveOptions = {}): Promise<void> {
  const quickRetries = options.quickRetries ?? 2;
  let retried = 0;
  // The row as this drive's last move left it: the advisory lock makes this process its only
  // writer, and the compare-and-set of the next move catches any other.
  let known: OrderRow | undefined;
  for (;;) {
    if (options.stopping?.() === true) return;
    const order = known ?? (await findOrder(deps.db, orderId));
    known = undefined;
    if (order === undefined || terminalStates.includes(order.state)) return;
    const log = deps.log.child({ orderId, state: order.state });

    let outcome: Outcome;
    const started = performance.now();
    try {
      outcome = await tracedStep(order, () => step(deps, order));
    } catch (error) {
      outcome = { kind: 'retry', error };
    }
    deps.metrics.stepDuration.observe(
      { state: order.state, outcome: outcome.kind },
      (performance.now() - started) / 1000,
    );

    if (outcome.kind === 'moved') {
      retried = 0;
      known = outcome.order;
      continue;
    }
    if (outcome.kind === 'fail') {
      log.info({ reason: outcome.reason, detail: outcome.detail }, 'checkout failed; compensating');
      known = await transition(deps.db, orderId, order.state, {
        state: 'compensating',
        reason: outcome.reason,
        failedFrom: order.state,
      });
      continue;
    }

    const message = errorMessage(outcome.error);
    if (forwardSteps.includes(order.state) && Date.now() >= order.deadlineAt.getTime()) {
      log.warn({ err: outcome.error }, 'checkout step got no answer before the deadline; compensating');
      known = await transition(deps.db, orderId, order.state, {
        state: 'compensating',
        reason: 'timeout',
        failedFrom: order.state,
      });
      continue;
    }
    if (retried < quickRetries) {
      retried++;
      await sleep(100 * 4 ** (retried - 1));
      continue;
    }
    const delayMs = Math.min(30_000, 500 * 2 ** Math.min(order.attempts, 6));
    (isNoAnswer(outcome.error) ? log.warn : log.error).call(
      log,
      { err: outcome.error, attempts: order.attempts + 1, retryInMs: delayMs },
      'checkout step failed; trying again later',
    );
    deps.metrics.deferred.inc({ state: order.state });
    await recordRetry(deps.db, orderId, order.state, message, new Date(Date.now() + delayMs));
    return;
  }
}

async function step(deps: SagaDeps, order: OrderRow): Promise<Outcome> {
  switch (order.state) {
    case 'pending':
      return reserveStock(deps, order);
    case 'stock_reserved':
      return quoteShipping(deps, order);
    case 'shipping_quoted':
      return authorizePayment(deps, order);
    case 'payment_authorized':
      return confirm(deps, order);
    case 'confirmed':
      return capturePayment(deps, order);
    case 'paid':
      return issueInvoice(deps, order);
    case 'compensating':
      return compensate(deps, order);
    default:
      return moved;
  }
}

async function move(deps: SagaDeps, order: OrderRow, change: StateChange): Promise<Outcome> {
  const next = await transition(deps.db, order.id, order.state, change);
  if (next === undefined) return moved;
  ended(deps, order, change);
  return { kind: 'moved', order: next };
}

/** Counts a saga that just reached its last state. */
function ended(deps: SagaDeps, order: OrderRow, change: StateChange): void {
  if (!terminalStates.includes(change.state)) return;
  const outcome = change.state === 'invoiced' ? 'invoiced' : (order.reason ?? 'internal_error');
  deps.metrics.finished.inc({ outcome });
  deps.metrics.duration.observe({ outcome }, (Date.now() - order.createdAt.getTime()) / 1000);
  deps.log.info(
    { orderId: order.id, state: change.state, reason: order.reason ?? undefined },
    'checkout ended',
  );
}

async function reserveStock(deps: SagaDeps, order: OrderRow): Promise<Outcome> {
  try {
    await deps.inventory.methods.reserve(
      order.id,
      order.lines.map((line) => ({ sku: line.sku, qty: line.qty })),
      deps.reservationTtlSeconds,
    );
  } catch (error) {
    if (error instanceof RemoteError && error.name === 'OutOfStock') {
      return { kind: 'fail', reason: 'out_of_stock', detail: error.message };
    }
    return definiteOrRetry(error);
  }
  return move(deps, order, { state: 'stock_reserved' });
}

async function quoteShipping(deps: SagaDeps, order: OrderRow): Promise<Outcome> {
  const parcels = splitIntoParcels(order.weightGrams);
  if (parcels === undefined) {
    return { kind: 'fail', reason: 'shipping_unavailable', detail: `${order.weightGrams} g is too heavy` };
  }
  let options: { service: string; price: { amount: number; currency: string } }[];
  try {
    const quote = await deps.shipping.quote(
      { country: order.address.country, postalCode: order.address.postalCode },
      parcels,
    );
    options = quote.options;
  } catch (error) {
    if (error instanceof RemoteError && error.name === 'UnsupportedDestination') {
      return { kind: 'fail', reason: 'shipping_unavailable', detail: error.message };
    }
    return definiteOrRetry(error);
  }
  const option = options.find((candidate) => candidate.service === order.shippingService);
  if (option === undefined) {
    return {
      kind: 'fail',
      reason: 'shipping_unavailable',
      detail: `${order.shippingService} does not deliver to ${order.address.country}`,
    };
  }
  if (option.price.currency !== order.currency) {
    return {
      kind: 'fail',
      reason: 'shipping_unavailable',
      detail: `shipping is priced in ${option.price.currency}, the order in ${order.currency}`,
    };
  }
  const totals = orderTotals(order.currency, order.subtotal, option.price.amount, order.taxRateBp);
  return move(deps, order, {
    state: 'shipping_quoted',
    shippingAmount: totals.shipping.amount,
    taxAmount: totals.tax.amount,
    total: totals.total.amount,
  });
}

function authorizationRequest(order: OrderRow) {
  return {
    orderId: order.id,
    amount: { amount: order.total!, currency: order.currency },
    token: order.cardToken,
    owner: order.userId,
  };
}

/** payment's refusal codes, in the words of the order's failure reasons. */
const refusalReasons: Record<string, FailureReason> = {
  card_declined: 'payment_declined',
  insufficient_funds: 'insufficient_funds',
  expired_card: 'expired_card',
  processing_error: 'payment_error',
};

async function authorizePayment(deps: SagaDeps, order: OrderRow): Promise<Outcome> {
  let answer: PaymentAnswer<{ id: string }>;
  try {
    answer = await deps.payment.authorize(paymentKey(order.id, 'authorize'), authorizationRequest(order));
  } catch (error) {
    return definiteOrRetry(error);
  }
  if (!answer.ok) {
    return {
      kind: 'fail',
      reason: refusalReasons[answer.code] ?? 'payment_error',
      detail: `${answer.status} ${answer.code}: ${answer.message}`,
    };
  }
  return move(deps, order, { state: 'payment_authorized', paymentId: answer.value.id });
}

/** The order stands: `order.confirmed` goes out with the change (inventory commits, shipping ships). */
async function confirm(deps: SagaDeps, order: OrderRow): Promise<Outcome> {
  return changeAndAnnounce(deps, order, { state: 'confirmed' }, async (tx) => {
    const event = createEventInContext('order.confirmed', {
      orderId: order.id,
      userId: order.userId,
      lines: order.lines.map((line) => ({ sku: line.sku, qty: line.qty, unitPrice: line.unitPrice })),
      totals: orderTotals(order.currency, order.subtotal, order.shippingAmount!, order.taxRateBp),
      shipping: { service: order.shippingService, address: order.address, weightGrams: order.weightGrams },
    });
    await publishInTransaction(tx, event, { aggregateKey: order.id });
  });
}

async function capturePayment(deps: SagaDeps, order: OrderRow): Promise<Outcome> {
  let answer: PaymentAnswer<unknown>;
  try {
    answer = await deps.payment.capture(paymentKey(order.id, 'capture'), order.paymentId!);
  } catch (error) {
    return { kind: 'retry', error };
  }
  if (!answer.ok) {
    // The authorization is gone (voided or lapsed at payment): the confirmed order cannot be paid.
    return {
      kind: 'fail',
      reason: 'payment_error',
      detail: `capture refused: ${answer.status} ${answer.code}: ${answer.message}`,
    };
  }
  return move(deps, order, { state: 'paid' });
}

/** Numbers the invoice, stores it, ends the saga and announces `invoice.issued`, in one transaction. */
async function issueInvoice(deps: SagaDeps, order: OrderRow): Promise<Outcome> {
  const invoiceId = crypto.randomUUID();
  const issuedAt = new Date();
  return changeAndAnnounce(deps, order, { state: 'invoiced', invoiceId }, async (tx) => {
    const year = issuedAt.getUTCFullYear();
    const sequence = await nextInvoiceSequence(tx, year);
    const number = formatInvoiceNumber(year, sequence);
    await insertInvoice(tx, {
      id: invoiceId,
      number,
      year,
      sequence,
      orderId: order.id,
      userId: order.userId,
      issuedAt,
      billingAddress: order.address,
      lines: order.lines,
      taxRateBp: order.taxRateBp,
      currency: order.currency,
      subtotal: order.subtotal,
      shippingAmount: order.shippingAmount!,
      taxAmount: order.taxAmount!,
      total: order.total!,
    });
    const event = createEventInContext('invoice.issued', {
      invoiceId,
      number,
      orderId: order.id,
      userId: order.userId,
      total: { amount: order.total!, currency: order.currency },
    });
    await publishInTransaction(tx, event, { aggregateKey: order.id });
  });
}

/**
 * Undoes what the failed saga did, each undo idempotent: voids the authorization (or, when the
 * authorization's outcome was never learnt, asks payment again under the same key and voids what it
 * answers), releases the reservation, then ends the order in `failed`. An order that failed after
 * its confirmation was announced ends `cancelled`, announced by `order.cancelled`.
 */
async function compensate(deps: SagaDeps, order: OrderRow): Promise<Outcome> {
  const reason = order.reason ?? 'internal_error';
  const afterConfirmation = order.failedFrom === 'confirmed' || order.failedFrom === 'paid';
  try {
    let paymentId = order.paymentId;
    if (paymentId === null && order.failedFrom === 'shipping_quoted' && !paymentRefusals.includes(reason)) {
      const answer = await deps.payment.authorize(
        paymentKey(order.id, 'authorize'),
        authorizationRequest(order),
      );
      if (answer.ok) paymentId = answer.value.id;
    }
    if (paymentId !== null) {
      const answer = await deps.payment.void(paymentKey(order.id, 'void'), paymentId);
      if (!answer.ok && answer.status !== 409) {
        deps.log.warn({ orderId: order.id, answer }, 'payment refused to void the authorization');
      }
    }
    if (!afterConfirmation) await deps.inventory.methods.release(order.id);
  } catch (error) {
    return { kind: 'retry', error };
  }
  if (!afterConfirmation) return move(deps, order, { state: 'failed' });
  return changeAndAnnounce(deps, order, { state: 'cancelled' }, async (tx) => {
    const event = createEventInContext('order.cancelled', {
      orderId: order.id,
      userId: order.userId,
      reason,
    });
    await publishInTransaction(tx, event, { aggregateKey: order.id });
  });
}

/** The state change and what it writes beside it (an event, an invoice) commit together or not at all. */
async function changeAndAnnounce(
  deps: SagaDeps,
  order: OrderRow,
  change: StateChange,
  write: (tx: pg.PoolClient) => Promise<void>,
): Promise<Outcome> {
  let next: OrderRow;
  try {
    next = await inTransaction(deps.db, async (tx) => {
      const row = await transition(tx, order.id, order.state, change);
      if (row === undefined) throw new Superseded();
      await write(tx);
      return row;
    });
  } catch (error) {
    if (!(error instanceof Superseded)) throw error;
    return moved;
  }
  ended(deps, order, change);
  return { kind: 'moved', order: next };
}

/** The contract's named errors are definite answers; only "no answer" is worth another try. */
function definiteOrRetry(error: unknown): Outcome {
  if (error instanceof RemoteError && !['ServiceUnavailable', 'InternalError'].includes(error.name)) {
    return { kind: 'fail', reason: 'internal_error', detail: `${error.name}: ${error.message}` };
  }
  return { kind: 'retry', error };
}

export function isNoAnswer(error: unknown): boolean {
  return (
    error instanceof PeerUnavailable ||
    error instanceof TimeoutExpired ||
    error instanceof LostRemote ||
    error instanceof ClientClosed ||
    (error instanceof RemoteError && error.name === 'ServiceUnavailable')
  );
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
