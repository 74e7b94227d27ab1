// One Redis key prefix per test file. Services take the prefix as configuration (ioredis
// `keyPrefix`), and drop() deletes every key under it.
import { Redis } from 'ioredis';
import { endpointsFromEnv } from './endpoints.ts';
import { uniqueName } from './ids.ts';

export interface TestRedis {
  url: string;
  /** Key prefix owned by this test file, ending in ':'. */
  prefix: string;
  /** A client whose keys are all under the prefix; closed by drop(). */
  client: Redis;
  drop(): Promise<void>;
}

export async function createTestRedis(url = endpointsFromEnv().redisUrl): Promise<TestRedis> {
  const prefix = `${uniqueName('test')}:`;
  const client = new Redis(url, { keyPrefix: prefix, lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  let dropped = false;
  return {
    url,
    prefix,
    client,
    async drop() {
      if (dropped) return;
      dropped = true;
      // SCAN and DEL take raw key names, so use a client without the prefix.
      const raw = client.duplicate({ keyPrefix: '' });
      try {
        let cursor = '0';
        do {
          const [next, keys] = await raw.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
          if (keys.length > 0) await raw.unlink(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        raw.disconnect();
        client.disconnect();
      }
    },
  };
}
