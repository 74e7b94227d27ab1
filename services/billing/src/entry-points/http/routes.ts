// billing's routes of the contract's table: authenticate with profiles, validate, run one use case,
// answer. Every route is the caller's own: the session says who the caller is.
import { billingRoutes as routes } from '@trio/contracts/billing';
import { AppError } from '@trio/service-runtime/errors';
import { requireIdempotencyKey, validate } from '@trio/service-runtime/validate';
import type { Express, RequestHandler, Response } from 'express';
import { getInvoice } from '../../domain/invoices.ts';
import { getOrder, listUserOrders, type OrderDeps, placeOrder } from '../../domain/orders.ts';
import type { Caller, ProfilesPeer } from '../../peers/profiles.ts';
import { renderInvoiceHtml } from '../../views/invoice-page.ts';

export interface RouteDeps extends OrderDeps {
  profiles: ProfilesPeer;
}

/** Sets `res.locals.caller` from `Authorization: Bearer <token>` (a live profiles session), or answers 401. */
function requireSession(profiles: ProfilesPeer): RequestHandler {
  return async (req, res, next) => {
    const [scheme, token] = (req.get('authorization') ?? '').split(' ');
    const caller =
      scheme?.toLowerCase() === 'bearer' && token !== undefined && token !== ''
        ? await profiles.caller(token)
        : undefined;
    if (caller === undefined) {
      res.set('www-authenticate', 'Bearer realm="trio"');
      throw new AppError('unauthorized', 'Log in first: this needs a valid session token', { status: 401 });
    }
    res.locals.caller = caller;
    next();
  };
}

const caller = (res: Response) => res.locals.caller as Caller;

export function billingHttpRoutes(app: Express, deps: RouteDeps): void {
  const auth = requireSession(deps.profiles);

  app.post(
    routes.placeOrder.path,
    auth,
    requireIdempotencyKey,
    validate({ body: routes.placeOrder.body }),
    async (req, res) => {
      const { order, replayed } = await placeOrder(
        deps,
        caller(res).userId,
        req.get('idempotency-key')!,
        req.body,
      );
      if (replayed) res.set('idempotent-replayed', 'true');
      res.status(201).location(`/orders/${order.id}`).json(order);
    },
  );
  // Typed loosely: express cannot chain a handler with a parsed query type after `auth`.
  const listQuery = validate({ query: routes.listOrders.query }) as unknown as RequestHandler;
  app.get(routes.listOrders.path, auth, listQuery, async (req, res) => {
    const { page, pageSize } = req.query as unknown as { page: number; pageSize: number };
    res.json(await listUserOrders(deps.db, caller(res).userId, page, pageSize));
  });
  app.get(routes.getOrder.path, auth, validate({ params: routes.getOrder.params }), async (req, res) => {
    res.json(await getOrder(deps.db, caller(res).userId, req.params.orderId));
  });
  app.get(routes.getInvoice.path, auth, validate({ params: routes.getInvoice.params }), async (req, res) => {
    const { invoice, customer } = await getInvoice(deps.db, caller(res).userId, req.params.invoiceId);
    res.format({
      'application/json': () => res.json(invoice),
      'text/html': () => res.type('html').send(renderInvoiceHtml(invoice, customer)),
    });
  });
}
