// The front-end's routes as a pure factory: connections come in, nothing is opened here, so tests
// and main.ts build the same app. Order matters: static files and images first (no session
// needed), then the session is loaded for the API and the pages.
import express, { type Express } from 'express';
import type { ShopDeps } from './domain/shop.ts';
import { apiRoutes } from './entry-points/http/api.ts';
import { imageRoutes } from './entry-points/http/images.ts';
import { pageRoutes } from './entry-points/http/pages.ts';
import { type CookieSettings, loadSession } from './entry-points/http/session.ts';

export const staticDir = new URL('../static/', import.meta.url);

export function createApp(deps: ShopDeps, cookie: CookieSettings): (app: Express) => void {
  return (app) => {
    app.use('/static', express.static(staticDir.pathname, { maxAge: '1h', index: false }));
    imageRoutes(app);
    app.use(loadSession(deps.sessions));
    apiRoutes(app, deps, cookie);
    pageRoutes(app, deps, cookie);
  };
}

/**
 * The storefront's Content-Security-Policy: everything from the shop itself, no inline script or
 * style (the pages use /static files only), forms post only to the shop, no framing.
 */
export const contentSecurityPolicy = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    baseUri: ["'self'"],
    connectSrc: ["'self'"],
    fontSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    imgSrc: ["'self'", 'data:'],
    objectSrc: ["'none'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'"],
  },
};
