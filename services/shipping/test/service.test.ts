// What every service of the shop must do, checked on shipping: probes and metrics on the admin port.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useTestInfra } from '@trio/testing/infra';
import { startShipping, type TestShipping } from './support/shipping.ts';

let shipping: TestShipping;
useTestInfra(startShipping, (made) => {
  shipping = made.running;
});

test('liveness and readiness answer 200; readiness checks PostgreSQL, the broker and the consumer', async () => {
  assert.equal((await shipping.admin('/healthz')).status, 200);
  const ready = await shipping.admin('/readyz');
  assert.equal(ready.status, 200);
  const checks = Object.keys((JSON.parse(ready.body) as { checks: Record<string, unknown> }).checks);
  assert.deepEqual(checks.slice(0, 2), ['postgres', 'amqp']);
  assert.match(String(checks[2]), /^consumer .*events\.shipping\.orders$/);
});

test('metrics count RPC calls by method and outcome, and show the outbox', async () => {
  await shipping.client.call('quote', { country: 'DE', postalCode: '10115' }, [{ weightGrams: 100 }]);
  const { body } = await shipping.admin('/metrics');
  assert.match(
    body,
    /rpc_server_request_duration_seconds_count\{[^}]*method="quote"[^}]*outcome="ok"[^}]*\} \d+/,
  );
  assert.match(body, /^events_outbox_pending\{?[^\n]*\}? \d+/m);
});
