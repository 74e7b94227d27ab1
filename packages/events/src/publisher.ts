// Publishes domain events to the events exchange, one at a time or many at once, and resolves only
// when the broker has confirmed each: then the event is on disk (it is persistent) in every bound
// durable queue. Every event is validated against its contract first; an invalid one is the
// caller's bug and is refused before anything is sent.
//
// Direct publishing fails while the broker is unreachable (BusUnavailableError): use the outbox
// (outbox.ts) for events that must not be lost with the caller's transaction.
//
// Given the publishing service (`subscriberQueues`), the publisher declares the queues its events
// feed on every connection before its channel opens, so no event of its is dropped for want of a
// queue, even one published before any consumer of it has ever started.
import {
  createEvent,
  type DomainEvent,
  type EventPayloadInput,
  type EventType,
  parseEvent,
} from '@trio/contracts/events';
import { getContext, traceparentOf } from '@trio/service-runtime/context';
import { activeTraceparent } from '@trio/service-runtime/tracing';
import type { ChannelModel, ConfirmChannel, Message } from 'amqplib';
import type { Logger } from 'pino';
import { createChannelKeeper } from './channel-keeper.ts';
import type { AmqpConnection, Backoff } from './connection.ts';
import { correlationIdHeader } from './headers.ts';
import { createEventMetrics, type EventMetrics } from './metrics.ts';
import {
  declareExchange,
  declareSubscriberQueues,
  defaultExchange,
  type SubscriberQueuesOptions,
} from './topology.ts';
import { endPublishSpan, startPublishSpan } from './tracing.ts';

export class BusUnavailableError extends Error {
  override readonly name = 'BusUnavailableError';
}

export class PublishError extends Error {
  override readonly name = 'PublishError';
}

export interface PublisherOptions {
  connection: AmqpConnection;
  log: Logger;
  /** Defaults to the contracts' `trio.events`. */
  exchange?: string;
  /** Names the publishing service in each message's `appId`. */
  appId?: string;
  /**
   * The publishing service (and, in tests, how queues are named): the queues of the subscriptions
   * its events feed are declared before publishing (`declareSubscriberQueues`). Without it, an
   * event published while no queue is bound for it is dropped by the broker.
   */
  subscriberQueues?: Omit<SubscriberQueuesOptions, 'exchange'>;
  metrics?: EventMetrics;
  /** Backoff for re-opening the channel after the broker closed it. */
  retry?: Partial<Backoff>;
}

export interface PublishOptions {
  /**
   * The `traceparent` of the span that wrote the event's outbox row (the relay passes it): the
   * publish span continues that trace and links to that span. Otherwise the active span is its parent.
   */
  traceparent?: string;
}

export interface Publisher {
  /**
   * Declares the exchange (and the subscriber queues) and opens the confirm channel if connected;
   * rejects on a topology conflict.
   */
  start(): Promise<void>;
  /** Validates, publishes (persistent) and resolves on the broker's confirm. */
  publish(event: DomainEvent, options?: PublishOptions): Promise<void>;
  /** Whether a confirm channel is open right now. */
  isReady(): boolean;
  close(): Promise<void>;
}

interface OpenChannel {
  channel: ConfirmChannel;
  /** Set while the channel's write buffer is full: publishes wait for it to drain. */
  drained: Promise<void> | undefined;
}

export function createPublisher(options: PublisherOptions): Publisher {
  const exchange = options.exchange ?? defaultExchange;
  const metrics = options.metrics ?? createEventMetrics();
  const log = options.log.child({ component: 'event-publisher', exchange });
  const open = new WeakMap<ConfirmChannel, OpenChannel>();

  async function setup(connection: ChannelModel): Promise<ConfirmChannel> {
    if (options.subscriberQueues === undefined) await declareExchange(connection, exchange);
    else await declareSubscriberQueues(connection, { ...options.subscriberQueues, exchange });
    const channel = await connection.createConfirmChannel();
    channel.on('error', (error: Error) => log.warn({ err: error }, 'publisher channel error'));
    channel.on('return', (message: Message) => {
      const type = String(message.properties.type);
      metrics.unroutable.inc({ type });
      log.warn(
        { eventType: type, eventId: message.properties.messageId },
        'no queue is bound for this event',
      );
    });
    open.set(channel, { channel, drained: undefined });
    return channel;
  }

  const keeper = createChannelKeeper({ connection: options.connection, log, setup, retry: options.retry });

  async function publish(event: DomainEvent, publishOptions: PublishOptions = {}): Promise<void> {
    const valid = parseEvent(event);
    const current = keeper.current();
    const state = current && open.get(current);
    if (!state) {
      throw new BusUnavailableError(
        `event bus is not connected; ${valid.type} ${valid.id} was not published`,
      );
    }
    // Waiters resume in the order they started waiting, so events keep their order.
    if (state.drained) await state.drained;
    const traced = startPublishSpan(exchange, valid, publishOptions.traceparent);
    // The publish span's traceparent (and tracestate, baggage): the consumers continue from it.
    const headers: Record<string, string> = { [correlationIdHeader]: valid.correlationId, ...traced.headers };
    const content = Buffer.from(JSON.stringify(valid));
    await new Promise<void>((resolve, reject) => {
      const confirmed = (error: unknown) => {
        if (error) {
          const failure = new PublishError(`the broker did not confirm ${valid.type} ${valid.id}`, {
            cause: error,
          });
          endPublishSpan(traced.span, failure);
          reject(failure);
          return;
        }
        metrics.confirmed.inc({ type: valid.type });
        endPublishSpan(traced.span);
        resolve();
      };
      try {
        const writable = state.channel.publish(
          exchange,
          valid.type,
          content,
          {
            persistent: true,
            mandatory: true,
            contentType: 'application/json',
            messageId: valid.id,
            type: valid.type,
            timestamp: Math.floor(Date.parse(valid.occurredAt) / 1_000),
            appId: options.appId,
            headers,
          },
          confirmed,
        );
        metrics.published.inc({ type: valid.type });
        if (!writable && !state.drained) state.drained = whenDrained(state);
      } catch (error) {
        const failure = new PublishError(`could not publish ${valid.type} ${valid.id}`, { cause: error });
        endPublishSpan(traced.span, failure);
        reject(failure);
      }
    });
  }

  return {
    start: () => keeper.start(),
    publish,
    isReady: () => keeper.current() !== undefined,
    async close() {
      const channel = keeper.stop();
      if (!channel) return;
      // Let publishes in flight get their confirms; on a broken channel they have failed already.
      await channel.waitForConfirms().catch(() => {});
      await channel.close().catch(() => {});
    },
  };
}

function whenDrained(state: OpenChannel): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      state.channel.off('drain', done);
      state.channel.off('close', done);
      state.drained = undefined;
      resolve();
    };
    // On close the waiting publishes go on and fail on the closed channel, each with its error.
    state.channel.on('drain', done);
    state.channel.on('close', done);
  });
}

/**
 * An event carrying the current context's correlation id and traceparent (a fresh correlation id
 * outside any context, e.g. in a scheduled job). Throws InvalidEventError for an invalid payload.
 */
export function createEventInContext<T extends EventType>(
  type: T,
  payload: EventPayloadInput<T>,
  overrides: { id?: string; occurredAt?: Date } = {},
): DomainEvent<T> {
  const context = getContext();
  const traceparent = activeTraceparent() ?? (context === undefined ? undefined : traceparentOf(context));
  return createEvent(type, payload, {
    ...overrides,
    correlationId: context?.correlationId ?? crypto.randomUUID(),
    ...(traceparent === undefined ? {} : { traceparent }),
  });
}
