import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answers } from '../src/endpoints.ts';
import { closedPort, listen } from '../src/http.ts';

test('the global setup gives every test process the infrastructure URLs', () => {
  assert.ok(process.env.DATABASE_URL, 'DATABASE_URL');
  assert.ok(process.env.REDIS_URL, 'REDIS_URL');
  assert.ok(process.env.AMQP_URL, 'AMQP_URL');
});

test('a port nothing listens on does not answer; a listening one does', async () => {
  const port = await closedPort();
  assert.equal(await answers(`postgres://postgres@127.0.0.1:${port}/postgres`, 500), false);
  const server = await listen((_req, res) => res.end('ok'));
  try {
    assert.equal(await answers(`redis://127.0.0.1:${server.port}`, 500), true);
    assert.equal(await (await fetch(server.url)).text(), 'ok');
  } finally {
    await server.close();
  }
});
