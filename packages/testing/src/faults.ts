// Faults on demand in tests: a service's `faults` flag written as `npm run fault` writes it (the
// Redis hash `<prefix>flags:faults`, see @trio/service-runtime's faults/redis-flags.ts), then a
// wait until the service under test follows it.
import type { TestRedis } from './redis.ts';
import { waitFor } from './wait.ts';

/** Sets (or, given `{}`, clears) `service`'s faults and waits until `current()` shows them. */
export async function setServiceFaults(
  redis: TestRedis,
  service: string,
  set: Record<string, unknown>,
  current: () => unknown,
): Promise<void> {
  const key = redis.key('flags:faults');
  if (Object.keys(set).length === 0) await redis.client.del(key);
  else await redis.client.hSet(key, service, JSON.stringify(set));
  await waitFor(`${service} to follow its faults`, () => JSON.stringify(current()) === JSON.stringify(set));
}

/** A service host's `faults` option on the test file's Redis, refreshed every 25 ms. */
export function faultsOn(redis: TestRedis): { redisUrl: string; keyPrefix: string; refreshMs: number } {
  return { redisUrl: redis.url, keyPrefix: redis.prefix, refreshMs: 25 };
}
