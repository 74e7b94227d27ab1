// The payment audit trail: payment's events as billing received them, one row per event, kept to
// reconcile billing's orders against payment's own records. Written only by the event consumer.
import type { Queryable } from '@trio/service-runtime/postgres';

export interface PaymentEventRow {
  eventId: string;
  orderId: string;
  type: string;
  paymentId: string | null;
  amount: number;
  currency: string;
  detail: string | null;
  occurredAt: Date;
}

/** Inserts the event once; a redelivered copy changes nothing. */
export async function recordPaymentEvent(db: Queryable, event: PaymentEventRow): Promise<void> {
  await db.query(
    `INSERT INTO payment_events (event_id, order_id, type, payment_id, amount, currency, detail, occurred_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_id) DO NOTHING`,
    [
      event.eventId,
      event.orderId,
      event.type,
      event.paymentId,
      event.amount,
      event.currency,
      event.detail,
      event.occurredAt,
    ],
  );
}

export async function paymentEventsOf(db: Queryable, orderId: string): Promise<PaymentEventRow[]> {
  const { rows } = await db.query(
    `SELECT event_id, order_id, type, payment_id, amount, currency, detail, occurred_at
     FROM payment_events WHERE order_id = $1 ORDER BY occurred_at, received_at`,
    [orderId],
  );
  return rows.map((row) => ({
    eventId: row.event_id,
    orderId: row.order_id,
    type: row.type,
    paymentId: row.payment_id,
    amount: Number(row.amount),
    currency: row.currency.trim(),
    detail: row.detail,
    occurredAt: row.occurred_at,
  }));
}
