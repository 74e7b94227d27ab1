// What every service of the shop must do, checked on recommendations: probes and metrics on the
// admin port, log lines with the service name, and a shutdown that closes everything in reverse.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type TestInfra, useTestInfra } from '@trio/testing/infra';
import { startRecommendations, type TestRecommendations } from './support/recommendations.ts';

let infra: TestInfra;
let service: TestRecommendations;
useTestInfra(startRecommendations, (made) => {
  ({ infra, running: service } = made);
});

test('liveness and readiness answer 200; readiness checks PostgreSQL, the broker and the consumer', async () => {
  assert.equal((await fetch(`${service.adminUrl}/healthz`)).status, 200);
  const ready = await fetch(`${service.adminUrl}/readyz`);
  assert.equal(ready.status, 200);
  const { checks } = (await ready.json()) as { checks: Record<string, { ok: boolean }> };
  assert.deepEqual(Object.keys(checks), ['postgres', 'amqp', `consumer ${service.queue}`]);
});

test('metrics count RPC calls by method and outcome, and show the consumer', async () => {
  await service.rpc.call('forProduct', 'MET-0001', 2);
  await assert.rejects(service.rpc.callRaw('forProduct', ['bad']));
  const metrics = await (await fetch(`${service.adminUrl}/metrics`)).text();
  assert.match(
    metrics,
    /rpc_server_request_duration_seconds_count\{[^}]*method="forProduct",outcome="ok"[^}]*\} 1/,
  );
  assert.match(metrics, /rpc_server_errors_total\{[^}]*method="forProduct",error="ValidationError"[^}]*\} 1/);
  assert.match(metrics, /^# TYPE events_consumed_total counter/m);
});

test('the admin port serves nothing but probes and metrics', async () => {
  assert.equal((await fetch(`${service.adminUrl}/products`)).status, 404);
});

test('stopping closes the admin port, the RPC server, the consumer and every connection, in reverse order', async () => {
  const second = await startRecommendations(infra);
  await second.stop();
  await assert.rejects(fetch(`${second.adminUrl}/healthz`));
  const closed = second
    .logs()
    .filter((line) => line.msg === 'closed')
    .map((line) => line.resource);
  assert.match(String(closed[0]), /^http server/);
  assert.deepEqual(closed.slice(1), [
    'rpc server',
    `consumer ${second.queue}`,
    'event publisher',
    'amqp',
    'postgres',
    'telemetry',
  ]);
  assert.ok(second.logs().every((line) => line.service === 'recommendations'));
});
