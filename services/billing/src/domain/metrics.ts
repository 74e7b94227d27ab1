// What billing tells Prometheus about checkouts: how each saga ended and how long it took, and how
// many are waiting for a retry (a peer down shows here first).
import { Counter, Histogram, type Registry } from 'prom-client';

export interface SagaMetrics {
  /** outcome: `invoiced`, or the failure reason. */
  finished: Counter<'outcome'>;
  duration: Histogram<'outcome'>;
  /** Each step's time, by the state it started from: where a slow checkout spends it. */
  stepDuration: Histogram<'state' | 'outcome'>;
  /** Steps that got no answer and were left for a later attempt. */
  deferred: Counter<'state'>;
}

export function createSagaMetrics(registry: Registry): SagaMetrics {
  return {
    finished: new Counter({
      name: 'billing_checkouts_total',
      help: 'Checkout sagas that ended, by outcome (invoiced or the failure reason)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'billing_checkout_duration_seconds',
      help: 'From the order being placed to its saga ending',
      labelNames: ['outcome'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    stepDuration: new Histogram({
      name: 'billing_saga_step_duration_seconds',
      help: 'One saga step (its call and its state change), by the state it started from and its outcome',
      labelNames: ['state', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    deferred: new Counter({
      name: 'billing_saga_steps_deferred_total',
      help: 'Saga steps that got no answer and were left for the sweeper, by state',
      labelNames: ['state'] as const,
      registers: [registry],
    }),
  };
}
