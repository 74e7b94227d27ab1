// The public JSON API (the BFF) of the contract's table, `frontEndRoutes`: the pages' scripts and
// load generators use it with the session cookie. Mutations accept only JSON bodies, which a form
// on another site cannot send without a CORS preflight the shop never grants; with the SameSite
// cookie that is the API's CSRF protection (the HTML forms carry a token instead).
import { frontEndRoutes as routes } from '@trio/contracts/front-end';
import { AppError } from '@trio/service-runtime/errors';
import { requireIdempotencyKey, validate } from '@trio/service-runtime/validate';
import type { Express, RequestHandler } from 'express';
import { logIn, logOut, register } from '../../domain/account.ts';
import { addToCart, cartOf, removeCartLine, updateCartLine } from '../../domain/cart.ts';
import { listCategories, listProducts, productDetail } from '../../domain/catalog.ts';
import { checkout, quoteShipping } from '../../domain/checkout.ts';
import { apiOrder, getOrder, listOrders } from '../../domain/orders.ts';
import type { ShopDeps } from '../../domain/shop.ts';
import {
  type CookieSettings,
  clearSession,
  currentSession,
  ensureSession,
  shopperOf,
  useSession,
} from './session.ts';

/** A mutation must be JSON, and from this shop's own pages when the browser says where it comes from. */
const sameOriginJson: RequestHandler = (req, _res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  const origin = req.get('origin');
  if (origin !== undefined && origin !== 'null' && hostOf(origin) !== req.get('host')) {
    throw new AppError('forbidden', 'Cross-site requests are not accepted', { status: 403 });
  }
  if (
    req.get('content-length') !== undefined &&
    req.get('content-length') !== '0' &&
    !req.is('application/json')
  ) {
    throw new AppError('unsupported_media_type', 'Send JSON (Content-Type: application/json)', {
      status: 415,
    });
  }
  next();
};

/** The host an Origin header names; undefined for one that is not a URL (`Origin: foo`), which is no site of ours. */
function hostOf(origin: string): string | undefined {
  return URL.parse(origin)?.host;
}

const loose = (handler: unknown) => handler as RequestHandler;

export function apiRoutes(app: Express, deps: ShopDeps, cookie: CookieSettings): void {
  app.use('/api', sameOriginJson);

  app.get(
    routes.listProducts.path,
    loose(validate({ query: routes.listProducts.query })),
    async (req, res) => {
      res.json(await listProducts(deps, req.query as never));
    },
  );
  app.get(routes.getProduct.path, validate({ params: routes.getProduct.params }), async (req, res) => {
    res.json(await productDetail(deps, req.params.sku));
  });
  app.get(routes.listCategories.path, async (_req, res) => {
    res.json(await listCategories(deps));
  });

  app.get(routes.getCart.path, async (_req, res) => {
    res.json(await cartOf(deps, currentSession(res)));
  });
  app.post(routes.addCartItem.path, validate({ body: routes.addCartItem.body }), async (req, res) => {
    const session = await ensureSession(res, deps.sessions, cookie);
    res.json(await addToCart(deps, session, req.body.sku, req.body.qty));
  });
  app.patch(
    routes.updateCartItem.path,
    loose(validate({ params: routes.updateCartItem.params, body: routes.updateCartItem.body })),
    async (req, res) => {
      const session = currentSession(res);
      if (session === undefined) throw new AppError('not_found', 'The cart is empty', { status: 404 });
      res.json(
        await updateCartLine(deps, session, String(req.params.sku), (req.body as { qty: number }).qty),
      );
    },
  );
  app.delete(
    routes.removeCartItem.path,
    validate({ params: routes.removeCartItem.params }),
    async (req, res) => {
      const session = currentSession(res);
      if (session === undefined) throw new AppError('not_found', 'The cart is empty', { status: 404 });
      res.json(await removeCartLine(deps, session, req.params.sku));
    },
  );

  app.post(routes.register.path, validate({ body: routes.register.body }), async (req, res) => {
    const { session, user } = await register(deps, currentSession(res), req.body, shopperOf(req));
    useSession(res, session, cookie);
    res.status(201).json(user);
  });
  app.post(routes.login.path, validate({ body: routes.login.body }), async (req, res) => {
    const { session, user } = await logIn(deps, currentSession(res), req.body, shopperOf(req));
    useSession(res, session, cookie);
    res.json(user);
  });
  app.delete(routes.logout.path, async (_req, res) => {
    const session = currentSession(res);
    if (session !== undefined) await logOut(deps, session);
    clearSession(res, cookie);
    res.status(204).end();
  });

  app.post(routes.quoteShipping.path, validate({ body: routes.quoteShipping.body }), async (req, res) => {
    res.json(await quoteShipping(deps, currentSession(res), req.body.destination));
  });
  app.post(
    routes.checkout.path,
    requireIdempotencyKey,
    validate({ body: routes.checkout.body }),
    async (req, res) => {
      const order = await checkout(deps, currentSession(res), req.get('idempotency-key')!, req.body);
      res.status(201).json({ orderId: order.id, status: order.status });
    },
  );
  app.get(routes.listOrders.path, async (_req, res) => {
    res.json({ items: (await listOrders(deps, currentSession(res))).map(apiOrder) });
  });
  app.get(routes.getOrder.path, validate({ params: routes.getOrder.params }), async (req, res) => {
    res.json(apiOrder(await getOrder(deps, currentSession(res), req.params.id)));
  });
}
