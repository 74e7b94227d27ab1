// One access-log line and one latency observation per request, when the response is done (or the
// client gave up). Labelled by route pattern: `/products/:id`, not `/products/42`.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.ts';

/** The label for requests no route matched (404s, bodies rejected before routing). */
const unmatchedRoute = 'unmatched';

function routeOf(req: Request): string {
  // Mount paths with parameters would show their values here; mount routers on fixed paths.
  return req.route ? `${req.baseUrl}${String(req.route.path)}` : unmatchedRoute;
}

export function requestLog(log: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    // When the client goes away, 'close' comes from the socket, outside the request's async
    // context: bind the listener so the line still carries the request's ids.
    res.once(
      'close',
      AsyncLocalStorage.bind(() => {
        const seconds = (performance.now() - started) / 1000;
        const route = routeOf(req);
        const status = res.statusCode;
        metrics.httpRequestDuration.observe({ method: req.method, route, status: String(status) }, seconds);
        log.info(
          {
            method: req.method,
            route,
            // The path only: query strings can carry tokens.
            path: req.originalUrl.split('?', 1)[0],
            status,
            durationMs: Math.round(seconds * 1000),
            errorCode: res.locals.errorCode,
            aborted: res.writableFinished ? undefined : true,
          },
          'request completed',
        );
      }),
    );
    next();
  };
}
