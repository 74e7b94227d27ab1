// /readyz against real and unreachable dependencies: the orchestrator must learn which one is down.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { closedPort } from '@trio/testing/http';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@trio/testing/infra';
import { waitFor } from '@trio/testing/wait';
import { createPostgres, postgresCheck } from '../src/postgres.ts';
import { attachRedis } from '../src/redis.ts';
import { createServiceHost } from '../src/service.ts';
import { captureLogs } from './support/log-capture.ts';

let db: TestDatabase;
let redis: TestRedis;

before(async () => {
  [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
});

after(async () => {
  await Promise.all([db.drop(), redis.drop()]);
});

interface Dependencies {
  postgresUrl: string;
  redisUrl: string;
}

/** A service with PostgreSQL and Redis checks, as main.ts would wire it; returns its base URL and host. */
async function startService(deps: Dependencies) {
  const { log } = captureLogs('readiness-test');
  const host = createServiceHost({
    service: 'readiness-test',
    log,
    signals: false,
    readinessTimeoutMs: 1_000,
  });
  const pool = createPostgres({ url: deps.postgresUrl, schema: 'readiness', log });
  host.shutdown.register('postgres', () => pool.end());
  host.health.addCheck('postgres', postgresCheck(pool));
  const cache = await attachRedis(host, { url: deps.redisUrl, keyPrefix: redis.prefix });
  const { port } = await host.listen({ port: 0, host: '127.0.0.1' });
  return { base: `http://127.0.0.1:${port}`, host, cache };
}

async function readyz(base: string) {
  const res = await fetch(`${base}/readyz`);
  return {
    status: res.status,
    body: (await res.json()) as { status: string; checks: Record<string, { ok: boolean; error?: string }> },
  };
}

describe('/readyz', () => {
  it('when PostgreSQL and Redis are reachable, answers 200 with each check ok', async () => {
    const service = await startService({ postgresUrl: db.url, redisUrl: redis.url });
    try {
      await waitFor('redis to be ready', () => service.cache.client.isReady);
      const { status, body } = await readyz(service.base);
      assert.equal(status, 200);
      assert.equal(body.status, 'ok');
      assert.deepEqual(
        Object.entries(body.checks).map(([name, check]) => [name, check.ok]),
        [
          ['postgres', true],
          ['redis', true],
        ],
      );
    } finally {
      await service.host.shutdown.close();
    }
  });

  it('when PostgreSQL is unreachable, answers 503 naming postgres and why', async () => {
    const port = await closedPort();
    const service = await startService({
      postgresUrl: `postgres://postgres@127.0.0.1:${port}/shop`,
      redisUrl: redis.url,
    });
    try {
      await waitFor('redis to be ready', () => service.cache.client.isReady);
      const { status, body } = await readyz(service.base);
      assert.equal(status, 503);
      assert.equal(body.status, 'unavailable');
      assert.equal(body.checks.postgres?.ok, false);
      assert.match(body.checks.postgres?.error ?? '', /ECONNREFUSED/);
      assert.equal(body.checks.redis?.ok, true);
    } finally {
      await service.host.shutdown.close();
    }
  });

  it('when Redis is unreachable, answers 503 naming redis while liveness stays 200', async () => {
    const port = await closedPort();
    const service = await startService({ postgresUrl: db.url, redisUrl: `redis://127.0.0.1:${port}` });
    try {
      const { status, body } = await readyz(service.base);
      assert.equal(status, 503);
      assert.equal(body.checks.redis?.ok, false);
      assert.match(body.checks.redis?.error ?? '', /^redis is reconnecting$/);
      assert.equal(body.checks.postgres?.ok, true);
      const live = await fetch(`${service.base}/healthz`);
      assert.equal(live.status, 200);
      assert.deepEqual(await live.json(), { status: 'ok' });
    } finally {
      await service.host.shutdown.close();
    }
  });
});
