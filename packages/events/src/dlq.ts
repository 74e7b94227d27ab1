// Operations on a consumer's dead-letter queue `<queue>.dlq`: list what is there and why, show one
// message in full, replay messages to the consumer's queue with their attempt counters reset, and
// purge the ones no replay will get through (a poison message).
//
// AMQP has no "peek": list and show take messages with basic.get and then give every one of them
// back (nack with requeue), so they stay in the DLQ. Replay sends each message to the queue with a
// confirm before acking it in the DLQ: an interruption duplicates a message at worst (the consumer's
// inbox absorbs that), it never loses one.
import type { ChannelModel, GetMessage } from 'amqplib';
import { createConfirmedSender, forwardedProperties } from './confirmed-send.ts';
import { trioHeaders as headers } from './headers.ts';
import { deadLetterQueueName } from './topology.ts';

export interface DeadLetterSummary {
  /** 1-based place in the DLQ when it was read. */
  position: number;
  messageId: string | undefined;
  type: string | undefined;
  /** `x-trio-dead-reason`; `rejected` when the broker dead-lettered it itself. */
  reason: string | undefined;
  /** The validation problem or the handler's last error. */
  error: string | undefined;
  /** Handler attempts made before it was dead-lettered. */
  attempts: number;
  deadLetteredAt: string | undefined;
}

export interface DeadLetter extends DeadLetterSummary {
  properties: Record<string, unknown>;
  headers: Record<string, unknown>;
  /** The body, parsed when it is JSON, as text otherwise. */
  body: unknown;
}

export interface DeadLetterListing {
  queue: string;
  deadLetterQueue: string;
  /** Messages in the DLQ (more than `messages` when over the limit). */
  count: number;
  messages: DeadLetterSummary[];
}

/** Accepts the consumer queue's name or its DLQ's name. */
function queueNames(queue: string): { queue: string; dlq: string } {
  const base = queue.endsWith('.dlq') ? queue.slice(0, -'.dlq'.length) : queue;
  return { queue: base, dlq: deadLetterQueueName(base) };
}

export async function listDeadLetters(
  connection: ChannelModel,
  queue: string,
  options: { limit?: number } = {},
): Promise<DeadLetterListing> {
  const names = queueNames(queue);
  const { count, messages } = await peek(connection, names.dlq, options.limit ?? 50);
  return { queue: names.queue, deadLetterQueue: names.dlq, count, messages: messages.map(summarize) };
}

/** One message by message id, or by its 1-based position. */
export async function showDeadLetter(
  connection: ChannelModel,
  queue: string,
  selector: string,
): Promise<DeadLetter | undefined> {
  const { dlq } = queueNames(queue);
  const position = /^#?\d+$/.test(selector) ? Number(selector.replace('#', '')) : undefined;
  const matches = (message: GetMessage, at: number) =>
    position === undefined ? message.properties.messageId === selector : at === position;
  const { messages } = await peek(connection, dlq, position ?? Number.POSITIVE_INFINITY, matches);
  const found = messages.find((taken) => matches(taken.message, taken.position));
  return found === undefined ? undefined : describe(found);
}

export interface ReplayResult {
  replayed: number;
  /** Messages left in the DLQ afterwards. */
  remaining: number;
}

/** Moves messages (all, at most `limit`, or the one with `messageId`) back to the consumer's queue. */
export async function replayDeadLetters(
  connection: ChannelModel,
  queue: string,
  options: { limit?: number; messageId?: string } = {},
): Promise<ReplayResult> {
  const names = queueNames(queue);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const channel = await connection.createConfirmChannel();
  channel.on('error', () => {});
  const sender = createConfirmedSender(channel);
  let replayed = 0;
  try {
    const { messageCount } = await checkQueue(channel, names.dlq);
    await checkQueue(channel, names.queue);
    // Only the messages there at the start: a replayed poison message may come back meanwhile.
    for (let taken = 0; taken < messageCount && replayed < limit; taken++) {
      const message = await channel.get(names.dlq, { noAck: false });
      if (message === false) break;
      if (options.messageId !== undefined && message.properties.messageId !== options.messageId) continue;
      await sender.send(names.queue, message.content, forwardedProperties(message, resetHeaders(message)));
      channel.ack(message);
      replayed += 1;
    }
    // Messages skipped (or the one whose send failed) go back to the DLQ.
    channel.nackAll(true);
    const { messageCount: remaining } = await channel.checkQueue(names.dlq);
    return { replayed, remaining };
  } finally {
    await channel.close().catch(() => {});
  }
}

export interface PurgeResult {
  purged: number;
  /** Messages left in the DLQ afterwards. */
  remaining: number;
}

/**
 * Deletes messages from the DLQ for good (all, at most `limit`, or the one with `messageId`): for a
 * poison message that no replay will ever get through. Each is acked only after it was read, so
 * an interruption leaves it in the DLQ.
 */
export async function purgeDeadLetters(
  connection: ChannelModel,
  queue: string,
  options: { limit?: number; messageId?: string } = {},
): Promise<PurgeResult> {
  const { dlq } = queueNames(queue);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const channel = await connection.createChannel();
  channel.on('error', () => {});
  let purged = 0;
  try {
    const { messageCount } = await checkQueue(channel, dlq);
    for (let taken = 0; taken < messageCount && purged < limit; taken++) {
      const message = await channel.get(dlq, { noAck: false });
      if (message === false) break;
      if (options.messageId !== undefined && message.properties.messageId !== options.messageId) continue;
      channel.ack(message);
      purged += 1;
    }
    // The messages skipped go back to the DLQ; counted once the channel is closed (and they are back).
    channel.nackAll(true);
  } finally {
    await channel.close().catch(() => {});
  }
  const counter = await connection.createChannel();
  counter.on('error', () => {});
  try {
    const { messageCount: remaining } = await counter.checkQueue(dlq);
    return { purged, remaining };
  } finally {
    await counter.close().catch(() => {});
  }
}

interface Taken {
  position: number;
  message: GetMessage;
}

/** Reads up to `limit` messages (stopping early at `until`) and returns them all to the queue. */
async function peek(
  connection: ChannelModel,
  dlq: string,
  limit: number,
  until?: (message: GetMessage, position: number) => boolean,
): Promise<{ count: number; messages: Taken[] }> {
  const channel = await connection.createChannel();
  channel.on('error', () => {});
  try {
    const { messageCount } = await checkQueue(channel, dlq);
    const messages: Taken[] = [];
    while (messages.length < Math.min(messageCount, limit)) {
      const message = await channel.get(dlq, { noAck: false });
      if (message === false) break;
      const position = messages.length + 1;
      messages.push({ position, message });
      if (until?.(message, position)) break;
    }
    channel.nackAll(true);
    return { count: messageCount, messages };
  } finally {
    await channel.close().catch(() => {});
  }
}

async function checkQueue(
  channel: Awaited<ReturnType<ChannelModel['createChannel']>>,
  name: string,
): Promise<{ messageCount: number }> {
  try {
    return await channel.checkQueue(name);
  } catch (error) {
    throw new Error(`queue "${name}" does not exist`, { cause: error });
  }
}

function summarize({ position, message }: Taken): DeadLetterSummary {
  const h = message.properties.headers ?? {};
  const attempts: unknown = h[headers.attempts];
  const brokerReason = Array.isArray(h['x-death'])
    ? (h['x-death'][0] as { reason?: string })?.reason
    : undefined;
  return {
    position,
    messageId: message.properties.messageId as string | undefined,
    type: message.properties.type as string | undefined,
    reason: text(h[headers.deadReason]) ?? brokerReason,
    error: text(h[headers.error]),
    attempts: typeof attempts === 'number' ? attempts : 0,
    deadLetteredAt: text(h[headers.deadLetteredAt]),
  };
}

function describe(taken: Taken): DeadLetter {
  const { message } = taken;
  const raw = message.content.toString('utf8');
  let body: unknown = raw;
  try {
    body = JSON.parse(raw);
  } catch {
    // Not JSON (likely why it is here): show the text.
  }
  const properties = Object.fromEntries(
    Object.entries(message.properties).filter(([key, value]) => key !== 'headers' && value !== undefined),
  );
  return { ...summarize(taken), properties, headers: message.properties.headers ?? {}, body };
}

function resetHeaders(message: GetMessage): Record<string, unknown> {
  const kept = { ...message.properties.headers };
  for (const name of [headers.attempts, headers.deadReason, headers.error, headers.deadLetteredAt]) {
    delete kept[name];
  }
  const replays: unknown = kept[headers.replays];
  kept[headers.replays] = (typeof replays === 'number' ? replays : 0) + 1;
  return kept;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}
