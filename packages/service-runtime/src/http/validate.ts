// Request validation against zod schemas from the contracts. Every failing field of params, query
// and body is reported in one 400, so a client fixes its request in one round. On success the
// parsed values (coerced, defaulted, stripped of unknown keys) replace the raw ones and are typed
// for the handler that follows:
//
//   app.post('/orders', validate({ body: PlaceOrderRequest }), async (req, res) => { req.body.items … });

import { type FieldIssue, IdempotencyHeaders, toFieldIssues } from '@trio/contracts/common';
import type { Request, RequestHandler } from 'express';
import type { z } from 'zod';
import { AppError } from '../errors.ts';

export interface RequestSchemas<Params, Query, Body> {
  params?: z.ZodType<Params>;
  query?: z.ZodType<Query>;
  body?: z.ZodType<Body>;
}

/** A failing field, in the shop's one error body (`ErrorBody` in @trio/contracts/common). */
export type ValidationDetail = FieldIssue & { location: 'params' | 'query' | 'body' };

export function validate<Params = Request['params'], Query = Request['query'], Body = unknown>(
  schemas: RequestSchemas<Params, Query, Body>,
): RequestHandler<Params, unknown, Body, Query> {
  return async (req, _res, next) => {
    const details: ValidationDetail[] = [];
    const parsed: [ValidationDetail['location'], unknown][] = [];
    for (const location of ['params', 'query', 'body'] as const) {
      const schema = schemas[location];
      if (schema === undefined) continue;
      const result = await schema.safeParseAsync(req[location]);
      if (result.success) {
        parsed.push([location, result.data]);
        continue;
      }
      for (const issue of toFieldIssues(result.error)) details.push({ ...issue, location });
    }
    if (details.length > 0) {
      throw new AppError('validation_failed', 'Request validation failed', { status: 400, details });
    }
    for (const [location, value] of parsed) {
      // Express 5 makes req.query a getter, so plain assignment would throw: redefine instead.
      Object.defineProperty(req, location, { value, writable: true, enumerable: true, configurable: true });
    }
    next();
  };
}

/**
 * 400 without a well-formed `Idempotency-Key` header, before the body is looked at: a mutation that
 * must be idempotent is refused rather than run without a key.
 */
export const requireIdempotencyKey: RequestHandler = (req, _res, next) => {
  const given = req.get('idempotency-key');
  const result = IdempotencyHeaders.safeParse({ 'idempotency-key': given });
  if (!result.success) {
    const problem = given === undefined ? 'is required' : result.error.issues[0]?.message;
    throw new AppError('validation_failed', 'Request validation failed', {
      status: 400,
      details: [{ path: 'Idempotency-Key', message: `header ${problem}` }],
    });
  }
  next();
};
