// The OpenTelemetry SDK of a service process: one tracer provider, the W3C trace-context and baggage
// propagators, the AsyncLocalStorage context manager, and (when spans are exported) the standard
// instrumentations of http/express, pg and node-redis.
//
// Export is configured only by the standard variables: OTEL_EXPORTER_OTLP_ENDPOINT (or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), OTEL_EXPORTER_OTLP_PROTOCOL (`http/protobuf`, the default, or
// `http/json`), OTEL_TRACES_SAMPLER(_ARG), OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER=none,
// OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME. Without an endpoint (or with the SDK disabled)
// nothing is recorded or exported: the provider samples nothing, so each unit of work still gets
// fresh trace and span ids for its log lines and its outgoing calls, at the cost of two random ids.
//
// The transports' own spans (REST, ZeroRPC, AMQP, the saga) need only this provider; the library
// instrumentations must patch pg, express and redis before the service imports them, which for an
// ES module service means the `--import @trio/service-runtime/instrument` preload (see instrument.ts
// and docs/observability.md).
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { propagator } from './tracing.ts';

export interface TelemetrySettings {
  /** Spans are recorded and exported. */
  exporting: boolean;
  /** `http/protobuf` or `http/json`. */
  protocol: 'http/protobuf' | 'http/json';
}

type Env = Readonly<Record<string, string | undefined>>;

/** What the standard variables ask for. */
export function telemetrySettings(env: Env = process.env): TelemetrySettings {
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const exporterNone = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none';
  const protocol = (
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ??
    env.OTEL_EXPORTER_OTLP_PROTOCOL ??
    'http/protobuf'
  )
    .trim()
    .toLowerCase();
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new Error(
      `OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported: use http/protobuf or http/json (grpc is not bundled)`,
    );
  }
  return { exporting: !disabled && !exporterNone && endpoint !== undefined && endpoint !== '', protocol };
}

export interface TelemetryOptions {
  /** `service.name` (OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override it). */
  service: string;
  /** `service.version`. */
  version?: string;
  /** `deployment.environment`; NODE_ENV or `development` by default. */
  environment?: string;
  /** Exports to this exporter instead (tests); spans are then always recorded. */
  exporter?: SpanExporter;
  env?: Env;
}

export interface Telemetry {
  readonly service: string;
  readonly exporting: boolean;
  /** Exports what is still buffered. */
  flush(): Promise<void>;
  /** Flushes, then stops the provider. */
  shutdown(): Promise<void>;
}

let current: Telemetry | undefined;

/** The telemetry this process started, if any. */
export function activeTelemetry(): Telemetry | undefined {
  return current;
}

function exporterFor(settings: TelemetrySettings): SpanExporter {
  // Both read the endpoint, headers and timeout from the standard variables themselves.
  return settings.protocol === 'http/json' ? new JsonTraceExporter() : new ProtobufTraceExporter();
}

/**
 * Starts the SDK once per process: a second call (several services in one test process) returns
 * the first one's telemetry.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (current !== undefined) return current;
  const env = options.env ?? process.env;
  const settings = telemetrySettings(env);
  const exporting = options.exporter !== undefined || settings.exporting;
  const resource = resourceFromAttributes({
    'service.name': options.service,
    'service.version': options.version ?? '0.0.0',
    'deployment.environment': options.environment ?? env.NODE_ENV ?? 'development',
    'deployment.environment.name': options.environment ?? env.NODE_ENV ?? 'development',
  }).merge(detectResources({ detectors: [envDetector] }));
  const spanProcessors: SpanProcessor[] = exporting
    ? [new BatchSpanProcessor(options.exporter ?? exporterFor(settings), { scheduledDelayMillis: 500 })]
    : [];
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors,
    // Unset, the sampler comes from OTEL_TRACES_SAMPLER (parentbased_always_on by default).
    ...(exporting ? {} : { sampler: new AlwaysOffSampler() }),
  });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(propagator);
  current = {
    service: options.service,
    exporting,
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
  return current;
}
