import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { closedPort } from '@trio/testing/http';
import { createTestRedis, type TestRedis } from '@trio/testing/infra';
import { createTcpProxy } from '@trio/testing/tcp-proxy';
import { waitFor } from '@trio/testing/wait';
import { attachRedis, closeRedis, createRedis, redisCheck } from '../src/redis.ts';
import { createServiceHost } from '../src/service.ts';
import { captureLogs } from './support/log-capture.ts';

let redis: TestRedis;

before(async () => {
  redis = await createTestRedis();
});

after(() => redis.drop());

describe('createRedis', () => {
  it('connects without being asked, and key() puts every key under the service prefix', async () => {
    const service = createRedis({
      url: redis.url,
      keyPrefix: redis.key('catalog:'),
      log: captureLogs().log,
      connectionName: 'catalog-test',
    });
    try {
      await waitFor('redis to be ready', () => service.client.isReady);
      await service.client.set(service.key('product:1'), 'cached');
      assert.equal(await redis.client.get(redis.key('catalog:product:1')), 'cached');
      assert.equal(await service.client.clientGetName(), 'catalog-test');
    } finally {
      await closeRedis(service);
    }
  });

  it('speaks RESP3 and answers hashes as plain objects and missing keys as null', async () => {
    const service = createRedis({ url: redis.url, keyPrefix: redis.prefix, log: captureLogs().log });
    try {
      await waitFor('redis to be ready', () => service.client.isReady);
      assert.equal((await service.client.hello()).proto, 3);
      await service.client.hSet(service.key('cart'), { 'TOY-1': 2, 'TOY-2': 1 });
      assert.deepEqual(
        { ...(await service.client.hGetAll(service.key('cart'))) },
        { 'TOY-1': '2', 'TOY-2': '1' },
      );
      assert.equal(await service.client.get(service.key('nothing')), null);
    } finally {
      await closeRedis(service);
    }
  });

  it('when Redis is down, logs the connection errors and fails commands at once instead of queueing', async () => {
    const capture = captureLogs();
    const service = createRedis({ url: `redis://127.0.0.1:${await closedPort()}`, log: capture.log });
    try {
      await new Promise((resolve) => service.client.once('error', resolve));
      const started = performance.now();
      await assert.rejects(service.client.get(service.key('x')), /The client is offline/);
      assert.ok(performance.now() - started < 100, 'the command waited for a connection');
      await assert.rejects(redisCheck(service)(), /^Error: redis is reconnecting$/);
      assert.ok(
        capture.lines().some((line) => line.msg === 'redis connection error' && line.level === 'warn'),
      );
    } finally {
      await closeRedis(service);
    }
    assert.equal(service.client.isOpen, false);
  });

  it('after an outage, reconnects by itself and readiness passes again', async () => {
    const target = new URL(redis.url);
    const proxy = await createTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    const service = createRedis({
      url: proxy.url(redis.url),
      keyPrefix: redis.prefix,
      log: captureLogs().log,
    });
    try {
      await waitFor('redis to be ready', () => service.client.isReady);
      await proxy.stop();
      await waitFor('the outage to be seen', () => !service.client.isReady);
      await assert.rejects(redisCheck(service)());
      await proxy.start();
      await waitFor('redis to be ready again', () => service.client.isReady);
      await redisCheck(service)();
    } finally {
      await closeRedis(service);
      await proxy.close();
    }
  });
});

describe('attachRedis', () => {
  it('registers the readiness check and the closer under "redis"; closing twice is harmless', async () => {
    const { log } = captureLogs();
    const host = createServiceHost({ service: 'redis-test', log, signals: false });
    const service = await attachRedis(host, { url: redis.url, keyPrefix: redis.prefix });
    // It waited for the connection: a request right after start finds Redis usable.
    assert.equal(service.client.isReady, true);
    const report = await host.health.check();
    assert.deepEqual(Object.keys(report.checks), ['redis']);
    assert.equal(report.status, 'ok');
    await host.shutdown.close();
    assert.equal(service.client.isOpen, false);
    await assert.rejects(service.client.get(service.key('x')), /The client is closed/);
    await closeRedis(service);
  });
});
