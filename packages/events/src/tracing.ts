// AMQP spans, after OpenTelemetry's messaging semantic conventions: a PRODUCER span per publish
// (`publish <event type>`) and a CONSUMER span per delivery a consumer processes
// (`process <event type>`), both with messaging.system=rabbitmq, the exchange as destination and the
// event type as routing key. The publish span's context travels in the message's `traceparent`
// header, and the process span continues it, so a consumer's work is part of the trace that
// published. The outbox keeps the traceparent of the span that wrote each row: the relay's publish
// continues that trace and links to that span. A failed delivery's retry and its dead-lettering
// are events of its process span. Without a started SDK all of this is a no-op.
import type { DomainEvent } from '@trio/contracts/events';
import {
  type Context,
  context,
  extractContext,
  injectContext,
  linkTo,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  tracer,
} from '@trio/service-runtime/tracing';
import type { ConsumeMessage } from 'amqplib';

export type { Span };

const eventsTracer = tracer('@trio/events');

export interface TracedPublish {
  span: Span;
  /** The headers' trace context: that of the publish span. */
  headers: Record<string, string>;
}

/**
 * Starts the publish span of `event`. `outboxTraceparent`: the row's writer, when the outbox relay
 * publishes (the span then continues its trace and links to it); otherwise the active span, or the
 * event's own traceparent when nothing is active.
 */
export function startPublishSpan(
  exchange: string,
  event: DomainEvent,
  outboxTraceparent?: string,
  system: ProcessedMessage['system'] = 'rabbitmq',
): TracedPublish {
  const fromOutbox = outboxTraceparent !== undefined;
  const parentTraceparent =
    outboxTraceparent ?? (trace.getActiveSpan() === undefined ? event.traceparent : undefined);
  const parent =
    parentTraceparent === undefined ? context.active() : extractContext({ traceparent: parentTraceparent });
  const span = eventsTracer.startSpan(
    `publish ${event.type}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': system,
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'publish',
        'messaging.destination.name': exchange,
        'messaging.rabbitmq.destination.routing_key': event.type,
        'messaging.message.id': event.id,
        'messaging.message.conversation_id': event.correlationId,
        'trio.outbox': fromOutbox,
      },
      links: fromOutbox ? linkTo(outboxTraceparent, { 'trio.link': 'outbox row writer' }) : [],
    },
    parent,
  );
  const headers: Record<string, string> = {};
  injectContext(headers, trace.setSpan(parent, span));
  return { span, headers };
}

/** Ends a publish span; `error` (the broker refused or did not confirm) marks it failed. */
export function endPublishSpan(span: Span, error?: Error): void {
  if (error !== undefined) {
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.name });
    span.setAttribute('error.type', error.name);
  }
  span.end();
}

/**
 * What a process span is made from: an AMQP delivery, or the in-process bus's (in-process.ts),
 * which carries the same headers and says `messaging.system` = `trio.inproc`.
 */
export interface ProcessedMessage {
  system: 'rabbitmq' | 'trio.inproc';
  headers: Record<string, unknown>;
  /** The event type, as the message says it. */
  type: string;
  routingKey: string;
  messageId: string;
  deliveryTag: number;
}

function processedOf(message: ConsumeMessage): ProcessedMessage {
  return {
    system: 'rabbitmq',
    headers: message.properties.headers ?? {},
    // The event type: a retried delivery comes back from its retry tier under another routing key.
    type: typeof message.properties.type === 'string' ? message.properties.type : message.fields.routingKey,
    routingKey: message.fields.routingKey,
    messageId: String(message.properties.messageId ?? ''),
    deliveryTag: message.fields.deliveryTag,
  };
}

/** The process span of a delivery, continuing the publisher's trace from the message's headers. */
export function startProcessSpan(
  exchange: string,
  queue: string,
  delivered: ConsumeMessage | ProcessedMessage,
): { span: Span; context: Context } {
  const message = 'fields' in delivered ? processedOf(delivered) : delivered;
  const parent = extractContext(message.headers);
  const span = eventsTracer.startSpan(
    `process ${message.type}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': message.system,
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.destination.name': exchange,
        'messaging.consumer.group.name': queue,
        'messaging.rabbitmq.destination.routing_key': message.routingKey,
        'trio.event.type': message.type,
        'messaging.message.id': message.messageId,
        'messaging.rabbitmq.message.delivery_tag': message.deliveryTag,
      },
    },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/** Runs a delivery's processing inside its process span, and ends the span. */
export async function inProcessSpan(
  exchange: string,
  queue: string,
  message: ConsumeMessage | ProcessedMessage,
  fn: (span: Span) => Promise<void>,
): Promise<void> {
  const traced = startProcessSpan(exchange, queue, message);
  try {
    await context.with(traced.context, () => fn(traced.span));
  } finally {
    traced.span.end();
  }
}

/** A delivery that failed and goes to a retry queue: an event of its span, which is marked failed. */
export function retryEvent(span: Span, attempt: number, error: unknown): void {
  span.recordException(asError(error));
  span.addEvent('messaging.retry', { 'messaging.delivery.attempt': attempt, 'error.type': errorName(error) });
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorName(error) });
}

/** A delivery moved to the dead-letter queue: an event of its span, which is marked failed. */
export function deadLetterEvent(span: Span, reason: string, attempt: number, error?: unknown): void {
  if (error !== undefined) span.recordException(asError(error));
  span.addEvent('messaging.dead_letter', {
    'trio.dead_letter.reason': reason,
    'messaging.delivery.attempt': attempt,
  });
  span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
  span.setAttribute('error.type', reason);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}
