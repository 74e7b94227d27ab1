// Everything a test file needs, isolated from every other file: its own database, Redis prefix
// and broker prefix. Call it in `before`, drop it in `after`.

import { createTestDatabase, type TestDatabase } from './postgres.ts';
import { createTestBroker, type TestBroker } from './rabbitmq.ts';
import { createTestRedis, type TestRedis } from './redis.ts';

export { createTestDatabase, type TestDatabase } from './postgres.ts';
export { createTestBroker, type TestBroker } from './rabbitmq.ts';
export { createTestRedis, type TestRedis } from './redis.ts';

export interface TestInfra {
  db: TestDatabase;
  redis: TestRedis;
  broker: TestBroker;
  drop(): Promise<void>;
}

export async function createTestInfra(): Promise<TestInfra> {
  const [db, redis, broker] = await Promise.all([
    createTestDatabase(),
    createTestRedis(),
    createTestBroker(),
  ]);
  return {
    db,
    redis,
    broker,
    async drop() {
      await Promise.all([db.drop(), redis.drop(), broker.drop()]);
    },
  };
}
