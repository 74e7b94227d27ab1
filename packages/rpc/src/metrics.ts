// Prometheus series of the RPC transport, registered on the service's registry
// (host.metrics.registry). Servers and clients of one process share one set per registry, since
// prom-client refuses to register a name twice; a client's series carry the `peer` it calls (the
// registry's default labels already name our own service).
//
// Every call touches three series on each side (in flight up and down, one duration). prom-client
// rebuilds and hashes a string of the labels on every inc/dec, a visible share of a small call's
// CPU; so an in-flight child adds to a plain delta that the gauge's `collect` applies (through
// prom-client's own `inc`) whenever the gauge is read.
import { Counter, Gauge, Histogram, type LabelValues, Registry } from 'prom-client';
export interface RpcMetrics {
  registry: Registry;
  serverDuration: Histogram<'method' | 'outcome'>;
  serverErrors: Counter<'method' | 'error'>;
  serverInFlight: Gauge<'method'>;
  /** Incoming messages that were not a valid event for a live channel, by reason. */
  serverGarbage: Counter<'reason'>;
  /** Replies and stream items that could not be delivered, by reason. */
  serverDropped: Counter<'reason'>;
  clientDuration: Histogram<'peer' | 'method' | 'outcome'>;
  clientErrors: Counter<'peer' | 'method' | 'error'>;
  clientInFlight: Gauge<'peer'>;
  clientRetries: Counter<'peer' | 'method'>;
  clientGarbage: Counter<'peer' | 'reason'>;
  /** An in-flight child of `serverInFlight` for one label set, made once and shared. */
  serverInFlightChild(labels: LabelValues<'method'>): GaugeChild;
  clientInFlightChild(labels: LabelValues<'peer'>): GaugeChild;
}

// Round trips on one host take ~100 µs; a slow database call takes seconds.
const buckets = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

const byRegistry = new WeakMap<Registry, RpcMetrics>();

/** The RPC metrics on `registry`; a private registry when none is given. */
export function createRpcMetrics(registry: Registry = new Registry()): RpcMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  // Declared before the gauges whose `collect` reads them; bound to the gauges just below.
  const serverInFlight = new GaugeChildren<'method'>();
  const clientInFlight = new GaugeChildren<'peer'>();
  const metrics: RpcMetrics = {
    registry,
    serverDuration: new Histogram({
      name: 'rpc_server_request_duration_seconds',
      help: 'Time from receiving a ZeroRPC call to queueing its last reply, by method and outcome (ok or error)',
      labelNames: ['method', 'outcome'] as const,
      buckets,
      registers,
    }),
    serverErrors: new Counter({
      name: 'rpc_server_errors_total',
      help: 'ZeroRPC calls answered with ERR, by method and error name',
      labelNames: ['method', 'error'] as const,
      registers,
    }),
    serverInFlight: new Gauge({
      name: 'rpc_server_in_flight',
      help: 'ZeroRPC calls whose handler is running',
      labelNames: ['method'] as const,
      registers,
      collect() {
        serverInFlight.flush();
      },
    }),
    serverGarbage: new Counter({
      name: 'rpc_server_garbage_messages_total',
      help: 'Incoming messages dropped because they were not a valid event for a live channel, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    serverDropped: new Counter({
      name: 'rpc_server_dropped_replies_total',
      help: 'Replies that could not be delivered (peer gone, peer lost, send timeout), by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    clientDuration: new Histogram({
      name: 'rpc_client_request_duration_seconds',
      help: 'Duration of outgoing ZeroRPC calls including retries, by peer, method and outcome',
      labelNames: ['peer', 'method', 'outcome'] as const,
      buckets,
      registers,
    }),
    clientErrors: new Counter({
      name: 'rpc_client_errors_total',
      help: 'Outgoing ZeroRPC calls that failed, by peer, method and error name',
      labelNames: ['peer', 'method', 'error'] as const,
      registers,
    }),
    clientInFlight: new Gauge({
      name: 'rpc_client_in_flight',
      help: 'Outgoing ZeroRPC calls waiting for their answer',
      labelNames: ['peer'] as const,
      registers,
      collect() {
        clientInFlight.flush();
      },
    }),
    clientRetries: new Counter({
      name: 'rpc_client_retries_total',
      help: 'Retries of idempotent ZeroRPC calls after a timeout or a lost server',
      labelNames: ['peer', 'method'] as const,
      registers,
    }),
    clientGarbage: new Counter({
      name: 'rpc_client_garbage_messages_total',
      help: 'Incoming messages a client dropped (malformed, or for a call that already ended), by reason',
      labelNames: ['peer', 'reason'] as const,
      registers,
    }),
    serverInFlightChild: (labels) => serverInFlight.child(labels),
    clientInFlightChild: (labels) => clientInFlight.child(labels),
  };
  serverInFlight.gauge = metrics.serverInFlight;
  clientInFlight.gauge = metrics.clientInFlight;
  byRegistry.set(registry, metrics);
  return metrics;
}

/** One series of an in-flight gauge, counted without prom-client on the hot path. */
export interface GaugeChild {
  inc(): void;
  dec(): void;
}

interface PendingDelta<T extends string> extends GaugeChild {
  readonly labels: LabelValues<T>;
  delta: number;
  /** Applied at least once: the series exists in the gauge (at 0 after an inc and a dec). */
  applied: boolean;
}

/**
 * The children of one gauge, one per label set (the sets are bounded: methods, peers). Their
 * deltas are applied with the gauge's own `inc` by its `collect`, which prom-client runs before
 * every read (`get()`, `registry.metrics()`), so a reader sees every inc and dec made so far.
 */
class GaugeChildren<T extends string> {
  gauge: Gauge<T> | undefined;
  readonly #children = new Map<string, PendingDelta<T>>();

  child(labels: LabelValues<T>): GaugeChild {
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
    let child = this.#children.get(key);
    if (child === undefined) {
      child = {
        labels: { ...labels },
        delta: 0,
        applied: false,
        inc() {
          this.delta += 1;
        },
        dec() {
          this.delta -= 1;
        },
      };
      this.#children.set(key, child);
    }
    return child;
  }

  flush(): void {
    const gauge = this.gauge;
    if (gauge === undefined) return;
    for (const child of this.#children.values()) {
      if (child.delta === 0 && child.applied) continue;
      const delta = child.delta;
      child.delta = 0;
      child.applied = true;
      gauge.inc(child.labels, delta);
    }
  }
}

/** One series of a histogram, bound to its labels once. */
export interface HistogramChild {
  observe(value: number): void;
}

export function histogramChild<T extends string>(
  histogram: Histogram<T>,
  labels: LabelValues<T>,
): HistogramChild {
  return histogram.labels({ ...labels } as LabelValues<T>);
}
