// Invoices and their gap-free numbering. The counter row of the year is incremented in the
// transaction that inserts the invoice: concurrent invoices queue on that row, and a transaction
// that rolls back gives its number back, so every year's numbers run 1, 2, 3… without holes.
import type { Invoice, OrderLine } from '@trio/contracts/billing';
import type { Address } from '@trio/contracts/common';
import type { Queryable } from '@trio/service-runtime/postgres';

export interface InvoiceRow {
  id: string;
  number: string;
  orderId: string;
  userId: string;
  issuedAt: Date;
  billingAddress: Address;
  lines: OrderLine[];
  taxRateBp: number;
  currency: string;
  subtotal: number;
  shippingAmount: number;
  taxAmount: number;
  total: number;
}

/** The next number of `year`; only meaningful inside the transaction that inserts its invoice. */
export async function nextInvoiceSequence(tx: Queryable, year: number): Promise<number> {
  const { rows } = await tx.query<{ last_number: number }>(
    `INSERT INTO invoice_counters (year, last_number) VALUES ($1, 1)
     ON CONFLICT (year) DO UPDATE SET last_number = invoice_counters.last_number + 1
     RETURNING last_number`,
    [year],
  );
  return rows[0]!.last_number;
}

export function formatInvoiceNumber(year: number, sequence: number): string {
  return `${year}-${String(sequence).padStart(6, '0')}`;
}

export async function insertInvoice(
  tx: Queryable,
  invoice: InvoiceRow & { year: number; sequence: number },
): Promise<void> {
  await tx.query(
    `INSERT INTO invoices (id, number, year, sequence, order_id, user_id, issued_at, billing_address,
       lines, tax_rate_bp, currency, subtotal, shipping_amount, tax_amount, total)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
    [
      invoice.id,
      invoice.number,
      invoice.year,
      invoice.sequence,
      invoice.orderId,
      invoice.userId,
      invoice.issuedAt,
      JSON.stringify(invoice.billingAddress),
      JSON.stringify(invoice.lines),
      invoice.taxRateBp,
      invoice.currency,
      invoice.subtotal,
      invoice.shippingAmount,
      invoice.taxAmount,
      invoice.total,
    ],
  );
}

export async function findInvoice(db: Queryable, id: string): Promise<InvoiceRow | undefined> {
  const { rows } = await db.query(
    `SELECT id, number, order_id, user_id, issued_at, billing_address, lines, tax_rate_bp, currency,
       subtotal, shipping_amount, tax_amount, total
     FROM invoices WHERE id = $1`,
    [id],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    id: row.id,
    number: row.number,
    orderId: row.order_id,
    userId: row.user_id,
    issuedAt: row.issued_at,
    billingAddress: row.billing_address,
    lines: row.lines,
    taxRateBp: row.tax_rate_bp,
    currency: row.currency.trim(),
    subtotal: Number(row.subtotal),
    shippingAmount: Number(row.shipping_amount),
    taxAmount: Number(row.tax_amount),
    total: Number(row.total),
  };
}

export function toInvoice(row: InvoiceRow): Invoice {
  const money = (amount: number) => ({ amount, currency: row.currency });
  return {
    id: row.id,
    number: row.number,
    orderId: row.orderId,
    userId: row.userId,
    issuedAt: row.issuedAt.toISOString(),
    billingAddress: row.billingAddress,
    lines: row.lines,
    taxRateBasisPoints: row.taxRateBp,
    totals: {
      subtotal: money(row.subtotal),
      shipping: money(row.shippingAmount),
      tax: money(row.taxAmount),
      total: money(row.total),
    },
  };
}
