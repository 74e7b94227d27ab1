import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { createTcpProxy } from '../src/tcp-proxy.ts';

const redisTarget = () => {
  const u = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  return { host: u.hostname, port: Number(u.port) || 6379 };
};

test('through the proxy a client reaches the server; stopped, it cannot; started again, it can', async () => {
  const proxy = await createTcpProxy(redisTarget());
  const client = new Redis(proxy.port, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => 50 });
  try {
    assert.equal(await client.ping(), 'PONG');
    await proxy.stop();
    await assert.rejects(client.ping());
    await proxy.start();
    for (let i = 0; i < 100 && client.status !== 'ready'; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await client.ping(), 'PONG');
  } finally {
    client.disconnect();
    await proxy.close();
  }
});

test('reset drops live connections but keeps accepting new ones', async () => {
  const proxy = await createTcpProxy(redisTarget());
  const client = new Redis(proxy.port, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    assert.equal(await client.ping(), 'PONG');
    const closed = new Promise((resolve) => client.once('close', resolve));
    proxy.reset();
    await closed;
    const again = new Redis(proxy.port, '127.0.0.1');
    assert.equal(await again.ping(), 'PONG');
    again.disconnect();
  } finally {
    client.disconnect();
    await proxy.close();
  }
});
