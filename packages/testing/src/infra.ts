// Everything a test file needs, isolated from every other file: its own database, Redis prefix
// and broker prefix. Call it in `before`, drop it in `after`.

import { after, before } from 'node:test';
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

/**
 * The test file's own infrastructure and what `start` runs on it, made before the file's tests and
 * stopped, then dropped, after them; `use` receives both once they exist:
 * `useTestInfra((infra) => startCatalog(infra), (made) => { catalog = made.running; })`.
 */
export function useTestInfra<T extends { stop(): Promise<unknown> }>(
  start: (infra: TestInfra) => Promise<T>,
  use: (made: { infra: TestInfra; running: T }) => void,
): void {
  let infra: TestInfra | undefined;
  let running: T | undefined;
  before(async () => {
    infra = await createTestInfra();
    running = await start(infra);
    use({ infra, running });
  });
  after(async () => {
    await running?.stop();
    await infra?.drop();
  });
}
