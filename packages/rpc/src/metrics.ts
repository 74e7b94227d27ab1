// Prometheus series of the RPC transport, registered on the service's registry
// (host.metrics.registry). Servers and clients of one process share one set per registry, since
// prom-client refuses to register a name twice; a client's series carry the `peer` it calls (the
// registry's default labels already name our own service).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

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
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
