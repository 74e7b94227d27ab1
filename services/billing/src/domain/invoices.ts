// Reading an invoice: only the customer it was issued to sees it; anyone else gets the 404 of an
// unknown id. The customer's record comes along for the printable page (views/invoice-page.ts).
import type { Invoice } from '@trio/contracts/billing';
import { AppError } from '@trio/service-runtime/errors';
import type { Postgres } from '@trio/service-runtime/postgres';
import { type Customer, findCustomer } from '../data-access/customers.ts';
import { findInvoice, toInvoice } from '../data-access/invoices.ts';

export async function getInvoice(
  db: Postgres,
  userId: string,
  invoiceId: string,
): Promise<{ invoice: Invoice; customer: Customer | undefined }> {
  const row = await findInvoice(db, invoiceId);
  if (row === undefined || row.userId !== userId) {
    throw new AppError('not_found', `You have no invoice with id ${invoiceId}`, { status: 404 });
  }
  return { invoice: toInvoice(row), customer: await findCustomer(db, userId) };
}
