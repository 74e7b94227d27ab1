// A consumer of a queue of the in-process bus (in-process.ts): the same handlers and the same steps
// as the AMQP consumer (consumer.ts) for each delivery, with the bus in place of the channel:
//
//   1. validated against the contracts; an invalid one is dead-lettered (reason invalid_event);
//   2. with a database, handled in a transaction that first records the event id in the inbox, so a
//      copy delivered again (after a restart) is skipped as a duplicate;
//   3. run inside the message's trace and correlation ids, in a `process <type>` span;
//   4. a handler error rolls back and the message goes back to the end of the queue after the retry
//      tier's delay (1 s, 5 s, 30 s by default), or is dead-lettered once its attempts are used up.
//
// Dead-lettering settles the message with the reason: the relay that sent it records it in its
// service's `event_dead_letter` table (in-process-relay.ts), where RabbitMQ would keep `<queue>.dlq`.
// A retry waits in a timer, not in a queue of the broker: a process that stops meanwhile drops it,
// and the outbox row, still pending, is sent again by the next start.
import { type DomainEvent, parseEvent, type SubscriptionName } from '@trio/contracts/events';
import { createContext, runWithContext } from '@trio/service-runtime/context';
import type { Logger } from 'pino';
import {
  type AnyHandler,
  assertHandlersMatch,
  type Consumer,
  describeInvalid,
  handle,
  type InboxConsumerOptions,
  type PlainConsumerOptions,
  retrySettings,
  startInboxPruning,
} from './consumer.ts';
import { errorText } from './delivery-mover.ts';
import { correlationIdHeader, type DeadLetterReason, traceparentHeader } from './headers.ts';
import type { Attachment, InProcessBus, InProcessMessage, Settlement } from './in-process.ts';
import { createEventMetrics } from './metrics.ts';
import { deadLetterEvent, inProcessSpan, retryEvent, type Span } from './tracing.ts';

/** What the AMQP consumer takes, with the bus in place of the connection (no prefetch, no reconnect). */
type AmqpOnly = 'connection' | 'exchange' | 'prefetch' | 'reconnect';
export type InProcessConsumerOptions<S extends SubscriptionName> = (
  | Omit<InboxConsumerOptions<S>, AmqpOnly>
  | Omit<PlainConsumerOptions<S>, AmqpOnly>
) & { bus: InProcessBus };

/** Throws when the handlers are not exactly one per event type of the subscription. */
export function createInProcessConsumer<S extends SubscriptionName>(
  options: InProcessConsumerOptions<S>,
): Consumer {
  const { subscription, bus } = options;
  const eventTypes = assertHandlersMatch(subscription, options.handlers);
  const queue = options.queue ?? subscription;
  const { retryDelays, maxAttempts } = retrySettings(options.retry);
  const metrics = options.metrics ?? createEventMetrics();
  const log = options.log.child({ component: 'event-consumer', subscription, queue, transport: 'inproc' });
  const handlers = options.handlers as unknown as Readonly<Record<string, AnyHandler | undefined>>;
  let attachment: Attachment | undefined;
  let pruneTimer: NodeJS.Timeout | undefined;

  function deadLetter(
    settle: (settlement: Settlement) => void,
    span: Span,
    reason: DeadLetterReason,
    error: string,
    attempts: number,
    cause?: unknown,
  ): void {
    deadLetterEvent(span, reason, attempts, cause);
    metrics.deadLettered.inc({ queue, reason });
    settle({ queue, outcome: 'dead-lettered', reason, error, attempts });
  }

  async function deliver(message: InProcessMessage, settle: (settlement: Settlement) => void, span: Span) {
    let event: DomainEvent;
    try {
      event = parseEvent(JSON.parse(message.content));
    } catch (error) {
      log.warn({ eventId: message.messageId, err: error }, 'invalid event dead-lettered');
      deadLetter(settle, span, 'invalid_event', describeInvalid(error), 0);
      return;
    }
    const handler = handlers[event.type];
    if (handler === undefined) {
      deadLetter(settle, span, 'unhandled_type', `${subscription} has no ${event.type}`, 0);
      return;
    }
    const attempt = message.attempts + 1;
    span.setAttribute('messaging.delivery.attempt', attempt);
    const context = createContext({
      requestId: event.id,
      traceparent: message.headers[traceparentHeader] ?? event.traceparent,
      correlationId: message.headers[correlationIdHeader] ?? event.correlationId,
    });
    let deliveryLog: Logger | undefined;
    const logFor = () => {
      deliveryLog ??= log.child({ eventId: event.id, eventType: event.type, attempt });
      return deliveryLog;
    };
    const delivery = { queue, attempt, redelivered: message.redelivered };
    await runWithContext(context, async () => {
      try {
        const outcome = await handle(options.db, queue, event, handler, delivery, logFor);
        metrics.consumed.inc({ queue, type: event.type, outcome });
        if (outcome === 'duplicate') logFor().info('duplicate event skipped: the inbox has it');
        settle({ queue, outcome });
      } catch (error) {
        if (attempt >= maxAttempts) {
          logFor().error({ err: error }, 'event handler failed; no attempts left, dead-lettering');
          deadLetter(settle, span, 'handler_failed', errorText(error), attempt, error);
          return;
        }
        logFor().warn({ err: error }, 'event handler failed; will retry');
        retryEvent(span, attempt, error);
        metrics.retried.inc({ queue, type: event.type });
        const delayMs = retryDelays[Math.min(attempt, retryDelays.length) - 1] ?? 0;
        setTimeout(() => bus.requeue(queue, message, attempt), delayMs).unref();
      }
    });
  }

  return {
    queue,
    async start() {
      if (attachment !== undefined) return;
      bus.declare(queue, eventTypes);
      attachment = bus.attach(
        queue,
        (message, settle) =>
          inProcessSpan(
            bus.exchange,
            queue,
            {
              system: 'trio.inproc',
              headers: message.headers,
              type: message.type,
              routingKey: message.type,
              messageId: message.messageId,
              deliveryTag: message.deliveryTag,
            },
            (span) => deliver(message, settle, span),
          ),
        options.concurrency ?? 1,
      );
      pruneTimer ??= startInboxPruning(options, queue, log);
      log.info({ eventTypes }, 'consuming in-process');
    },
    check: async () => {
      if (attachment === undefined) throw new Error(`not consuming ${queue}`);
    },
    async stop() {
      clearInterval(pruneTimer);
      const current = attachment;
      attachment = undefined;
      await current?.detach(options.stopTimeoutMs ?? 10_000);
    },
  };
}
