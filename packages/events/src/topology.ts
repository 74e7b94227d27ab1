// The broker objects, declared from code by whoever needs them: each consumer declares its queues,
// and publishers declare the exchange and, before their first publish, the main queue (and DLQ) of
// every subscription their events feed, so that an event published before its consumer ever
// started waits in the consumer's durable queue instead of being dropped by the exchange. Queue
// names and bindings come from the contracts' `eventSubscriptions`. For a consumer queue Q:
//
//   exchange (topic) --event type--> Q --handler error--> Q.retry.<delay> --TTL--> Q (again)
//                                     \--invalid, or out of attempts--> Q.dlq
//
// The consumer itself moves failed deliveries to a retry tier or to Q.dlq (publishing with a
// confirm, then acking), so that it can write the reason and the attempt count into headers. Each
// retry tier is a queue without consumers whose messages expire after its delay and are then
// dead-lettered by the broker back to Q through the default exchange. Q dead-letters to Q.dlq
// itself too, as a safety net for a delivery the consumer has to reject.
//
// Both sides declare Q and Q.dlq with the same arguments (mainQueueArguments), so whichever comes
// second agrees with the first. Retry tiers are the consumer's alone: their delays are its choice.
//
// Declarations are idempotent. A queue or exchange that already exists with other arguments makes
// the broker close the channel with 406 PRECONDITION_FAILED; we turn that into a TopologyError
// naming the object and the argument, so that the service fails to start with a clear message.

import type { ServiceName } from '@trio/contracts/common';
import {
  type EventType,
  eventCatalogue,
  eventSubscriptions,
  eventsExchange,
  type SubscriptionName,
  subscriptionNames,
} from '@trio/contracts/events';
import type { Channel, ChannelModel } from 'amqplib';

export const defaultExchange = eventsExchange.name;

/** Delays of the retry tiers, shortest first; a failed delivery waits in the next one. */
export const defaultRetryDelaysMs: readonly number[] = [1_000, 5_000, 30_000];

export function deadLetterQueueName(queue: string): string {
  return `${queue}.dlq`;
}

/** `Q.retry.5s`, `Q.retry.250ms`: the delay is in the name, so changing a tier makes a new queue. */
export function retryQueueName(queue: string, delayMs: number): string {
  const delay = delayMs % 1_000 === 0 ? `${delayMs / 1_000}s` : `${delayMs}ms`;
  return `${queue}.retry.${delay}`;
}

export interface ConsumerTopology {
  exchange: string;
  queue: string;
  /** Routing keys Q is bound with: the event types the consumer handles. */
  eventTypes: readonly EventType[];
  retryDelaysMs: readonly number[];
}

/** What a topology error is about, for callers that want more than the message. */
export interface TopologyConflict {
  kind: 'queue' | 'exchange';
  name: string;
  argument: string;
}

export class TopologyError extends Error {
  override readonly name = 'TopologyError';
  readonly conflict: TopologyConflict | undefined;

  constructor(message: string, options: { cause?: unknown; conflict?: TopologyConflict } = {}) {
    super(message, { cause: options.cause });
    this.conflict = options.conflict;
  }
}

export function validateRetryDelays(delaysMs: readonly number[]): void {
  for (const delay of delaysMs) {
    if (!Number.isInteger(delay) || delay <= 0) {
      throw new Error(`retry delays must be positive whole milliseconds, got ${delay}`);
    }
  }
  if (new Set(delaysMs).size !== delaysMs.length) {
    throw new Error(`retry delays must differ from each other (each is a queue), got ${delaysMs.join(', ')}`);
  }
}

/** The consumer's queue arguments, for Q itself. */
export function mainQueueArguments(queue: string): Record<string, unknown> {
  return { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': deadLetterQueueName(queue) };
}

export function retryQueueArguments(queue: string, delayMs: number): Record<string, unknown> {
  return {
    'x-message-ttl': delayMs,
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': queue,
  };
}

/**
 * Declares the events exchange. Runs on a channel of its own, because a failed declaration closes
 * the channel it was made on.
 */
export async function declareExchange(connection: ChannelModel, exchange: string): Promise<void> {
  await onScratchChannel(connection, (channel) => assertExchange(channel, exchange));
}

/** The subscriptions bound with at least one event type that `service` publishes. */
export function subscriptionsFedBy(service: ServiceName): SubscriptionName[] {
  return subscriptionNames.filter((name) =>
    eventSubscriptions[name].types.some((type) => eventCatalogue[type].publisher === service),
  );
}

/**
 * Every queue some services declare on the broker, named as in the contracts (before any prefix):
 * for each subscription their events feed, the queue and its DLQ (publishers declare both); for
 * each subscription in `consumed`, the queue, its DLQ and its retry tiers. Tests name them all so
 * that their cleanup deletes every one.
 */
export function queuesDeclaredBy(
  publishers: readonly ServiceName[],
  consumed: readonly SubscriptionName[] = [],
  retryDelaysMs: readonly number[] = defaultRetryDelaysMs,
): string[] {
  const queues = new Set<string>();
  for (const subscription of [...publishers.flatMap(subscriptionsFedBy), ...consumed]) {
    queues.add(subscription);
    queues.add(deadLetterQueueName(subscription));
  }
  for (const subscription of consumed) {
    for (const delay of retryDelaysMs) queues.add(retryQueueName(subscription, delay));
  }
  return [...queues];
}

export interface SubscriberQueuesOptions {
  /** The publishing service. */
  service: ServiceName;
  exchange: string;
  /** The queue of a subscription: its name by default (tests prefix it). */
  queueName?: (subscription: SubscriptionName) => string;
}

/**
 * Declares, for every subscription fed by `service`, Q.dlq and Q with the consumer's arguments,
 * and binds Q with all of the subscription's types, as its consumer will. Returns the queues.
 */
export async function declareSubscriberQueues(
  connection: ChannelModel,
  options: SubscriberQueuesOptions,
): Promise<string[]> {
  const { exchange, queueName = (subscription) => subscription } = options;
  const declared: string[] = [];
  await onScratchChannel(connection, async (channel) => {
    await assertExchange(channel, exchange);
    for (const subscription of subscriptionsFedBy(options.service)) {
      const queue = queueName(subscription);
      await assertQueue(channel, deadLetterQueueName(queue), {});
      await assertQueue(channel, queue, mainQueueArguments(queue));
      for (const type of eventSubscriptions[subscription].types)
        await channel.bindQueue(queue, exchange, type);
      declared.push(queue);
    }
  });
  return declared;
}

/** Declares the exchange, Q bound by each event type, its retry tiers and Q.dlq. */
export async function declareConsumerTopology(
  connection: ChannelModel,
  topology: ConsumerTopology,
): Promise<void> {
  validateRetryDelays(topology.retryDelaysMs);
  for (const type of topology.eventTypes) {
    if (!Object.hasOwn(eventCatalogue, type)) throw new TopologyError(`"${type}" is not an event type`);
  }
  const { exchange, queue } = topology;
  await onScratchChannel(connection, async (channel) => {
    await assertExchange(channel, exchange);
    await assertQueue(channel, deadLetterQueueName(queue), {});
    for (const delay of topology.retryDelaysMs) {
      await assertQueue(channel, retryQueueName(queue, delay), retryQueueArguments(queue, delay));
    }
    await assertQueue(channel, queue, mainQueueArguments(queue));
    for (const type of topology.eventTypes) await channel.bindQueue(queue, exchange, type);
  });
}

async function assertExchange(channel: Channel, exchange: string): Promise<void> {
  try {
    await channel.assertExchange(exchange, eventsExchange.type, { durable: true });
  } catch (error) {
    throw topologyError(error, 'exchange', exchange);
  }
}

async function assertQueue(channel: Channel, queue: string, args: Record<string, unknown>): Promise<void> {
  try {
    await channel.assertQueue(queue, { durable: true, arguments: args });
  } catch (error) {
    throw topologyError(error, 'queue', queue);
  }
}

async function onScratchChannel(
  connection: ChannelModel,
  work: (channel: Channel) => Promise<void>,
): Promise<void> {
  const channel = await connection.createChannel();
  // After a failed declaration the channel is closed by the broker and emits 'error'; the rejected
  // call already tells the caller, so the event needs a listener only to not crash the process.
  channel.on('error', () => {});
  await work(channel);
  await channel.close();
}

// RabbitMQ words it as: PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for queue 'q' in
// vhost '/': received the value '1000' of type 'signedint' but current is none
const inequivalent = /inequivalent arg '([^']+)' for (queue|exchange) '([^']+)'[^:]*: (.*?)"?$/;

function topologyError(error: unknown, kind: 'queue' | 'exchange', name: string): unknown {
  if (!isPreconditionFailed(error)) return error;
  const match = inequivalent.exec(error.message);
  if (!match) {
    return new TopologyError(`${kind} "${name}" cannot be declared: ${error.message}`, { cause: error });
  }
  const [, argument, , , detail] = match;
  return new TopologyError(
    `${kind} "${name}" already exists with a different "${argument}" (${detail}). ` +
      `Delete the ${kind} or migrate it to the declared arguments, then restart.`,
    { cause: error, conflict: { kind, name, argument: argument! } },
  );
}

function isPreconditionFailed(error: unknown): error is Error & { code: number } {
  return error instanceof Error && (error as { code?: unknown }).code === 406;
}
