// The rpc client's circuit breaker (the policy is @trio/service-runtime/breaker's, shared with the
// REST peers): calls fail at once with CircuitOpen while the peer keeps failing. A failure is no
// answer (TimeoutExpired, LostRemote) or an ERR that says the server could not run the call
// (ServiceUnavailable, InternalError, FaultInjected); an error the contract names is an answer.
import { createBreaker } from '@trio/service-runtime/breaker';
import { BrokenCircuitError } from 'cockatiel';
import type { Registry } from 'prom-client';
import { CircuitOpen, LostRemote, RemoteError, TimeoutExpired } from './errors.ts';

const serverFailures = new Set(['ServiceUnavailable', 'InternalError', 'FaultInjected']);

export function isPeerFailure(error: unknown): boolean {
  if (error instanceof CircuitOpen) return false;
  if (error instanceof RemoteError) return serverFailures.has(error.name);
  return error instanceof TimeoutExpired || error instanceof LostRemote;
}

/** Runs one call (with its retries) through the peer's breaker. */
export function createCallBreaker(peer: string, registry: Registry | undefined) {
  const breaker = createBreaker({ peer, transport: 'zerorpc', registry, isFailure: isPeerFailure });
  return async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await breaker.execute(call);
    } catch (error) {
      throw error instanceof BrokenCircuitError ? new CircuitOpen(peer) : error;
    }
  };
}
