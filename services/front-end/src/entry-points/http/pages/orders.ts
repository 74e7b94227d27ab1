// A customer's orders and invoices. The invoice is billing's printable page, passed through with a
// policy of its own.
import { InvoiceId, OrderId } from '@trio/contracts/common';
import { AppError } from '@trio/service-runtime/errors';
import type { Router } from 'express';
import { getOrder, invoicePage, listOrders } from '../../../domain/orders.ts';
import { requireUser } from '../../../domain/shop.ts';
import { orderPage, ordersPage } from '../../../views/orders.ts';
import { currentSession } from '../session.ts';
import type { PageKit } from './kit.ts';

/** billing's printable invoice has an inline <style> and no script: it gets a policy of its own. */
export const invoiceContentSecurityPolicy =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function orderPages(router: Router, { deps, send }: PageKit): void {
  router.get('/orders', async (_req, res) => {
    const orders = await listOrders(deps, currentSession(res));
    await send(res, { title: 'Your orders', main: ordersPage(orders) });
  });

  router.get('/orders/:id', async (req, res) => {
    requireUser(currentSession(res));
    const id = OrderId.safeParse(req.params.id);
    if (!id.success) throw new AppError('not_found', 'There is no such order', { status: 404 });
    const order = await getOrder(deps, currentSession(res), id.data);
    const titles = {
      confirmed: 'Order confirmed',
      pending: 'Order pending',
      failed: 'Order failed',
      cancelled: 'Order cancelled',
    };
    await send(res, { title: titles[order.status], main: orderPage(order) });
  });

  router.get('/invoices/:id', async (req, res) => {
    requireUser(currentSession(res));
    const id = InvoiceId.safeParse(req.params.id);
    if (!id.success) throw new AppError('not_found', 'There is no such invoice', { status: 404 });
    const page = await invoicePage(deps, currentSession(res), id.data);
    res
      .set('content-security-policy', invoiceContentSecurityPolicy)
      .set('cache-control', 'no-store')
      .type('html')
      .send(page);
  });
}
