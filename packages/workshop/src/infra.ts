// The fault flags (`npm run fault`'s OpenFeature flag in Redis) and the dead-letter queues
// (`npm run dlq`'s), as the checkers and the reset read and change them: through the same stores
// and names as those tools.
import { eventSubscriptions } from '@trio/contracts/events';
import { deadLetterQueueName } from '@trio/events/topology';
import { parseFaultWords } from '@trio/service-runtime/fault-args';
import { createFlagStore } from '@trio/service-runtime/fault-flags';
import { FaultSet, faultsFlag } from '@trio/service-runtime/faults';
import amqp from 'amqplib';
import { brokerQueue, type LabContext } from './context.ts';

async function withFlags<T>(
  context: LabContext,
  use: (store: ReturnType<typeof createFlagStore>) => Promise<T>,
): Promise<T> {
  const store = createFlagStore({ url: context.redisUrl, keyPrefix: context.faultsKeyPrefix });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/** The faults set now, by service. */
export function faultsSet(context: LabContext): Promise<Record<string, unknown>> {
  return withFlags(context, (store) => store.get(faultsFlag));
}

/** Adds faults to a service's, given as `npm run fault -- set` takes them (`latency=300ms`). */
export function setFault(context: LabContext, service: string, words: readonly string[]): Promise<void> {
  return withFlags(context, async (store) => {
    const now = FaultSet.safeParse((await store.get(faultsFlag))[service] ?? {});
    await store.set(faultsFlag, service, { ...(now.success ? now.data : {}), ...parseFaultWords(words) });
  });
}

/** Removes every service's faults; true when some were set. */
export function clearFaults(context: LabContext, service?: string): Promise<boolean> {
  return withFlags(context, (store) => store.remove(faultsFlag, service));
}

/** Every consumer queue's DLQ, as named on this broker. */
export function deadLetterQueues(context: LabContext): string[] {
  return Object.keys(eventSubscriptions).map((queue) => brokerQueue(context, deadLetterQueueName(queue)));
}

async function withChannel<T>(context: LabContext, use: (channel: amqp.Channel) => Promise<T>): Promise<T> {
  const connection = await amqp.connect(context.amqpUrl, {
    clientProperties: { connection_name: 'trio-lab' },
  });
  connection.on('error', () => {});
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    return await use(channel);
  } finally {
    await connection.close().catch(() => {});
  }
}

/** Messages waiting in a queue; undefined when the queue does not exist. */
export function queueDepth(context: LabContext, queue: string): Promise<number | undefined> {
  return withChannel(context, async (channel) => {
    try {
      return (await channel.checkQueue(queue)).messageCount;
    } catch {
      return undefined;
    }
  });
}

/** Empties every DLQ of the shop that holds messages; their names and counts. */
export async function purgeDeadLetters(context: LabContext): Promise<{ queue: string; purged: number }[]> {
  const purged: { queue: string; purged: number }[] = [];
  for (const queue of deadLetterQueues(context)) {
    // A channel per queue: checking a queue that does not exist closes the channel.
    const count = await withChannel(context, async (channel) => {
      try {
        await channel.checkQueue(queue);
      } catch {
        return 0;
      }
      return (await channel.purgeQueue(queue)).messageCount;
    });
    if (count > 0) purged.push({ queue, purged: count });
  }
  return purged;
}
