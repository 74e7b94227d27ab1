import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import pg from 'pg';
import { createTestBroker, createTestDatabase, createTestRedis } from '../src/infra.ts';

const run = promisify(execFile);
const fixture = new URL('./fixtures/write-and-count.ts', import.meta.url).pathname;

describe('isolation between test files', () => {
  test('two test files writing the same table at the same time each see only their own rows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trio-isolation-'));
    try {
      const [a, b] = await Promise.all([
        run(process.execPath, [fixture, 'a', 'b', dir]),
        run(process.execPath, [fixture, 'b', 'a', dir]),
      ]);
      assert.deepEqual(JSON.parse(a.stdout), ['a']);
      assert.deepEqual(JSON.parse(b.stdout), ['b']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a dropped test database is gone from the server', async () => {
    const db = await createTestDatabase();
    await db.drop();
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    try {
      const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db.name]);
      assert.equal(rowCount, 0);
    } finally {
      await admin.end();
    }
  });
});

describe('redis prefixes', () => {
  test('two prefixes do not see each other’s keys, and drop removes only its own', async () => {
    const one = await createTestRedis();
    const two = await createTestRedis();
    try {
      await one.client.set(one.key('cart'), 'one');
      await two.client.set(two.key('cart'), 'two');
      assert.equal(await one.client.get(one.key('cart')), 'one');
      assert.equal(await two.client.get(two.key('cart')), 'two');
      await one.drop();
      assert.equal(await two.client.get(two.key('cart')), 'two');
      assert.equal(await two.client.exists(one.key('cart')), 0);
    } finally {
      await one.drop();
      await two.drop();
    }
  });
});

describe('broker prefixes', () => {
  let broker: Awaited<ReturnType<typeof createTestBroker>>;
  before(async () => {
    broker = await createTestBroker();
  });
  after(() => broker.drop());

  test('queues named through the prefix are deleted by drop', async () => {
    const queue = broker.queue('orders');
    assert.ok(queue.startsWith(broker.prefix));
    const connection = await amqp.connect(broker.url);
    try {
      const channel = await connection.createChannel();
      await channel.assertQueue(queue, { durable: false });
      await broker.drop();
      channel.on('error', () => {});
      await assert.rejects(channel.checkQueue(queue), /NOT_FOUND/);
    } finally {
      await connection.close().catch(() => {});
    }
  });
});
