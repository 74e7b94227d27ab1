// One Redis key prefix per test file. Services take the prefix as configuration (REDIS_KEY_PREFIX)
// and put it in front of every key; drop() deletes every key under it.
import { createClient } from 'redis';
import { endpointsFromEnv } from './endpoints.ts';
import { uniqueName } from './ids.ts';

function openClient(url: string) {
  // No retries: a test whose Redis goes away should fail, not wait.
  return createClient({ url, RESP: 3, socket: { reconnectStrategy: false } });
}

/** The node-redis v5 client (RESP3) a test reads and writes its keys with. */
export type TestRedisClient = ReturnType<typeof openClient>;

export interface TestRedis {
  url: string;
  /** Key prefix owned by this test file, ending in ':'. */
  prefix: string;
  /** `name` under the prefix: the keys a service configured with `prefix` writes. */
  key(name: string): string;
  /** A connected client; it adds no prefix, so give it keys from `key()`. Closed by drop(). */
  client: TestRedisClient;
  drop(): Promise<void>;
}

export async function createTestRedis(url = endpointsFromEnv().redisUrl): Promise<TestRedis> {
  const prefix = `${uniqueName('test')}:`;
  const client = openClient(url);
  // A lost connection fails the command that needed it; the event itself must not end the process.
  client.on('error', () => {});
  await client.connect();
  let dropped = false;
  return {
    url,
    prefix,
    key: (name) => `${prefix}${name}`,
    client,
    async drop() {
      if (dropped) return;
      dropped = true;
      try {
        // In v5 the iterator yields each SCAN reply's keys as one array.
        for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
          if (keys.length > 0) await client.unlink(keys);
        }
      } finally {
        client.destroy();
      }
    },
  };
}
