// Gives each request its context (request id, trace, correlation id) before anything else runs, so
// every log line the request causes can name it, and tells the caller which request id to quote.
import type { RequestHandler } from 'express';
import { createContext, runWithContext } from '../context.ts';

export function requestContext(): RequestHandler {
  return (req, res, next) => {
    const context = createContext({
      requestId: req.get('x-request-id'),
      traceparent: req.get('traceparent'),
      correlationId: req.get('x-correlation-id'),
    });
    res.setHeader('x-request-id', context.requestId);
    runWithContext(context, next);
  };
}
