import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestRedis, type TestRedis } from '@trio/testing/infra';
import { closeRedis, createRedis } from '../src/redis.ts';
import { captureLogs } from './support/log-capture.ts';

let redis: TestRedis;

before(async () => {
  redis = await createTestRedis();
});

after(() => redis.drop());

describe('createRedis', () => {
  it('connects without being asked and keeps every key under its prefix', async () => {
    const client = createRedis({
      url: redis.url,
      keyPrefix: `${redis.prefix}catalog:`,
      log: captureLogs().log,
    });
    try {
      await client.set('product:1', 'cached');
      assert.equal(client.status, 'ready');
      // redis.client's own prefix is the test's; the service's prefix comes after it.
      assert.equal(await redis.client.get('catalog:product:1'), 'cached');
    } finally {
      await closeRedis(client);
    }
  });

  it('when Redis is down, logs the connection errors instead of printing them', async () => {
    const capture = captureLogs();
    const client = createRedis({ url: 'redis://127.0.0.1:1', log: capture.log });
    await new Promise((resolve) => client.once('error', resolve));
    await closeRedis(client);
    assert.ok(capture.lines().some((line) => line.msg === 'redis connection error' && line.level === 'warn'));
  });
});
