// What a test file that runs the launcher needs around it: its own database, Redis database and
// exchange (every queue the shop declares registered for the drop), and the environment that
// points the launcher's services at them. Registers the file's before and after hooks.
import { after, before } from 'node:test';
import type { ServiceName } from '@trio/contracts/common';
import { registerQueues } from '@trio/shop-testing/peers';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import { createClient } from 'redis';
import { services } from '../../src/services.ts';

export interface ShopEnv {
  infra: TestInfra;
  /** DATABASE_URL, REDIS_URL, AMQP_URL, EVENTS_EXCHANGE, … for the launcher's environment. */
  env: Record<string, string>;
}

export function useShopEnv(redisDb: number): ShopEnv {
  const shop = { env: {} } as ShopEnv;
  before(async () => {
    shop.infra = await createTestInfra();
    registerQueues(
      shop.infra,
      services.map((service) => service.name as ServiceName),
    );
    shop.env = {
      DATABASE_URL: shop.infra.db.url,
      REDIS_URL: `redis://127.0.0.1:6379/${redisDb}`,
      AMQP_URL: shop.infra.broker.url,
      EVENTS_EXCHANGE: shop.infra.broker.exchange('events'),
      NO_COLOR: '1',
      // Other test files share the PostgreSQL server meanwhile.
      DATABASE_POOL_SIZE: '3',
    };
  });
  after(async () => {
    const redis = await createClient({ url: `redis://127.0.0.1:6379/${redisDb}` }).connect();
    await redis.flushDb();
    await redis.close();
    await shop.infra?.drop();
  });
  return shop;
}
