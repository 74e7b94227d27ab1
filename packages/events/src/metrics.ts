// Prometheus series of the event bus. Publisher, relay and consumers of one process share one set,
// registered on the service's registry (host.metrics.registry); asking twice for the same registry
// returns the same set, since prom-client refuses to register a name twice.
import { Counter, Gauge, Registry } from 'prom-client';

export interface EventMetrics {
  registry: Registry;
  /** Events written to a channel by the publisher. */
  published: Counter<'type'>;
  /** Events the broker confirmed (they are safe on the broker). */
  confirmed: Counter<'type'>;
  /** Events the broker returned because no queue was bound for their type. */
  unroutable: Counter<'type'>;
  /** Deliveries a consumer settled: handled, or skipped as a duplicate by the inbox. */
  consumed: Counter<'queue' | 'type' | 'outcome'>;
  /** Deliveries whose handler failed and that were sent to a retry tier. */
  retried: Counter<'queue' | 'type'>;
  /** Deliveries moved to `<queue>.dlq`, by reason. */
  deadLettered: Counter<'queue' | 'reason'>;
  /** Outbox rows the relay published and marked sent. */
  relayed: Counter;
  /** Outbox rows not sent yet, as of the last scrape. */
  outboxPending: Gauge;
  /** Age of the oldest unsent outbox row (0 when none), as of the last scrape. */
  outboxLagSeconds: Gauge;
}

const byRegistry = new WeakMap<Registry, EventMetrics>();

/** The bus metrics on `registry`; a private registry when none is given (tests, tools). */
export function createEventMetrics(registry: Registry = new Registry()): EventMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const metrics: EventMetrics = {
    registry,
    published: new Counter({
      name: 'events_published_total',
      help: 'Events written to the broker by this process',
      labelNames: ['type'] as const,
      registers,
    }),
    confirmed: new Counter({
      name: 'events_confirmed_total',
      help: 'Published events the broker confirmed',
      labelNames: ['type'] as const,
      registers,
    }),
    unroutable: new Counter({
      name: 'events_unroutable_total',
      help: 'Published events no queue was bound for (the broker dropped them)',
      labelNames: ['type'] as const,
      registers,
    }),
    consumed: new Counter({
      name: 'events_consumed_total',
      help: 'Deliveries settled by a consumer: outcome "handled", or "duplicate" when the inbox had it already',
      labelNames: ['queue', 'type', 'outcome'] as const,
      registers,
    }),
    retried: new Counter({
      name: 'events_retried_total',
      help: 'Deliveries whose handler failed and that wait in a retry tier',
      labelNames: ['queue', 'type'] as const,
      registers,
    }),
    deadLettered: new Counter({
      name: 'events_dead_lettered_total',
      help: 'Deliveries moved to the dead-letter queue',
      labelNames: ['queue', 'reason'] as const,
      registers,
    }),
    relayed: new Counter({
      name: 'events_outbox_relayed_total',
      help: 'Outbox rows published with a confirm and marked sent',
      registers,
    }),
    outboxPending: new Gauge({
      name: 'events_outbox_pending',
      help: 'Outbox rows not published yet',
      registers,
    }),
    outboxLagSeconds: new Gauge({
      name: 'events_outbox_lag_seconds',
      help: 'Age of the oldest outbox row not published yet (0 when there is none)',
      registers,
    }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
