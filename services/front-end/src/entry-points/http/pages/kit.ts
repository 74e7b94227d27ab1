// What every area's page routes share: the shop's dependencies, the cookie settings, the form
// body parser with its CSRF check, and `send`, which wraps a page's main content in the layout
// (the header's cart count and CSRF token included).
import type { ApiCart } from '@trio/contracts/front-end';
import type { RequestHandler, Response } from 'express';
import type { ShopDeps } from '../../../domain/shop.ts';
import type { SafeHtml } from '../../../views/html.ts';
import type { CookieSettings } from '../session.ts';

export interface PageOptions {
  title: string;
  main: SafeHtml;
  status?: number;
  /** The cart when the handler has it already (the header shows its count). */
  cart?: ApiCart;
  /** The search box's value. */
  q?: string;
  /**
   * `main` is a kept object, sent again as it is until the catalogue changes: its whole page (per
   * shareable header) is kept as bytes with its ETag (pages/rendered.ts).
   */
  kept?: boolean;
}

export interface PageKit {
  deps: ShopDeps;
  cookie: CookieSettings;
  /** Parses an urlencoded form body. */
  form: RequestHandler;
  /** Refuses a form without this session's CSRF token (403). */
  csrf: RequestHandler;
  send(res: Response, page: PageOptions): Promise<void>;
}
