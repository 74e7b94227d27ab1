// The circuit breaker every call to a peer goes through (REST: createRestPeer; ZeroRPC: the rpc
// client), so that the policy lives here once: after 5 failures in a row (no answer, a timeout, a
// 5xx or its RPC equivalent) the breaker opens and calls fail at once, without waiting for their
// timeout, for 1 s, then 2 s, 4 s … up to 30 s; one trial call (half-open) then closes it again or
// reopens it. Its state is in the service's metrics: circuit_breaker_state{peer,transport} (0
// closed, 1 open, 2 half-open) and circuit_breaker_opened_total{peer,transport}.
import {
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
  noJitterGenerator,
} from 'cockatiel';
import { Counter, Gauge, type Registry } from 'prom-client';

export interface BreakerOptions {
  /** The called service, e.g. `catalog`. */
  peer: string;
  transport: 'http' | 'zerorpc';
  /** The service's registry; a private one when omitted (tests, scripts). */
  registry?: Registry;
  /** Which errors count as the peer failing (an answer the contract names is not a failure). */
  isFailure(error: unknown): boolean;
  /** Which answers count as failing, e.g. a 5xx. */
  isFailedResult?(result: unknown): boolean;
  /** Failures in a row that open it; 5. */
  threshold?: number;
  /** First wait before a trial call; doubled each time the trial fails, up to 30 s. 1 s. */
  halfOpenAfterMs?: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface Breaker {
  execute<T>(call: () => Promise<T>): Promise<T>;
  readonly state: BreakerState;
}

const stateValue: Record<BreakerState, number> = { closed: 0, open: 1, 'half-open': 2 };

function stateOf(state: CircuitState): BreakerState {
  if (state === CircuitState.Closed) return 'closed';
  return state === CircuitState.HalfOpen ? 'half-open' : 'open';
}

/** A metric of the registry: the one registered already (several peers and clients share it), or a new one. */
function metricOn<M>(registry: Registry, name: string, make: (registers: Registry[]) => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make([registry]);
}

function breakerMetrics(registry: Registry) {
  const labelNames = ['peer', 'transport'] as const;
  const gauge = metricOn(
    registry,
    'circuit_breaker_state',
    (registers) =>
      new Gauge({
        name: 'circuit_breaker_state',
        help: 'Circuit breaker of calls to a peer: 0 closed, 1 open (calls fail at once), 2 half-open (one trial call)',
        labelNames,
        registers,
      }),
  );
  const opened = metricOn(
    registry,
    'circuit_breaker_opened_total',
    (registers) =>
      new Counter({
        name: 'circuit_breaker_opened_total',
        help: 'Times the circuit breaker of calls to a peer opened',
        labelNames,
        registers,
      }),
  );
  return { gauge, opened };
}

export function createBreaker(options: BreakerOptions): Breaker {
  let handled = handleWhen(options.isFailure);
  if (options.isFailedResult !== undefined) handled = handled.orWhenResult(options.isFailedResult);
  const policy: CircuitBreakerPolicy = circuitBreaker(handled, {
    breaker: new ConsecutiveBreaker(options.threshold ?? 5),
    halfOpenAfter: new ExponentialBackoff({
      generator: noJitterGenerator,
      initialDelay: options.halfOpenAfterMs ?? 1_000,
      maxDelay: 30_000,
    }),
  });
  if (options.registry !== undefined) {
    const { gauge, opened } = breakerMetrics(options.registry);
    const labels = { peer: options.peer, transport: options.transport };
    gauge.set(labels, 0);
    policy.onStateChange((state) => {
      gauge.set(labels, stateValue[stateOf(state)]);
      if (state === CircuitState.Open) opened.inc(labels);
    });
  }
  return {
    execute: (call) => policy.execute(call),
    get state() {
      return stateOf(policy.state);
    },
  };
}
