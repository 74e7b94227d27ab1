// The context of the unit of work in progress (an HTTP request, an RPC call, an AMQP delivery),
// carried by AsyncLocalStorage so that every log line and every outgoing call can name it without
// passing it through every function. Each transport builds one with createContext() from what the
// caller sent and runs its handler inside runWithContext().
//
// The trace and span ids are those of the active OpenTelemetry span (tracing.ts, telemetry.ts): each
// transport starts its span, then builds the context inside it. Outside any span (a script, a unit
// test) createContext() still continues a given traceparent or draws fresh ids, so the log lines of
// one unit of work can always be found together.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { activeSpanIds } from './tracing.ts';

export interface RequestContext {
  /** This hop's id: echoed to the caller, on every log line. */
  requestId: string;
  /** Shared by every hop of one user action (32 hex). */
  traceId: string;
  /** This hop's span (16 hex); the parent of the calls it makes. */
  spanId: string;
  /** W3C trace flags (2 hex), '01' when sampled. */
  traceFlags: string;
  /** The business flow this work belongs to (e.g. the request that placed the order); kept across events. */
  correlationId: string;
}

export interface IncomingIds {
  requestId?: string | undefined;
  traceparent?: string | undefined;
  correlationId?: string | undefined;
}

export interface Traceparent {
  traceId: string;
  parentId: string;
  traceFlags: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

// randomUUID() serves from an entropy cache Node refills in batches, where each randomBytes() call
// goes to the system's generator: on the RPC hot path that was a third of the server's CPU per call.
// A v4 UUID has 122 random bits, plenty for trace and span ids (which need only be non-zero).
function randomHex(length: 16 | 32): string {
  return randomUUID().replaceAll('-', '').slice(0, length);
}

export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function getContext(): RequestContext | undefined {
  return storage.getStore();
}

// Ids from callers end up in logs and headers: accept only short, plain tokens.
const saneId = /^[\w.:-]{1,128}$/;

/** Builds the context for new work, continuing the caller's trace and ids when they are valid. */
export function createContext(incoming: IncomingIds = {}): RequestContext {
  const requestId =
    incoming.requestId !== undefined && saneId.test(incoming.requestId) ? incoming.requestId : randomUUID();
  const active = activeSpanIds();
  const parent = incoming.traceparent === undefined ? undefined : parseTraceparent(incoming.traceparent);
  const correlationId =
    incoming.correlationId !== undefined && saneId.test(incoming.correlationId)
      ? incoming.correlationId
      : requestId;
  return {
    requestId,
    traceId: active?.traceId ?? parent?.traceId ?? randomHex(32),
    spanId: active?.spanId ?? randomHex(16),
    traceFlags: active?.traceFlags ?? parent?.traceFlags ?? '01',
    correlationId,
  };
}

const traceparentFormat = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** Parses a W3C `traceparent` header; undefined when it is not one (the caller then starts a trace). */
export function parseTraceparent(header: string): Traceparent | undefined {
  const match = traceparentFormat.exec(header.trim().toLowerCase());
  if (!match) return undefined;
  const [, version, traceId, parentId, traceFlags, rest] = match;
  // Version ff is forbidden; version 00 has exactly four fields; later versions may append more.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId!) || /^0+$/.test(parentId!)) return undefined;
  return { traceId: traceId!, parentId: parentId!, traceFlags: traceFlags! };
}

/** The `traceparent` to send on outgoing calls made within this context. */
export function traceparentOf(context: RequestContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.traceFlags}`;
}
