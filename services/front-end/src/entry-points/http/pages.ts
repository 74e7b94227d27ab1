// The storefront's pages: server-rendered HTML that works without JavaScript. Forms post, the
// server answers with a redirect (Post/Redirect/Get) or re-renders the form with its errors.
// Every POST carries the session's CSRF token; form bodies are parsed here only (the JSON API has
// its own rules). Errors on these routes become HTML pages; the JSON API keeps its JSON errors.
//
// This file puts the areas together (pages/catalog.ts, cart.ts, account.ts, checkout.ts,
// orders.ts, mirroring views/) and gives them what they share: the form parser, the CSRF check and
// `send`, which renders a page in the layout.
import type { ApiCart } from '@trio/contracts/front-end';
import { AppError } from '@trio/service-runtime/errors';
import express, { type Express, type Response } from 'express';
import { cartOf } from '../../domain/cart.ts';
import { cartOwner, type ShopDeps } from '../../domain/shop.ts';
import { type Chrome, layout } from '../../views/layout.ts';
import { accountPages } from './pages/account.ts';
import { cartPages } from './pages/cart.ts';
import { catalogPages } from './pages/catalog.ts';
import { checkoutPages } from './pages/checkout.ts';
import { pageErrors } from './pages/errors.ts';
import type { PageKit, PageOptions } from './pages/kit.ts';
import { orderPages } from './pages/orders.ts';
import { createRenderedPages } from './pages/rendered.ts';
import { type CookieSettings, currentSession } from './session.ts';

export function pageRoutes(app: Express, deps: ShopDeps, cookie: CookieSettings): void {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '20kb' });

  const csrf: express.RequestHandler = (req, res, next) => {
    const token = (req.body as Record<string, unknown> | undefined)?._csrf;
    if (!deps.sessions.checkCsrf(currentSession(res), token)) {
      throw new AppError('forbidden', 'The form was not sent from this shop, or it has expired', {
        status: 403,
      });
    }
    next();
  };

  /** The header's facts; a failing cart costs the header its count, never the page. */
  async function chromeFor(res: Response, options: { cart?: ApiCart; q?: string }): Promise<Chrome> {
    const session = currentSession(res);
    let cartCount = options.cart?.itemCount ?? 0;
    if (options.cart === undefined && session !== undefined) {
      try {
        cartCount = (await cartOf(deps, session)).itemCount;
      } catch {
        const lines = await deps.carts.lines(cartOwner(session)).catch(() => []);
        cartCount = lines.reduce((sum, line) => sum + line.qty, 0);
      }
    }
    return {
      user: session?.user,
      cartCount,
      csrf: session === undefined ? undefined : deps.sessions.csrfToken(session),
      q: options.q,
    };
  }

  const rendered = createRenderedPages();
  async function send(res: Response, page: PageOptions): Promise<void> {
    const chrome = await chromeFor(res, page);
    const render = () => layout({ title: page.title, chrome, main: page.main });
    res.status(page.status ?? 200).set('cache-control', 'no-store');
    if (page.kept === true && rendered.send(res, page.main, page.title, chrome, render)) return;
    res.type('html').send(render());
  }

  const kit: PageKit = { deps, cookie, form, csrf, send };
  catalogPages(router, kit);
  cartPages(router, kit);
  accountPages(router, kit);
  checkoutPages(router, kit);
  orderPages(router, kit);

  // Any other address outside the JSON API is a page that does not exist.
  router.use((req, _res, next) => {
    if (req.path === '/api' || req.path.startsWith('/api/')) return next();
    throw new AppError('not_found', 'We could not find the page you were looking for', { status: 404 });
  });

  router.use(pageErrors(deps, send));
  app.use(router);
}
