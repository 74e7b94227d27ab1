// SQL for cards, payments and refunds. Every value travels as a query parameter.
import type { Payment, PaymentStatus, StoredCard } from '@trio/contracts/payment';
import type { Queryable } from '@trio/service-runtime/postgres';
import type pg from 'pg';
import type { CardBehaviour, CardOnFile } from '../domain/processor.ts';

interface PaymentRow {
  id: string;
  order_id: string;
  status: PaymentStatus;
  currency: string;
  amount: string;
  captured_amount: string;
  refunded_amount: string;
  created_at: Date;
  updated_at: Date;
  token: string;
  brand: StoredCard['brand'];
  last4: string;
  exp_month: number;
  exp_year: number;
}

const select = `
  SELECT p.id, p.order_id, p.status, p.currency, p.amount, p.captured_amount, p.refunded_amount,
         p.created_at, p.updated_at, c.token, c.brand, c.last4, c.exp_month, c.exp_year
  FROM payments p JOIN cards c ON c.token = p.card_token`;

function toPayment(row: PaymentRow): Payment {
  // bigint arrives as text; amounts are validated as safe integers on the way in.
  const money = (amount: string) => ({ amount: Number(amount), currency: row.currency });
  return {
    id: row.id,
    orderId: row.order_id,
    status: row.status,
    amount: money(row.amount),
    capturedAmount: money(row.captured_amount),
    refundedAmount: money(row.refunded_amount),
    card: {
      token: row.token,
      brand: row.brand,
      last4: row.last4,
      expMonth: row.exp_month,
      expYear: row.exp_year,
    },
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function insertCard(tx: pg.PoolClient, card: CardOnFile, owner: string): Promise<void> {
  await tx.query(
    `INSERT INTO cards (token, brand, last4, exp_month, exp_year, behaviour, owner)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [card.token, card.brand, card.last4, card.expMonth, card.expYear, card.behaviour, owner],
  );
}

/** The card with this token if it was stored for `owner`; a card without an owner matches no one. */
export async function findCard(db: Queryable, token: string, owner: string): Promise<CardOnFile | undefined> {
  const { rows } = await db.query<{
    brand: StoredCard['brand'];
    last4: string;
    exp_month: number;
    exp_year: number;
    behaviour: CardBehaviour;
  }>('SELECT brand, last4, exp_month, exp_year, behaviour FROM cards WHERE token = $1 AND owner = $2', [
    token,
    owner,
  ]);
  const row = rows[0];
  return (
    row && {
      token,
      brand: row.brand,
      last4: row.last4,
      expMonth: row.exp_month,
      expYear: row.exp_year,
      behaviour: row.behaviour,
    }
  );
}

export interface NewPayment {
  id: string;
  orderId: string;
  amount: number;
  currency: string;
  cardToken: string;
}

export async function insertPayment(tx: pg.PoolClient, payment: NewPayment): Promise<Payment> {
  await tx.query(
    `INSERT INTO payments (id, order_id, status, currency, amount, card_token)
     VALUES ($1, $2, 'authorized', $3, $4, $5)`,
    [payment.id, payment.orderId, payment.currency, payment.amount, payment.cardToken],
  );
  const inserted = await findPayment(tx, payment.id);
  if (inserted === undefined) throw new Error(`payment ${payment.id} vanished after its insert`);
  return inserted;
}

export async function findPayment(db: Queryable, id: string): Promise<Payment | undefined> {
  const { rows } = await db.query<PaymentRow>(`${select} WHERE p.id = $1`, [id]);
  return rows[0] && toPayment(rows[0]);
}

/** Reads a payment and locks its row until the transaction ends, so that transitions cannot interleave. */
export async function findPaymentForUpdate(tx: pg.PoolClient, id: string): Promise<Payment | undefined> {
  const { rows } = await tx.query<PaymentRow>(`${select} WHERE p.id = $1 FOR UPDATE OF p`, [id]);
  return rows[0] && toPayment(rows[0]);
}

export interface PaymentChange {
  status: PaymentStatus;
  capturedAmount: number;
  refundedAmount: number;
}

export async function savePayment(tx: pg.PoolClient, id: string, change: PaymentChange): Promise<Payment> {
  await tx.query(
    `UPDATE payments SET status = $2, captured_amount = $3, refunded_amount = $4, updated_at = now()
     WHERE id = $1`,
    [id, change.status, change.capturedAmount, change.refundedAmount],
  );
  const saved = await findPayment(tx, id);
  if (saved === undefined) throw new Error(`payment ${id} vanished while locked`);
  return saved;
}

export async function insertRefund(
  tx: pg.PoolClient,
  refund: { id: string; paymentId: string; amount: number; reason: string | undefined },
): Promise<void> {
  await tx.query('INSERT INTO refunds (id, payment_id, amount, reason) VALUES ($1, $2, $3, $4)', [
    refund.id,
    refund.paymentId,
    refund.amount,
    refund.reason ?? null,
  ]);
}
