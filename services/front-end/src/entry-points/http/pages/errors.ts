// The page routes' errors as HTML pages (the JSON API keeps its JSON errors).
import { getContext } from '@trio/service-runtime/context';
import { AppError } from '@trio/service-runtime/errors';
import type { ErrorRequestHandler } from 'express';
import type { ShopDeps } from '../../../domain/shop.ts';
import { errorPage } from '../../../views/error.ts';
import { loginPath, safeNext } from './form-input.ts';
import type { PageKit } from './kit.ts';

const errorTitles: Record<number, string> = {
  400: 'That request did not work',
  403: 'This form has expired',
  404: 'Page not found',
  409: 'That did not work',
  413: 'That was too much',
  422: 'That did not work',
  429: 'Too many requests',
  503: 'Service unavailable',
};

/**
 * The page routes' errors as pages: not logged in → the login page, coming back afterwards; a 4xx
 * with its own message; a 5xx with a plain sentence and the request id (logged, never shown).
 */
export function pageErrors(deps: ShopDeps, send: PageKit['send']): ErrorRequestHandler {
  return async (error: unknown, req, res, next) => {
    if (res.headersSent || (error instanceof AppError && error.catastrophic)) return next(error);
    const status = httpStatusOf(error);
    if (status === 401) {
      // A form that needs a login lives on the checkout page; any page asked for is that page.
      const back = req.method === 'GET' || req.method === 'HEAD' ? req.originalUrl : '/checkout';
      return res.redirect(303, loginPath(safeNext(back)));
    }
    res.locals.errorCode =
      error instanceof AppError ? error.code : status >= 500 ? 'internal_error' : 'bad_request';
    if (status >= 500) deps.log.error({ err: error }, 'page request failed');
    const requestId = getContext()?.requestId;
    const title = errorTitles[status] ?? (status >= 500 ? 'Something went wrong' : 'That did not work');
    let message: string;
    if (status === 503)
      message = 'Part of the shop is not answering right now. Please try again in a moment.';
    else if (status >= 500) message = 'Something went wrong on our side. Please try again.';
    else if (status === 403)
      message =
        'This form has expired or did not come from this shop. Go back, reload the page and try again.';
    else if (error instanceof AppError) message = `${error.message.replace(/[.!?]?$/, '.')}`;
    else message = 'The request could not be understood.';
    try {
      await send(res, { title, status, main: errorPage({ title, message, requestId }) });
    } catch (renderError) {
      deps.log.error({ err: renderError }, 'error page could not be rendered');
      res.status(status).type('text/plain').send(`${title}. ${message}`);
    }
  };
}

/** AppError's own status; the HTTP machinery's 4xx (body too large, bad encoding); else 500. */
function httpStatusOf(error: unknown): number {
  if (error instanceof AppError) return error.code === 'unavailable' ? 503 : error.status;
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
}
