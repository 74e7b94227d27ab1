// Gives each request its span and context (request id, trace, correlation id) before anything else
// runs, so every log line the request causes can name it, and tells the caller which request id to
// quote. The SERVER span is the http instrumentation's when the SDK was preloaded with it
// (instrument.ts); otherwise this middleware starts one from the caller's `traceparent`, so a
// service's REST hop is a span of the trace either way.
import type { Request, RequestHandler, Response } from 'express';
import { createContext, runWithContext } from '../context.ts';
import { context, extractContext, type Span, SpanKind, SpanStatusCode, trace, tracer } from '../tracing.ts';

const httpTracer = tracer('@trio/service-runtime/http');

function routeOf(req: Request): string | undefined {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? req.baseUrl + path : undefined;
}

/** Names the span after the route that answered (`POST /api/checkout`); ends it when it is ours. */
function finishOnClose(span: Span, req: Request, res: Response, ours: boolean): void {
  res.once('close', () => {
    const route = routeOf(req);
    if (route !== undefined) {
      span.updateName(`${req.method} ${route}`);
      span.setAttribute('http.route', route);
    }
    if (!ours) return;
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
}

export function requestContext(): RequestHandler {
  return (req, res, next) => {
    const run = () => {
      const requestContext = createContext({
        requestId: req.get('x-request-id'),
        traceparent: req.get('traceparent'),
        correlationId: req.get('x-correlation-id'),
      });
      res.setHeader('x-request-id', requestContext.requestId);
      runWithContext(requestContext, next);
    };
    const active = trace.getActiveSpan();
    if (active !== undefined) {
      finishOnClose(active, req, res, false);
      return run();
    }
    const parent = extractContext(req.headers);
    const span = httpTracer.startSpan(
      req.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': req.method,
          'url.path': req.path,
          'url.scheme': req.protocol,
          'server.port': req.socket.localPort ?? 0,
        },
      },
      parent,
    );
    finishOnClose(span, req, res, true);
    context.with(trace.setSpan(parent, span), run);
  };
}
