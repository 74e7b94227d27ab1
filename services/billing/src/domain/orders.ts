// Placing an order and reading orders back. Placing prices the lines with catalog (never with the
// client's numbers), swaps a typed card for payment's token (the card number goes no further than
// this request), stores the order in `pending` and hands it to its saga; the answer waits for the
// saga up to a time budget, then shows the order as it is. The same Idempotency-Key with the same
// body gets the same order back, however many times and however concurrently it is sent.
import type { FailureReason, Order, OrderLine, PlaceOrderRequest } from '@trio/contracts/billing';
import { orderStatusOf } from '@trio/contracts/billing';
import { getContext } from '@trio/service-runtime/context';
import { AppError } from '@trio/service-runtime/errors';
import { fingerprint } from '@trio/service-runtime/fingerprint';
import { PeerUnavailable } from '@trio/service-runtime/peer';
import type { Postgres } from '@trio/service-runtime/postgres';
import {
  findOrder,
  findOrderByKey,
  type HistoryRow,
  historyOf,
  insertOrder,
  listOrders,
  type OrderRow,
} from '../data-access/orders.ts';
import type { CatalogPeer } from '../peers/catalog.ts';
import type { PaymentPeer } from '../peers/payment.ts';
import { paymentKey } from './saga.ts';
import type { SagaRunner } from './saga-runner.ts';
import { orderTotals } from './totals.ts';

export interface OrderDeps {
  db: Postgres;
  catalog: CatalogPeer;
  payment: PaymentPeer;
  runner: SagaRunner;
  idempotencySecret: string;
  taxRateBasisPoints: number;
  responseBudgetMs: number;
  sagaDeadlineMs: number;
}

export interface Placed {
  order: Order;
  /** The Idempotency-Key had been used for this very request: nothing new was started. */
  replayed: boolean;
}

export async function placeOrder(
  deps: OrderDeps,
  userId: string,
  idempotencyKey: string,
  request: PlaceOrderRequest,
): Promise<Placed> {
  const requestFingerprint = fingerprint(deps.idempotencySecret, request);
  const existing = await findOrderByKey(deps.db, userId, idempotencyKey);
  if (existing !== undefined) return replay(deps, existing, requestFingerprint);

  const { lines, currency, subtotal, weightGrams } = await priceLines(deps, request.lines);
  const orderId = crypto.randomUUID();
  const cardToken = await tokenFor(deps, userId, orderId, request.payment);

  const { inserted, done } = await deps.runner.startNew(orderId, () =>
    insertOrder(deps.db, {
      id: orderId,
      userId,
      idempotencyKey,
      requestFingerprint,
      correlationId: getContext()?.correlationId ?? orderId,
      currency,
      lines,
      weightGrams,
      shippingService: request.shipping,
      address: request.address,
      cardToken,
      taxRateBp: deps.taxRateBasisPoints,
      subtotal,
      deadlineAt: new Date(Date.now() + deps.sagaDeadlineMs),
    }),
  );
  if (!inserted) {
    // A concurrent copy of this request inserted first: answer as its replay.
    const winner = await findOrderByKey(deps.db, userId, idempotencyKey);
    if (winner === undefined) throw new Error('an order vanished after its insert conflicted');
    return replay(deps, winner, requestFingerprint);
  }
  await withinBudget(deps, done);
  return { order: await readOrder(deps.db, orderId), replayed: false };
}

async function replay(deps: OrderDeps, existing: OrderRow, requestFingerprint: string): Promise<Placed> {
  if (existing.requestFingerprint !== requestFingerprint) {
    throw new AppError(
      'idempotency_key_reused',
      'This Idempotency-Key was used with a different request; use a new key for a new order',
      { status: 422 },
    );
  }
  const inProgress = deps.runner.inProgress(existing.id);
  if (inProgress !== undefined) await withinBudget(deps, inProgress);
  return { order: await readOrder(deps.db, existing.id), replayed: true };
}

async function withinBudget(deps: OrderDeps, done: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, deps.responseBudgetMs);
  });
  await Promise.race([done, budget]);
  clearTimeout(timer);
}

/** The lines at catalog's prices; a sku catalog does not know is the client's mistake (422). */
async function priceLines(deps: OrderDeps, requested: PlaceOrderRequest['lines']) {
  const products = await deps.catalog.products(requested.map((line) => line.sku));
  const unknown = requested.flatMap((line, index) =>
    products.get(line.sku) === undefined
      ? [{ location: 'body', path: `lines[${index}].sku`, message: `no product has sku ${line.sku}` }]
      : [],
  );
  if (unknown.length > 0) {
    throw new AppError('validation_failed', 'Some products do not exist', { status: 422, details: unknown });
  }
  const lines: OrderLine[] = requested.map((line) => {
    const product = products.get(line.sku)!;
    return {
      sku: line.sku,
      name: product.name,
      qty: line.qty,
      unitPrice: product.price,
      lineTotal: { amount: product.price.amount * line.qty, currency: product.price.currency },
    };
  });
  const currencies = new Set(lines.map((line) => line.unitPrice.currency));
  if (currencies.size > 1) {
    throw new AppError('validation_failed', 'An order must be in one currency', {
      status: 422,
      details: [{ location: 'body', path: 'lines', message: `mixes ${[...currencies].join(' and ')}` }],
    });
  }
  return {
    lines,
    currency: lines[0]!.unitPrice.currency,
    subtotal: lines.reduce((sum, line) => sum + line.lineTotal.amount, 0),
    weightGrams: requested.reduce(
      (sum, line) => sum + line.qty * products.get(line.sku)!.attributes.weightGrams,
      0,
    ),
  };
}

/**
 * The token the saga charges, always one of the customer's own cards: payment stores a typed card
 * for this customer, and a token given is asked about first, so that another customer's token is
 * refused before any stock is reserved. When payment does not answer, the order goes ahead: the
 * authorization step asks payment again with the same owner, and its refusal fails the order and
 * releases the stock.
 */
async function tokenFor(
  deps: OrderDeps,
  userId: string,
  orderId: string,
  source: PlaceOrderRequest['payment'],
): Promise<string> {
  if (source.type === 'token') {
    await assertOwnCard(deps, userId, source.token);
    return source.token;
  }
  const answer = await deps.payment.storeCard(paymentKey(orderId, 'card'), source.card, userId);
  if (answer.ok) return answer.value.token;
  throw new AppError('validation_failed', 'The card was not accepted', {
    status: answer.status === 400 ? 400 : 422,
    details: [{ location: 'body', path: 'payment.card', message: answer.message }],
  });
}

async function assertOwnCard(deps: OrderDeps, userId: string, token: string): Promise<void> {
  let answer: Awaited<ReturnType<PaymentPeer['card']>>;
  try {
    answer = await deps.payment.card(token, userId);
  } catch (error) {
    if (error instanceof PeerUnavailable) return;
    throw error;
  }
  if (answer.ok) return;
  // Payment answers another customer's token as it does an unknown one, and so does billing.
  throw new AppError('validation_failed', 'The card was not accepted', {
    status: 422,
    details: [{ location: 'body', path: 'payment.token', message: 'no card of yours has this token' }],
  });
}

export async function readOrder(db: Postgres, orderId: string): Promise<Order> {
  const row = await findOrder(db, orderId);
  if (row === undefined) throw new Error(`order ${orderId} is missing`);
  const history = await historyOf(db, [orderId]);
  return toOrder(row, history.get(orderId) ?? []);
}

/** One of the user's orders; another user's is as absent as one that does not exist. */
export async function getOrder(db: Postgres, userId: string, orderId: string): Promise<Order> {
  const row = await findOrder(db, orderId);
  if (row === undefined || row.userId !== userId) {
    throw new AppError('not_found', `You have no order with id ${orderId}`, { status: 404 });
  }
  const history = await historyOf(db, [orderId]);
  return toOrder(row, history.get(orderId) ?? []);
}

export async function listUserOrders(db: Postgres, userId: string, page: number, pageSize: number) {
  const { rows, total } = await listOrders(db, userId, page, pageSize);
  const history = await historyOf(
    db,
    rows.map((row) => row.id),
  );
  return { items: rows.map((row) => toOrder(row, history.get(row.id) ?? [])), total, page, pageSize };
}

/** The trace id of a W3C traceparent (`00-<trace id>-<span id>-<flags>`), when there is one. */
function traceIdOf(traceparent: string | null): { traceId?: string } {
  const traceId = traceparent?.split('-')[1];
  return traceId === undefined ? {} : { traceId };
}

export function toOrder(row: OrderRow, history: readonly HistoryRow[]): Order {
  return {
    id: row.id,
    userId: row.userId,
    status: orderStatusOf[row.state],
    state: row.state,
    ...(row.reason !== null && row.state !== 'compensating' ? { reason: row.reason as FailureReason } : {}),
    lines: row.lines,
    // Before shipping is quoted, shipping counts as 0 and tax is on the goods alone.
    totals: orderTotals(row.currency, row.subtotal, row.shippingAmount ?? 0, row.taxRateBp),
    shipping: { service: row.shippingService, address: row.address },
    ...(row.paymentId === null ? {} : { paymentId: row.paymentId }),
    ...(row.invoiceId === null ? {} : { invoiceId: row.invoiceId }),
    ...(row.shipmentId === null ? {} : { shipmentId: row.shipmentId }),
    history: history.map((entry) => ({
      state: entry.state as Order['history'][number]['state'],
      at: entry.at.toISOString(),
    })),
    ...traceIdOf(row.traceparent),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
