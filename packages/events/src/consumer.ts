// Consumes the queue of one subscription (`<service>.<purpose>` in the contracts' eventSubscriptions)
// and runs a handler per event type the subscription is bound with. Each delivery:
//
//   1. is validated against the contracts; an invalid one goes straight to Q.dlq, reason in headers;
//   2. with a database, opens a transaction and records the event id in the inbox; an id already
//      there is a duplicate (a redelivery, or the outbox publishing twice) and is acked unhandled;
//   3. runs the handler inside runWithContext (the message's trace and correlation ids), passing the
//      transaction so that the handler's writes commit together with the inbox row, or not at all;
//   4. is acked after the commit. A handler error rolls everything back and sends the delivery to
//      the next retry tier, or to Q.dlq with the last error once its attempts are used up.
//
// Moving a delivery to a retry tier or the DLQ is delivery-mover.ts's part.
//
// Deliveries are handled one at a time by default (concurrency 1), so events of one aggregate are
// handled in the order they were published, until a retry makes one wait while later ones pass.

import {
  type DomainEvent,
  type EventType,
  eventSubscriptions,
  parseEvent,
  type SubscriptionEventType,
  type SubscriptionName,
} from '@trio/contracts/events';
import { createContext, runWithContext } from '@trio/service-runtime/context';
import type { ReadinessCheck } from '@trio/service-runtime/health';
import type { ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import type pg from 'pg';
import type { Logger } from 'pino';
import { createChannelKeeper } from './channel-keeper.ts';
import { type ConfirmedSender, createConfirmedSender } from './confirmed-send.ts';
import type { AmqpConnection, Backoff } from './connection.ts';
import { createDeliveryMover, errorText } from './delivery-mover.ts';
import { correlationIdHeader, trioHeaders as headers, traceparentHeader } from './headers.ts';
import { createEventMetrics, type EventMetrics } from './metrics.ts';
import {
  declareConsumerTopology,
  defaultExchange,
  defaultRetryDelaysMs,
  validateRetryDelays,
} from './topology.ts';
import { deadLetterEvent, inProcessSpan, retryEvent, type Span } from './tracing.ts';
import { inTransaction } from './transaction.ts';

export interface DeliveryInfo {
  queue: string;
  /** 1 on the first delivery, 2 on the first retry, … */
  attempt: number;
  redelivered: boolean;
}

export interface HandlerContext<Tx> {
  /** The transaction the inbox row is written in; undefined for a consumer without a database. */
  tx: Tx;
  delivery: DeliveryInfo;
  log: Logger;
}

export type EventHandler<T extends EventType, Tx> = (
  event: DomainEvent<T>,
  context: HandlerContext<Tx>,
) => Promise<void> | void;

/** One handler for each event type of subscription `S`, no more, no less. */
export type SubscriptionHandlers<S extends SubscriptionName, Tx> = {
  readonly [T in SubscriptionEventType<S>]: EventHandler<T, Tx>;
};

export interface RetryPolicy {
  /** Delay of each retry tier, shortest first (each is a queue). Default 1 s, 5 s, 30 s. */
  delaysMs?: readonly number[];
  /** Handler attempts before dead-lettering; default one more than the tiers. Extra retries reuse the last tier. */
  maxAttempts?: number;
}

interface CommonConsumerOptions<S extends SubscriptionName> {
  connection: AmqpConnection;
  log: Logger;
  /** What to consume, from the contracts' `eventSubscriptions`: the queue and the types bound to it. */
  subscription: S;
  /** Overrides the queue name, which is the subscription's name by default (tests prefix it). */
  queue?: string;
  /** Defaults to the contracts' `trio.events`. */
  exchange?: string;
  retry?: RetryPolicy;
  /** Unacked deliveries the broker may push ahead; default 20. */
  prefetch?: number;
  /** Deliveries handled at once; default 1 (in order). */
  concurrency?: number;
  metrics?: EventMetrics;
  /** Backoff for re-opening the channel after the broker closed it. */
  reconnect?: Partial<Backoff>;
  /** How long stop() waits for handlers in progress; default 10 s. */
  stopTimeoutMs?: number;
}

export interface InboxConsumerOptions<S extends SubscriptionName> extends CommonConsumerOptions<S> {
  /** The service's pool: each delivery is handled in a transaction with its inbox row. */
  db: pg.Pool;
  handlers: SubscriptionHandlers<S, pg.PoolClient>;
  /**
   * How long processed ids are kept (default 30 days). A copy of an event arriving later than
   * this (a very late DLQ replay) is no longer recognised as a duplicate.
   */
  inboxRetentionMs?: number;
}

export interface PlainConsumerOptions<S extends SubscriptionName> extends CommonConsumerOptions<S> {
  /** No database: no inbox, so handlers must be idempotent by themselves (at-least-once). */
  db: null;
  handlers: SubscriptionHandlers<S, undefined>;
}

export type ConsumerOptions<S extends SubscriptionName> = InboxConsumerOptions<S> | PlainConsumerOptions<S>;

export interface Consumer {
  readonly queue: string;
  /** Declares the topology and starts consuming if connected; rejects with TopologyError on a conflict. */
  start(): Promise<void>;
  /** Readiness: rejects while not consuming. */
  check: ReadinessCheck;
  /** Stops taking deliveries, lets handlers in progress finish (bounded), and closes the channel. */
  stop(): Promise<void>;
}

export type AnyHandler = (
  event: DomainEvent,
  context: HandlerContext<pg.PoolClient | undefined>,
) => Promise<void> | void;

/** Throws when the handlers are not exactly one per event type of the subscription. */
export function createConsumer<S extends SubscriptionName>(options: ConsumerOptions<S>): Consumer {
  const { subscription } = options;
  const eventTypes = assertHandlersMatch(subscription, options.handlers);
  const queue = options.queue ?? subscription;
  const exchange = options.exchange ?? defaultExchange;
  const { retryDelays, maxAttempts } = retrySettings(options.retry);
  const prefetch = options.prefetch ?? 20;
  const concurrency = options.concurrency ?? 1;
  const metrics = options.metrics ?? createEventMetrics();
  const log = options.log.child({ component: 'event-consumer', subscription, queue });
  // Each handler takes its own type's events; a delivery is routed to the one of its type.
  const handlers = options.handlers as unknown as Readonly<Record<string, AnyHandler | undefined>>;

  // Deliveries wait here for one of `concurrency` slots; `inFlight` holds the ones being handled.
  const waiting: (() => Promise<void>)[] = [];
  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  const consumerTags = new WeakMap<ConfirmChannel, string>();
  // Deliveries of a closed channel can no longer be acked; the broker redelivers them.
  const closedChannels = new WeakSet<ConfirmChannel>();
  let pruneTimer: NodeJS.Timeout | undefined;

  function admit(work: () => Promise<void>): void {
    waiting.push(work);
    drainWaiting();
  }

  function drainWaiting(): void {
    while (!stopping && inFlight.size < concurrency && waiting.length > 0) {
      const work = waiting.shift()!;
      const running = work()
        .catch((error: unknown) => log.error({ err: error }, 'delivery handling failed unexpectedly'))
        .finally(() => {
          inFlight.delete(running);
          drainWaiting();
        });
      inFlight.add(running);
    }
  }

  async function setup(connection: ChannelModel): Promise<ConfirmChannel> {
    await declareConsumerTopology(connection, { exchange, queue, eventTypes, retryDelaysMs: retryDelays });
    const channel = await connection.createConfirmChannel();
    channel.on('error', (error: Error) => log.warn({ err: error }, 'consumer channel error'));
    channel.once('close', () => closedChannels.add(channel));
    const sender = createConfirmedSender(channel);
    await channel.prefetch(prefetch);
    const { consumerTag } = await channel.consume(
      queue,
      (message) => {
        // null: the broker cancelled us (the queue was deleted); a new channel re-declares it.
        if (message === null) {
          log.warn('consumer cancelled by the broker');
          void channel.close().catch(() => {});
          return;
        }
        admit(() => handleDelivery(channel, sender, message));
      },
      { noAck: false },
    );
    consumerTags.set(channel, consumerTag);
    log.info({ eventTypes, prefetch, concurrency }, 'consuming');
    return channel;
  }

  const { retryLater, deadLetter, settle } = createDeliveryMover({
    queue,
    retryDelaysMs: retryDelays,
    log,
    metrics,
  });

  const keeper = createChannelKeeper({
    connection: options.connection,
    log,
    setup,
    retry: options.reconnect,
  });

  async function handleDelivery(channel: ConfirmChannel, sender: ConfirmedSender, message: ConsumeMessage) {
    if (closedChannels.has(channel)) return;
    await inProcessSpan(exchange, queue, message, (span) => deliver(channel, sender, message, span));
  }

  async function deliver(
    channel: ConfirmChannel,
    sender: ConfirmedSender,
    message: ConsumeMessage,
    span: Span,
  ) {
    let event: DomainEvent;
    try {
      event = parseEvent(JSON.parse(message.content.toString('utf8')));
    } catch (error) {
      deadLetterEvent(span, 'invalid_event', 0);
      await deadLetter(channel, sender, message, 'invalid_event', describeInvalid(error), 0);
      return;
    }
    const handler = handlers[event.type];
    if (handler === undefined) {
      const detail = `${subscription} has no ${event.type}; unbind it from ${queue} if the binding is left from an older version`;
      deadLetterEvent(span, 'unhandled_type', 0);
      await deadLetter(channel, sender, message, 'unhandled_type', detail, 0);
      return;
    }
    const attempt = previousAttempts(message) + 1;
    span.setAttribute('messaging.delivery.attempt', attempt);
    const context = createContext({
      requestId: event.id,
      traceparent: headerString(message, traceparentHeader) ?? event.traceparent,
      correlationId: headerString(message, correlationIdHeader) ?? event.correlationId,
    });
    // A child logger costs more than handling a small event: made only when something logs.
    let deliveryLog: Logger | undefined;
    const logFor = () => {
      deliveryLog ??= log.child({ eventId: event.id, eventType: event.type, attempt });
      return deliveryLog;
    };
    const delivery: DeliveryInfo = { queue, attempt, redelivered: message.fields.redelivered };
    await runWithContext(context, async () => {
      try {
        const outcome = await handle(options.db, queue, event, handler, delivery, logFor);
        if (!settle(channel, message, 'ack')) return;
        metrics.consumed.inc({ queue, type: event.type, outcome });
        if (outcome === 'duplicate') logFor().info('duplicate event skipped: the inbox has it');
      } catch (error) {
        if (attempt >= maxAttempts) {
          logFor().error({ err: error }, 'event handler failed; no attempts left, dead-lettering');
          deadLetterEvent(span, 'handler_failed', attempt, error);
          await deadLetter(channel, sender, message, 'handler_failed', errorText(error), attempt);
        } else {
          logFor().warn({ err: error }, 'event handler failed; will retry');
          retryEvent(span, attempt, error);
          await retryLater(channel, sender, message, event.type, attempt, error);
        }
      }
    });
  }

  return {
    queue,
    async start() {
      await keeper.start();
      pruneTimer ??= startInboxPruning(options, queue, log);
    },
    check: async () => {
      if (keeper.current() !== undefined) return;
      const why = keeper.lastError();
      throw new Error(`not consuming ${queue}${why instanceof Error ? `: ${why.message}` : ''}`);
    },
    async stop() {
      const channel = keeper.stop();
      stopping = true;
      clearInterval(pruneTimer);
      // Deliveries not started yet are left unacked: closing the channel returns them to the queue.
      waiting.length = 0;
      if (channel) {
        const consumerTag = consumerTags.get(channel);
        if (consumerTag !== undefined) await channel.cancel(consumerTag).catch(() => {});
        await Promise.race([
          Promise.allSettled([...inFlight]),
          new Promise((resolve) => setTimeout(resolve, options.stopTimeoutMs ?? 10_000).unref()),
        ]);
        await channel.close().catch(() => {});
      }
    },
  };
}

const defaultInboxRetentionMs = 30 * 24 * 60 * 60 * 1_000;
const inboxPruneEveryMs = 60 * 60 * 1_000;

/** The retry tiers' delays and the attempts before dead-lettering; throws when they make no sense. */
export function retrySettings(retry: RetryPolicy | undefined): {
  retryDelays: readonly number[];
  maxAttempts: number;
} {
  const retryDelays = retry?.delaysMs ?? defaultRetryDelaysMs;
  validateRetryDelays(retryDelays);
  const maxAttempts = retry?.maxAttempts ?? retryDelays.length + 1;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new Error('retry.maxAttempts must be at least 1');
  }
  if (retryDelays.length === 0 && maxAttempts > 1) throw new Error('retries need at least one retry delay');
  return { retryDelays, maxAttempts };
}

/** Prunes the consumer's inbox every hour (nothing without a database); clearInterval stops it. */
export function startInboxPruning(
  options: Pick<InboxConsumerOptions<SubscriptionName>, 'inboxRetentionMs'> & { db: pg.Pool | null },
  queue: string,
  log: Logger,
): NodeJS.Timeout | undefined {
  const { db } = options;
  if (db === null) return undefined;
  const retentionMs = options.inboxRetentionMs ?? defaultInboxRetentionMs;
  return setInterval(() => {
    pruneInbox(db, { consumer: queue, olderThanMs: retentionMs }).catch((error: unknown) =>
      log.warn({ err: error }, 'pruning the inbox failed'),
    );
  }, inboxPruneEveryMs).unref();
}

/** Deletes the inbox rows of `consumer` older than `olderThanMs`; returns how many. */
export async function pruneInbox(
  db: pg.Pool,
  options: { consumer: string; olderThanMs: number },
): Promise<number> {
  const result = await db.query(
    `DELETE FROM event_inbox
     WHERE consumer = $1 AND processed_at < clock_timestamp() - make_interval(secs => $2::float8 / 1000)`,
    [options.consumer, options.olderThanMs],
  );
  return result.rowCount ?? 0;
}

/**
 * Runs the handler; with a database, in a transaction that first records the event id in the
 * inbox, so that a duplicate is skipped and the handler's writes commit with the inbox row.
 */
export async function handle(
  db: pg.Pool | null,
  queue: string,
  event: DomainEvent,
  handler: AnyHandler,
  delivery: DeliveryInfo,
  logFor: () => Logger,
): Promise<'handled' | 'duplicate'> {
  if (db === null) {
    await handler(event, handlerContext(undefined, delivery, logFor));
    return 'handled';
  }
  return inTransaction(
    db,
    async (tx, inserted) => {
      if (inserted[0]!.rowCount === 0) return 'duplicate';
      await handler(event, handlerContext(tx, delivery, logFor));
      return 'handled';
    },
    {
      // Sent with BEGIN, in one round trip. Blocks while another transaction holds the same id
      // uncommitted, then sees its outcome.
      opening: (tx) =>
        `INSERT INTO event_inbox (consumer, event_id, event_type)
         VALUES (${tx.escapeLiteral(queue)}, ${tx.escapeLiteral(event.id)}, ${tx.escapeLiteral(event.type)})
         ON CONFLICT DO NOTHING`,
    },
  );
}

function handlerContext<Tx>(tx: Tx, delivery: DeliveryInfo, logFor: () => Logger): HandlerContext<Tx> {
  return {
    tx,
    delivery,
    get log() {
      return logFor();
    },
  };
}

/** The subscription's event types, when `handlers` has a handler for each of them and for no other. */
export function assertHandlersMatch(subscription: SubscriptionName, handlers: object): readonly EventType[] {
  if (!Object.hasOwn(eventSubscriptions, subscription)) {
    throw new Error(`"${subscription}" is not a subscription of the contracts' eventSubscriptions`);
  }
  const types: readonly EventType[] = eventSubscriptions[subscription].types;
  const given = Object.entries(handlers)
    .filter(([, handler]) => typeof handler === 'function')
    .map(([type]) => type);
  const missing = types.filter((type) => !given.includes(type));
  const extra = given.filter((type) => !(types as readonly string[]).includes(type));
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`no handler for ${missing.join(', ')}`);
  if (extra.length > 0) {
    problems.push(
      `handlers for ${extra.join(', ')}, which it is not bound with (bind them in the contracts' eventSubscriptions first)`,
    );
  }
  if (problems.length > 0) {
    throw new Error(
      `the handlers of ${subscription} must be one per event type it is bound with (${types.join(', ')}): ${problems.join('; ')}`,
    );
  }
  return types;
}

function previousAttempts(message: ConsumeMessage): number {
  const value: unknown = message.properties.headers?.[headers.attempts];
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : 0;
}

function headerString(message: ConsumeMessage, name: string): string | undefined {
  const value: unknown = message.properties.headers?.[name];
  if (typeof value === 'string') return value;
  // Headers published as longstr arrive as Buffers from some clients.
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

export function describeInvalid(error: unknown): string {
  if (error instanceof SyntaxError) return `body is not JSON: ${error.message}`;
  return errorText(error);
}
