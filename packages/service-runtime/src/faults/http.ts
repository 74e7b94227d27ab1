// The HTTP side of faults on demand: before a request reaches its route, it may wait (`latency`),
// be answered 503 fault_injected (`http-error`), or be held without an answer while `hang` is set.
// Probes and metrics are mounted before it: a faulted service still reports its own state.
import type { RequestHandler } from 'express';
import { type Faults, injectedFault } from './faults.ts';

export function faultMiddleware(faults: Faults): RequestHandler {
  return async (_req, _res, next) => {
    if (Object.keys(faults.current()).length === 0) return next();
    await faults.holdAndDelay();
    if (faults.roll(faults.current()['http-error'])) {
      faults.injected('http-error');
      return next(injectedFault('service'));
    }
    next();
  };
}
