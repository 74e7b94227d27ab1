import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient } from 'redis';
import { createTcpProxy } from '../src/tcp-proxy.ts';

const redisTarget = () => {
  const u = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  return { host: u.hostname, port: Number(u.port) || 6379 };
};

/** A client of the proxy that fails commands at once while disconnected. */
function clientOf(port: number, reconnectStrategy: number | false) {
  const client = createClient({
    socket: { host: '127.0.0.1', port, reconnectStrategy },
    disableOfflineQueue: true,
  });
  client.on('error', () => {});
  return client;
}

test('through the proxy a client reaches the server; stopped, it cannot; started again, it can', async () => {
  const proxy = await createTcpProxy(redisTarget());
  const client = clientOf(proxy.port, 50);
  try {
    await client.connect();
    assert.equal(await client.ping(), 'PONG');
    await proxy.stop();
    await assert.rejects(client.ping());
    await proxy.start();
    for (let i = 0; i < 100 && !client.isReady; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await client.ping(), 'PONG');
  } finally {
    client.destroy();
    await proxy.close();
  }
});

test('reset drops live connections but keeps accepting new ones', async () => {
  const proxy = await createTcpProxy(redisTarget());
  const client = clientOf(proxy.port, false);
  try {
    await client.connect();
    assert.equal(await client.ping(), 'PONG');
    const closed = new Promise((resolve) => client.once('error', resolve));
    proxy.reset();
    await closed;
    assert.equal(client.isReady, false);
    const again = await clientOf(proxy.port, false).connect();
    assert.equal(await again.ping(), 'PONG');
    again.destroy();
  } finally {
    if (client.isOpen) client.destroy();
    await proxy.close();
  }
});
