// The chaos run's poison message: one malformed event published on the shop's exchange, as a
// broken publisher would send it. The consumer must dead-letter it at once (reason invalid_event)
// instead of retrying or crashing; the operator's tooling (`npm run dlq`, @trio/events/dlq) then
// replays it, which puts it straight back in the DLQ, and purges it, so the DLQs end empty again.
import { randomUUID } from 'node:crypto';
import { listDeadLetters, purgeDeadLetters, replayDeadLetters } from '@trio/events/dlq';
import amqp, { type ChannelModel } from 'amqplib';
import type { ChaosStep } from './steps.ts';

export interface PoisonTarget {
  amqpUrl: string;
  /** The shop's events exchange (EVENTS_EXCHANGE). */
  exchange: string;
  /** Each queue is `<queuePrefix><subscription>`. */
  queuePrefix: string;
}

/** The fault's name in the table, also how the run finds its row. */
export const poisonFault = 'poison message';
/** user.registered feeds one queue: billing's. */
const routingKey = 'user.registered';
const subscription = 'billing.customers';

async function waitUntilDeadLettered(connection: ChannelModel, queue: string, id: string): Promise<string> {
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    const { messages } = await listDeadLetters(connection, queue, { limit: 1_000 });
    const found = messages.find((message) => message.messageId === id);
    if (found !== undefined) return found.reason ?? 'no reason';
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the poison message ${id} did not reach ${queue}.dlq within 20 s`);
}

export function poisonStep(target: PoisonTarget): ChaosStep {
  return {
    fault: poisonFault,
    target: subscription,
    async inject() {
      const id = randomUUID();
      const queue = `${target.queuePrefix}${subscription}`;
      const connection = await amqp.connect(target.amqpUrl, {
        clientProperties: { connection_name: 'trio-chaos-poison' },
      });
      connection.on('error', () => {});
      try {
        const channel = await connection.createConfirmChannel();
        // Not JSON: no contract can accept it.
        channel.publish(target.exchange, routingKey, Buffer.from('{"type":"user.registered","payload":'), {
          messageId: id,
          type: routingKey,
          contentType: 'application/json',
          persistent: true,
        });
        await channel.waitForConfirms();
        await channel.close();
        const reason = await waitUntilDeadLettered(connection, queue, id);
        const replayed = await replayDeadLetters(connection, queue, { messageId: id });
        if (replayed.replayed !== 1) throw new Error(`the replay moved ${replayed.replayed} messages`);
        await waitUntilDeadLettered(connection, queue, id);
        const { purged } = await purgeDeadLetters(connection, queue, { messageId: id });
        if (purged !== 1) throw new Error(`the purge removed ${purged} messages`);
        return { detail: `dead-lettered (${reason}), replayed, dead-lettered again, purged` };
      } finally {
        await connection.close().catch(() => {});
      }
    },
  };
}

/** The message ids in a queue's DLQ (for the events invariant: a missing event may be there). */
export function deadLetteredIds(amqpUrl: string): (queue: string) => Promise<Set<string>> {
  return async (queue) => {
    const connection = await amqp.connect(amqpUrl);
    connection.on('error', () => {});
    try {
      const { messages } = await listDeadLetters(connection, queue, { limit: 10_000 });
      return new Set(
        messages.flatMap((message) => (message.messageId === undefined ? [] : [message.messageId])),
      );
    } finally {
      await connection.close().catch(() => {});
    }
  };
}
