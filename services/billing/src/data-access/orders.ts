// The orders table: the saga's persisted state and the rows the read side turns into `Order`s.
// Every state change is a compare-and-set on the state the caller read, with its history row in
// the same transaction: two processes driving one saga cannot both move it.

import type { FailureReason, OrderLine, SagaState } from '@trio/contracts/billing';
import type { Address } from '@trio/contracts/common';
import type { Queryable } from '@trio/service-runtime/postgres';
import { activeTraceparent } from '@trio/service-runtime/tracing';

export interface OrderRow {
  id: string;
  userId: string;
  idempotencyKey: string;
  requestFingerprint: string;
  state: SagaState;
  reason: FailureReason | null;
  failedFrom: SagaState | null;
  correlationId: string;
  currency: string;
  lines: OrderLine[];
  weightGrams: number;
  shippingService: 'standard' | 'express';
  address: Address;
  cardToken: string;
  taxRateBp: number;
  subtotal: number;
  shippingAmount: number | null;
  taxAmount: number | null;
  total: number | null;
  paymentId: string | null;
  shipmentId: string | null;
  invoiceId: string | null;
  attempts: number;
  lastError: string | null;
  /** The placing request's W3C traceparent (null for orders older than the column). */
  traceparent: string | null;
  deadlineAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

export interface HistoryRow {
  orderId: string;
  state: string;
  at: Date;
}

const columns = `id, user_id, idempotency_key, request_fingerprint, state, reason, failed_from,
  correlation_id, currency, lines, weight_grams, shipping_service, address, card_token, tax_rate_bp,
  subtotal, shipping_amount, tax_amount, total, payment_id, shipment_id, invoice_id, attempts,
  last_error, traceparent, deadline_at, created_at, updated_at`;

// bigint columns arrive as strings from pg; amounts are far below 2^53.
const amount = (value: string | null) => (value === null ? null : Number(value));

function toRow(row: Record<string, unknown>): OrderRow {
  return {
    id: row.id as string,
    userId: row.user_id as string,
    idempotencyKey: row.idempotency_key as string,
    requestFingerprint: row.request_fingerprint as string,
    state: row.state as SagaState,
    reason: row.reason as FailureReason | null,
    failedFrom: row.failed_from as SagaState | null,
    correlationId: row.correlation_id as string,
    currency: (row.currency as string).trim(),
    lines: row.lines as OrderLine[],
    weightGrams: row.weight_grams as number,
    shippingService: row.shipping_service as 'standard' | 'express',
    address: row.address as Address,
    cardToken: row.card_token as string,
    taxRateBp: row.tax_rate_bp as number,
    subtotal: Number(row.subtotal),
    shippingAmount: amount(row.shipping_amount as string | null),
    taxAmount: amount(row.tax_amount as string | null),
    total: amount(row.total as string | null),
    paymentId: row.payment_id as string | null,
    shipmentId: row.shipment_id as string | null,
    invoiceId: row.invoice_id as string | null,
    attempts: row.attempts as number,
    lastError: row.last_error as string | null,
    traceparent: row.traceparent as string | null,
    deadlineAt: row.deadline_at as Date,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  };
}

export interface NewOrder {
  id: string;
  userId: string;
  idempotencyKey: string;
  requestFingerprint: string;
  correlationId: string;
  currency: string;
  lines: OrderLine[];
  weightGrams: number;
  shippingService: 'standard' | 'express';
  address: Address;
  cardToken: string;
  taxRateBp: number;
  subtotal: number;
  deadlineAt: Date;
}

/** Inserts the order in state `pending`; false when the user already used this Idempotency-Key. */
export async function insertOrder(db: Queryable, order: NewOrder): Promise<boolean> {
  // One statement, so the order never exists without its first history entry.
  const { rowCount } = await db.query(
    `WITH inserted AS (
       INSERT INTO orders (id, user_id, idempotency_key, request_fingerprint, state, correlation_id,
         currency, lines, weight_grams, shipping_service, address, card_token, tax_rate_bp, subtotal,
         deadline_at, traceparent)
       VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       ON CONFLICT (user_id, idempotency_key) DO NOTHING
       RETURNING id)
     INSERT INTO order_history (order_id, state) SELECT id, 'pending' FROM inserted`,
    [
      order.id,
      order.userId,
      order.idempotencyKey,
      order.requestFingerprint,
      order.correlationId,
      order.currency,
      JSON.stringify(order.lines),
      order.weightGrams,
      order.shippingService,
      JSON.stringify(order.address),
      order.cardToken,
      order.taxRateBp,
      order.subtotal,
      order.deadlineAt,
      // The placing request's span: the saga's steps, resumed or not, join its trace.
      activeTraceparent() ?? null,
    ],
  );
  return rowCount === 1;
}

export async function findOrder(db: Queryable, id: string): Promise<OrderRow | undefined> {
  const { rows } = await db.query(`SELECT ${columns} FROM orders WHERE id = $1`, [id]);
  return rows[0] === undefined ? undefined : toRow(rows[0]);
}

export async function findOrderByKey(
  db: Queryable,
  userId: string,
  idempotencyKey: string,
): Promise<OrderRow | undefined> {
  const { rows } = await db.query(
    `SELECT ${columns} FROM orders WHERE user_id = $1 AND idempotency_key = $2`,
    [userId, idempotencyKey],
  );
  return rows[0] === undefined ? undefined : toRow(rows[0]);
}

export async function listOrders(
  db: Queryable,
  userId: string,
  page: number,
  pageSize: number,
): Promise<{ rows: OrderRow[]; total: number }> {
  const [list, count] = await Promise.all([
    db.query(
      `SELECT ${columns} FROM orders WHERE user_id = $1
       ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`,
      [userId, pageSize, (page - 1) * pageSize],
    ),
    db.query<{ total: string }>('SELECT count(*) AS total FROM orders WHERE user_id = $1', [userId]),
  ]);
  return { rows: list.rows.map(toRow), total: Number(count.rows[0]?.total ?? 0) };
}

export async function historyOf(
  db: Queryable,
  orderIds: readonly string[],
): Promise<Map<string, HistoryRow[]>> {
  const history = new Map<string, HistoryRow[]>(orderIds.map((id) => [id, []]));
  if (orderIds.length === 0) return history;
  const { rows } = await db.query<{ order_id: string; state: string; at: Date }>(
    'SELECT order_id, state, at FROM order_history WHERE order_id = ANY($1::uuid[]) ORDER BY id',
    [orderIds],
  );
  for (const row of rows)
    history.get(row.order_id)?.push({ orderId: row.order_id, state: row.state, at: row.at });
  return history;
}

export async function addHistory(db: Queryable, orderId: string, state: string): Promise<void> {
  await db.query('INSERT INTO order_history (order_id, state) VALUES ($1, $2)', [orderId, state]);
}

export interface StateChange {
  state: SagaState;
  reason?: FailureReason;
  failedFrom?: SagaState;
  shippingAmount?: number;
  taxAmount?: number;
  total?: number;
  paymentId?: string;
  invoiceId?: string;
}

/**
 * Moves the order from `from` to `change.state` and records it in the history; answers the order as
 * the move left it (the saga's next step starts from it without reading it again), or undefined
 * (and nothing written) when the order is no longer in `from`, i.e. another process moved it
 * first. A move resets the retry bookkeeping of the step just finished.
 */
export async function transition(
  db: Queryable,
  id: string,
  from: SagaState,
  change: StateChange,
): Promise<OrderRow | undefined> {
  const { rows } = await db.query(
    `WITH moved AS (
     UPDATE orders SET state = $3,
       reason = COALESCE($4, reason),
       failed_from = COALESCE($5, failed_from),
       shipping_amount = COALESCE($6, shipping_amount),
       tax_amount = COALESCE($7, tax_amount),
       total = COALESCE($8, total),
       payment_id = COALESCE($9, payment_id),
       invoice_id = COALESCE($10, invoice_id),
       attempts = 0, last_error = NULL, next_attempt_at = now(), updated_at = now()
     WHERE id = $1 AND state = $2
     RETURNING ${columns}),
     history AS (INSERT INTO order_history (order_id, state) SELECT id, $3 FROM moved)
     SELECT * FROM moved`,
    [
      id,
      from,
      change.state,
      change.reason ?? null,
      change.failedFrom ?? null,
      change.shippingAmount ?? null,
      change.taxAmount ?? null,
      change.total ?? null,
      change.paymentId ?? null,
      change.invoiceId ?? null,
    ],
  );
  return rows[0] === undefined ? undefined : toRow(rows[0]);
}

/** Notes a step that got no answer; the sweeper tries it again at `nextAttemptAt`. */
export async function recordRetry(
  db: Queryable,
  id: string,
  state: SagaState,
  error: string,
  nextAttemptAt: Date,
): Promise<void> {
  await db.query(
    `UPDATE orders SET attempts = attempts + 1, last_error = $3, next_attempt_at = $4, updated_at = now()
     WHERE id = $1 AND state = $2`,
    [id, state, error.slice(0, 500), nextAttemptAt],
  );
}

/** Unfinished sagas whose next attempt is due, oldest first. */
export async function dueOrders(
  db: Queryable,
  limit: number,
): Promise<{ id: string; correlationId: string; traceparent: string | null }[]> {
  const { rows } = await db.query<{ id: string; correlation_id: string; traceparent: string | null }>(
    `SELECT id, correlation_id, traceparent FROM orders
     WHERE state NOT IN ('invoiced', 'failed', 'cancelled') AND next_attempt_at <= now()
     ORDER BY next_attempt_at LIMIT $1`,
    [limit],
  );
  return rows.map((row) => ({ id: row.id, correlationId: row.correlation_id, traceparent: row.traceparent }));
}

export async function setShipment(db: Queryable, orderId: string, shipmentId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE orders SET shipment_id = $2, updated_at = now() WHERE id = $1',
    [orderId, shipmentId],
  );
  return rowCount === 1;
}
