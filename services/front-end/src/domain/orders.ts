// A customer's orders and invoices, as billing keeps them.
import type { Order } from '@trio/contracts/billing';
import type { ApiOrder } from '@trio/contracts/front-end';
import { bodyOf, passOn } from './peer-replies.ts';
import type { ShopSession } from './sessions.ts';
import { requireUser, type ShopDeps } from './shop.ts';

export function apiOrder(order: Order): ApiOrder {
  return {
    id: order.id,
    status: order.status,
    state: order.state,
    ...(order.reason === undefined ? {} : { reason: order.reason }),
    lines: order.lines,
    totals: order.totals,
    ...(order.invoiceId === undefined ? {} : { invoiceId: order.invoiceId }),
    ...(order.traceId === undefined ? {} : { traceId: order.traceId }),
    createdAt: order.createdAt,
  };
}

export async function listOrders(deps: ShopDeps, session: ShopSession | undefined): Promise<Order[]> {
  const user = requireUser(session);
  const reply = await deps.billing.listOrders({ token: user.token, query: { pageSize: 100 } });
  return bodyOf('billing', reply, 200).items;
}

export async function getOrder(deps: ShopDeps, session: ShopSession | undefined, id: string): Promise<Order> {
  const user = requireUser(session);
  return bodyOf('billing', await deps.billing.getOrder({ token: user.token, params: { orderId: id } }), 200);
}

/** billing's printable invoice page, for the customer it belongs to. */
export async function invoicePage(
  deps: ShopDeps,
  session: ShopSession | undefined,
  id: string,
): Promise<string> {
  const user = requireUser(session);
  const reply = await deps.billing.getInvoice({
    token: user.token,
    params: { invoiceId: id },
    accept: 'html',
  });
  if ('html' in reply) return reply.html;
  throw passOn(reply);
}
