// One latency observation and one access-log line per request, when the response is done (or the
// client gave up). Labelled by route pattern: `/products/:id`, not `/products/42`.
// The line is at `info` for what someone reading the logs is after: a refusal or failure (status
// 400 and up), a request the client gave up on, or one slower than `slowRequestMs`; a fast success
// is at `debug` (LOG_LEVEL=debug shows every request). Under load the line per request was the
// largest single cost of the cheap paths (issue 14: pino's redaction and the synchronous write,
// 10-20 % of a service's CPU); the latency histogram still counts every request.
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { getContext, runWithContext } from '../context.ts';
import type { Metrics } from '../metrics.ts';
import { context } from '../tracing.ts';

/** The label for requests no route matched (404s, bodies rejected before routing). */
const unmatchedRoute = 'unmatched';

function routeOf(req: Request): string {
  // Mount paths with parameters would show their values here; mount routers on fixed paths.
  return req.route ? `${req.baseUrl}${String(req.route.path)}` : unmatchedRoute;
}

/** A successful request slower than this is logged at `info`. */
export const slowRequestMs = 500;

export function requestLog(log: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    // When the client goes away, 'close' comes from the socket, outside the request's async
    // context: the line is written in the request's context (its ids and span), captured here.
    // Capturing two references is cheaper than binding the listener (an AsyncResource per
    // request), and most requests write no line at all.
    const requestContext = getContext();
    const spanContext = context.active();
    res.once('close', () => {
      const seconds = (performance.now() - started) / 1000;
      const route = routeOf(req);
      const status = res.statusCode;
      metrics.httpRequestDuration.observe({ method: req.method, route, status: String(status) }, seconds);
      const aborted = !res.writableFinished;
      const notable = status >= 400 || aborted || seconds * 1000 >= slowRequestMs;
      if (!notable && !log.isLevelEnabled('debug')) return;
      const line = {
        method: req.method,
        route,
        // The path only: query strings can carry tokens.
        path: req.originalUrl.split('?', 1)[0],
        status,
        durationMs: Math.round(seconds * 1000),
        errorCode: res.locals.errorCode,
        aborted: aborted ? true : undefined,
      };
      const write = () => log[notable ? 'info' : 'debug'](line, 'request completed');
      context.with(spanContext, () =>
        requestContext === undefined ? write() : runWithContext(requestContext, write),
      );
    });
    next();
  };
}
