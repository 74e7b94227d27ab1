// What every service of the shop must do, checked on profiles: probes, metrics, JSON 404s, logs
// that carry the service and request id, and a shutdown that closes everything.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorBody } from '@trio/contracts/common';
import { type TestInfra, useTestInfra } from '@trio/testing/infra';
import { startProfiles, type TestProfiles, uniqueEmail } from './support/profiles.ts';

let infra: TestInfra;
let profiles: TestProfiles;
useTestInfra(startProfiles, (made) => {
  ({ infra, running: profiles } = made);
});

test('liveness and readiness answer 200; readiness checks PostgreSQL, Redis, the broker and the consumer', async () => {
  assert.equal((await profiles.request('GET', '/healthz')).status, 200);
  const ready = await profiles.request('GET', '/readyz');
  assert.equal(ready.status, 200);
  const { checks } = ready.body as { checks: Record<string, { ok: boolean }> };
  assert.deepEqual(Object.keys(checks).sort(), [
    'amqp',
    `consumer ${infra.broker.prefix}events.profiles.invoices`,
    'postgres',
    'redis',
  ]);
});

test('metrics count requests by route and show the outbox', async () => {
  await profiles.request('POST', '/users', {
    body: { email: uniqueEmail(), password: 'password123', name: 'M' },
  });
  const metrics = String((await profiles.request('GET', '/metrics')).body);
  assert.match(
    metrics,
    /http_server_request_duration_seconds_count\{[^}]*route="\/users"[^}]*status="201"[^}]*\} \d+/,
  );
  assert.match(metrics, /^events_outbox_pending\{?[^\n]*\}? \d+/m);
});

test('an unknown route answers 404 with the JSON error body', async () => {
  const reply = await profiles.request('GET', '/nothing-here');
  assert.equal(reply.status, 404);
  assert.equal(ErrorBody.parse(reply.body).error.code, 'not_found');
});

test('log lines carry the service and the request id', async () => {
  await profiles.request('GET', '/sessions/current', {
    headers: { 'x-request-id': 'profiles-service-test' },
  });
  const lines = profiles.logs().filter((line) => line.requestId === 'profiles-service-test');
  assert.ok(lines.length > 0);
  assert.ok(lines.every((line) => line.service === 'profiles'));
});

test('stopping closes the HTTP server and every connection, in reverse order of opening', async () => {
  const second = await startProfiles(infra);
  await second.stop();
  await assert.rejects(fetch(`${second.url}/healthz`));
  const closed = second
    .logs()
    .filter((line) => line.msg === 'closed')
    .map((line) => line.resource);
  assert.deepEqual(closed.slice(1), [
    `consumer ${infra.broker.prefix}events.profiles.invoices`,
    'outbox relay',
    'event publisher',
    'amqp',
    'redis',
    'postgres',
    'telemetry',
  ]);
  assert.match(String(closed[0]), /^http server/);
});
