// One name prefix per test file for exchanges and queues. (A vhost per file would need the
// management API, which a plain broker does not have.) Names made through name() are deleted by
// drop(), so a test file leaves the broker as it found it.
import amqp from 'amqplib';
import { endpointsFromEnv } from './endpoints.ts';
import { uniqueName } from './ids.ts';

export interface TestBroker {
  url: string;
  prefix: string;
  /** Prefixes a queue or exchange name and remembers it for drop(). */
  queue(name: string): string;
  exchange(name: string): string;
  /** How many consumers the queue (a full name, prefix included) has now; throws if it does not exist. */
  consumers(queue: string): Promise<number>;
  drop(): Promise<void>;
}

export async function createTestBroker(url = endpointsFromEnv().amqpUrl): Promise<TestBroker> {
  const prefix = `${uniqueName('test')}.`;
  const queues = new Set<string>();
  const exchanges = new Set<string>();
  // Fail now, with the URL in the message, rather than in the middle of the first test.
  const probe = await amqp.connect(url);
  await probe.close();
  let dropped = false;
  return {
    url,
    prefix,
    queue(name) {
      const full = prefix + name;
      queues.add(full);
      return full;
    },
    exchange(name) {
      const full = prefix + name;
      exchanges.add(full);
      return full;
    },
    async consumers(queue) {
      const connection = await amqp.connect(url);
      try {
        const channel = await connection.createChannel();
        const { consumerCount } = await channel.checkQueue(queue);
        await channel.close();
        return consumerCount;
      } finally {
        await connection.close();
      }
    },
    async drop() {
      if (dropped) return;
      dropped = true;
      const connection = await amqp.connect(url);
      try {
        const channel = await connection.createChannel();
        for (const q of queues) await channel.deleteQueue(q);
        for (const e of exchanges) await channel.deleteExchange(e);
        await channel.close();
      } finally {
        await connection.close();
      }
    },
  };
}
