// What the transports need from OpenTelemetry's API to make their spans: a tracer, reading and writing
// the W3C trace context in a carrier (HTTP headers, a ZeroRPC header, AMQP headers, an outbox row)
// and running work inside a span that records its failure. Only the API is used here, so without a
// started SDK (telemetry.ts) every call is a cheap no-op.
import {
  type Attributes,
  type Context,
  context,
  defaultTextMapSetter,
  type Link,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';

export { type Context, context, type Link, type Span, SpanKind, SpanStatusCode, trace };

/**
 * W3C trace context and baggage: the transports use it directly rather than through the global
 * propagator, so that ids travel even where no SDK was started (a library used on its own, a test).
 */
export const propagator = new CompositePropagator({
  propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
});

export function tracer(name: string): Tracer {
  return trace.getTracer(name);
}

// Header values may be strings, string arrays (HTTP), or Buffers (AMQP, msgpack): read each as text.
const getter: TextMapGetter<Readonly<Record<string, unknown>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    if (typeof value === 'string') return value;
    if (Array.isArray(value)) return value.map(String);
    if (Buffer.isBuffer(value)) return value.toString('utf8');
    return undefined;
  },
};

/** The caller's context found in a carrier (the root context when it has none). */
export function extractContext(carrier: Readonly<Record<string, unknown>> | undefined): Context {
  return carrier === undefined ? ROOT_CONTEXT : propagator.extract(ROOT_CONTEXT, carrier, getter);
}

/** Writes `traceparent` (and `tracestate`, `baggage`) of a context into a carrier. */
export function injectContext(carrier: Record<string, unknown>, from: Context = context.active()): void {
  propagator.inject(from, carrier, defaultTextMapSetter);
}

/** The W3C `traceparent` of the active span, when there is a valid one. */
export function activeTraceparent(from: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {};
  propagator.inject(from, carrier, defaultTextMapSetter);
  return carrier.traceparent;
}

/** A link to the span a `traceparent` names (e.g. the one that wrote an outbox row). */
export function linkTo(traceparent: string | null | undefined, attributes?: Attributes): Link[] {
  if (traceparent === null || traceparent === undefined) return [];
  const spanContext = trace.getSpanContext(extractContext({ traceparent }));
  return spanContext === undefined ? [] : [{ context: spanContext, attributes }];
}

/** Marks a span failed with an error's name and message, and records it as an exception event. */
export function recordFailure(span: Span, error: unknown, name?: string): void {
  const failure = error instanceof Error ? error : new Error(String(error));
  span.recordException(failure);
  span.setStatus({ code: SpanStatusCode.ERROR, message: name ?? failure.name });
  if (name !== undefined) span.setAttribute('error.type', name);
}

/**
 * Runs `fn` inside the span (its context the active one), ends the span when `fn` settles, and marks
 * it failed when `fn` throws.
 */
export async function withSpan<T>(
  span: Span,
  parent: Context,
  fn: (span: Span) => Promise<T> | T,
): Promise<T> {
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    recordFailure(span, error, error instanceof Error ? error.name : undefined);
    throw error;
  } finally {
    span.end();
  }
}

/** The active span's ids, when it has valid ones. */
export function activeSpanIds(): { traceId: string; spanId: string; traceFlags: string } | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext === undefined || !trace.isSpanContextValid(spanContext)) return undefined;
  return {
    traceId: spanContext.traceId,
    spanId: spanContext.spanId,
    traceFlags: spanContext.traceFlags.toString(16).padStart(2, '0'),
  };
}
