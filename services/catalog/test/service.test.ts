// What every service of the shop must do, checked on the catalog: probes, metrics, JSON 404s, logs
// that carry the request id but never the admin token, and a shutdown that closes everything.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorBody } from '@trio/contracts/common';
import { type TestInfra, useTestInfra } from '@trio/testing/infra';
import { adminToken, newProduct, startCatalog, type TestCatalog } from './support/catalog.ts';

let infra: TestInfra;
let catalog: TestCatalog;
useTestInfra(startCatalog, (made) => {
  ({ infra, running: catalog } = made);
});

test('liveness and readiness answer 200; readiness checks PostgreSQL, Redis and the broker', async () => {
  assert.equal((await catalog.get('/healthz')).status, 200);
  const ready = await catalog.get('/readyz');
  assert.equal(ready.status, 200);
  const { checks } = ready.body as { checks: Record<string, { ok: boolean }> };
  assert.deepEqual(Object.keys(checks), ['postgres', 'redis', 'amqp']);
});

test('metrics count requests by route and show the outbox', async () => {
  await catalog.get('/products/KIT-0001');
  const metrics = String((await catalog.get('/metrics')).body);
  assert.match(
    metrics,
    /http_server_request_duration_seconds_count\{[^}]*route="\/products\/:sku"[^}]*\} \d+/,
  );
  assert.match(metrics, /^events_outbox_pending\{?[^\n]*\}? \d+/m);
});

test('an unknown route answers 404 with the JSON error body', async () => {
  const reply = await catalog.get('/nothing-here');
  assert.equal(reply.status, 404);
  assert.equal(ErrorBody.parse(reply.body).error.code, 'not_found');
});

test("log lines carry the service and request id, and never the admin's token", async () => {
  const reply = await catalog.request('POST', '/products', {
    token: adminToken,
    body: newProduct('LOG-0001'),
    headers: { 'x-request-id': 'service-test-request' },
  });
  assert.equal(reply.status, 201);
  assert.equal(reply.headers.get('x-request-id'), 'service-test-request');
  const lines = catalog.logs().filter((line) => line.requestId === 'service-test-request');
  assert.ok(lines.length > 0);
  assert.ok(lines.every((line) => line.service === 'catalog'));
  assert.ok(!JSON.stringify(catalog.logs()).includes(adminToken));
});

test('stopping closes the HTTP server and every connection, in reverse order of opening', async () => {
  const second = await startCatalog(infra);
  await second.stop();
  await assert.rejects(fetch(`${second.url}/healthz`));
  const closed = second
    .logs()
    .filter((line) => line.msg === 'closed')
    .map((line) => line.resource);
  assert.deepEqual(closed.slice(1), [
    'outbox relay',
    'event publisher',
    'amqp',
    'redis',
    'postgres',
    'telemetry',
  ]);
  assert.match(String(closed[0]), /^http server/);
});
