// What every service of the shop must do, checked on payment: probes, metrics, JSON 404s, logs
// that carry the service and request id, and a shutdown that closes everything.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorBody } from '@trio/contracts/common';
import { type TestInfra, useTestInfra } from '@trio/testing/infra';
import { authorizeBody, startPayment, type TestPayment } from './support/payment.ts';

let infra: TestInfra;
let payment: TestPayment;
useTestInfra(startPayment, (made) => {
  ({ infra, running: payment } = made);
});

test('liveness and readiness answer 200; readiness checks PostgreSQL and the broker', async () => {
  assert.equal((await payment.get('/healthz')).status, 200);
  const ready = await payment.get('/readyz');
  assert.equal(ready.status, 200);
  const { checks } = ready.body as { checks: Record<string, { ok: boolean }> };
  assert.deepEqual(Object.keys(checks), ['postgres', 'amqp']);
});

test('metrics count requests by route and show the outbox', async () => {
  await payment.post('/payments', authorizeBody());
  const metrics = String((await payment.get('/metrics')).body);
  assert.match(
    metrics,
    /http_server_request_duration_seconds_count\{[^}]*route="\/payments"[^}]*status="201"[^}]*\} \d+/,
  );
  assert.match(metrics, /^events_outbox_pending\{?[^\n]*\}? \d+/m);
});

test('an unknown route answers 404 with the JSON error body', async () => {
  const reply = await payment.get('/nothing-here');
  assert.equal(reply.status, 404);
  assert.equal(ErrorBody.parse(reply.body).error.code, 'not_found');
});

test('log lines carry the service and the request id', async () => {
  const reply = await payment.request('POST', '/payments', {
    body: authorizeBody(),
    headers: { 'x-request-id': 'payment-service-test' },
  });
  assert.equal(reply.status, 201);
  const lines = payment.logs().filter((line) => line.requestId === 'payment-service-test');
  assert.ok(lines.length > 0);
  assert.ok(lines.every((line) => line.service === 'payment'));
});

test('stopping closes the HTTP server and every connection, in reverse order of opening', async () => {
  const second = await startPayment(infra);
  await second.stop();
  await assert.rejects(fetch(`${second.url}/healthz`));
  const closed = second
    .logs()
    .filter((line) => line.msg === 'closed')
    .map((line) => line.resource);
  assert.deepEqual(closed.slice(1), ['outbox relay', 'event publisher', 'amqp', 'postgres', 'telemetry']);
  assert.match(String(closed[0]), /^http server/);
});
