// One Prometheus registry per service instance rather than prom-client's global one: tests build
// many apps in one process, and each must expose only its own series. Transports (HTTP here, RPC
// and AMQP in their packages) register their metrics on `registry`.
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  /** Labelled by method, route pattern (never the raw URL: that would explode cardinality) and status. */
  httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
}

export function createMetrics(options: { service: string }): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  collectDefaultMetrics({ register: registry });
  const httpRequestDuration = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP requests handled by this service',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return { registry, httpRequestDuration };
}
