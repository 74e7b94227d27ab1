// ZeroRPC spans, after OpenTelemetry's RPC semantic conventions: a CLIENT span per call attempt (from
// the request until the answer, timeout or lost server) and a SERVER span per handled call, both
// named `<service>/<method>` with rpc.system=zerorpc, rpc.service and rpc.method; the client's
// span also names the server (server.address, server.port). A call that ends in an ERR is marked
// failed with the ERR's name as `error.type`. The context travels in the ZeroRPC message header
// under W3C's own keys (`traceparent`, `tracestate`, `baggage`), which reference clients and servers
// ignore; a request without them starts a new trace. Heartbeats and stream credits are control
// events of a call, not calls: they make no spans. Without a started SDK all of this is a no-op.
import {
  type Context,
  context,
  extractContext,
  injectContext,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  tracer,
} from '@trio/service-runtime/tracing';
import type { EventHeader } from './codec.ts';

export type { Span };

const rpcTracer = tracer('@trio/rpc');

const propagated = ['traceparent', 'tracestate', 'baggage'] as const;

const addresses = new Map<string, { 'server.address': string; 'server.port': number }>();

/** `tcp://host:port` → server.address and server.port, parsed once per endpoint. */
function serverAttributes(endpoint: string): { 'server.address': string; 'server.port': number } {
  let found = addresses.get(endpoint);
  if (found === undefined) {
    const match = /^[a-z]+:\/\/\[?([^\]]*?)\]?:(\d+)$/.exec(endpoint);
    found = { 'server.address': match?.[1] ?? endpoint, 'server.port': Number(match?.[2] ?? 0) };
    addresses.set(endpoint, found);
  }
  return found;
}

/** Starts a call attempt's CLIENT span and writes its context into the request's header. */
export function startClientSpan(
  service: string,
  method: string,
  endpoint: string,
  header: EventHeader,
): Span {
  const span = rpcTracer.startSpan(`${service}/${method}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'rpc.system': 'zerorpc',
      'rpc.service': service,
      'rpc.method': method,
      ...serverAttributes(endpoint),
    },
  });
  const carrier: Record<string, string> = {};
  injectContext(carrier, trace.setSpan(context.active(), span));
  for (const key of propagated) if (carrier[key] !== undefined) header[key] = carrier[key];
  return span;
}

/** The SERVER span of a handled call, continuing the caller's trace when its header carries one. */
export function startServerSpan(
  service: string,
  method: string,
  header: EventHeader,
): { span: Span; context: Context } {
  const parent = header.traceparent === undefined ? context.active() : extractContext(header);
  const span = rpcTracer.startSpan(
    `${service}/${method}`,
    {
      kind: SpanKind.SERVER,
      attributes: { 'rpc.system': 'zerorpc', 'rpc.service': service, 'rpc.method': method },
    },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/** Ends a call's span; `errorName` (the ERR's name, TimeoutExpired, LostRemote, …) marks it failed. */
export function endRpcSpan(span: Span | undefined, errorName?: string): void {
  if (span === undefined) return;
  if (errorName !== undefined) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorName });
    span.setAttribute('error.type', errorName);
  }
  span.end();
}
