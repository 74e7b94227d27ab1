// Where a delivery goes when it is not simply acked: to the next retry tier after a handler
// failed, or to the dead-letter queue (invalid, unhandled type, attempts used up), with the reason
// in its headers. A move publishes a copy with a confirm before acking the original, so a crash in
// between duplicates rather than loses it, and the consumer's inbox absorbs the duplicate.
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
import { type ConfirmedSender, forwardedProperties } from './confirmed-send.ts';
import { type DeadLetterReason, trioHeaders as headers } from './headers.ts';
import type { EventMetrics } from './metrics.ts';
import { deadLetterQueueName, retryQueueName } from './topology.ts';

export interface DeliveryMoverOptions {
  /** The consumer's queue, whose retry tiers and dead-letter queue are the targets. */
  queue: string;
  retryDelaysMs: readonly number[];
  log: Logger;
  metrics: EventMetrics;
}

export interface DeliveryMover {
  /** To the retry tier of `attempt` (the last tier once the tiers are used up). */
  retryLater(
    channel: ConfirmChannel,
    sender: ConfirmedSender,
    message: ConsumeMessage,
    type: string,
    attempt: number,
    error: unknown,
  ): Promise<void>;
  deadLetter(
    channel: ConfirmChannel,
    sender: ConfirmedSender,
    message: ConsumeMessage,
    reason: DeadLetterReason,
    detail: string,
    attempts: number,
  ): Promise<void>;
  /** Acks or rejects; false when the channel has closed (the broker will redeliver the message). */
  settle(channel: ConfirmChannel, message: ConsumeMessage, how: 'ack' | 'reject'): boolean;
}

export function createDeliveryMover(options: DeliveryMoverOptions): DeliveryMover {
  const { queue, retryDelaysMs, log, metrics } = options;

  /** Copies the message to `target` with a confirm, then acks it; returns whether it moved. */
  async function move(
    channel: ConfirmChannel,
    sender: ConfirmedSender,
    message: ConsumeMessage,
    target: string,
    extraHeaders: Record<string, unknown>,
  ): Promise<boolean> {
    const merged = { ...message.properties.headers, ...extraHeaders };
    try {
      await sender.send(target, message.content, forwardedProperties(message, merged));
    } catch (error) {
      // The broker's own dead-lettering (Q → Q.dlq) takes it instead; the reason headers are lost
      // but the message is not. On a closed channel this does nothing and the broker redelivers.
      log.error({ err: error, target }, 'could not move the delivery; rejecting it to the dead-letter queue');
      settle(channel, message, 'reject');
      return false;
    }
    return settle(channel, message, 'ack');
  }

  function settle(channel: ConfirmChannel, message: ConsumeMessage, how: 'ack' | 'reject'): boolean {
    try {
      if (how === 'ack') channel.ack(message);
      else channel.reject(message, false);
      return true;
    } catch (error) {
      log.debug({ err: error }, 'channel closed before the delivery was settled; it will be redelivered');
      return false;
    }
  }

  return {
    async retryLater(channel, sender, message, type, attempt, error) {
      const delay = retryDelaysMs[Math.min(attempt, retryDelaysMs.length) - 1]!;
      const moved = await move(channel, sender, message, retryQueueName(queue, delay), {
        [headers.attempts]: attempt,
        [headers.error]: errorText(error),
        [headers.queue]: queue,
      });
      if (moved) metrics.retried.inc({ queue, type });
    },

    async deadLetter(channel, sender, message, reason, detail, attempts) {
      if (reason !== 'handler_failed') {
        log.warn({ reason, detail, messageId: message.properties.messageId }, 'dead-lettering');
      }
      const moved = await move(channel, sender, message, deadLetterQueueName(queue), {
        [headers.attempts]: attempts,
        [headers.deadReason]: reason,
        [headers.error]: detail,
        [headers.deadLetteredAt]: new Date().toISOString(),
        [headers.queue]: queue,
      });
      if (moved) metrics.deadLettered.inc({ queue, reason });
    },

    settle,
  };
}

/** An error as a header value: its name and message, bounded. */
export function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, 1_000);
}
