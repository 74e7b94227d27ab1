import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createRpcMetrics } from './metrics.ts';

test('when in-flight children go up and down, every read of the gauge sees the current value', async () => {
  const registry = new Registry();
  const metrics = createRpcMetrics(registry);
  const a = metrics.clientInFlightChild({ peer: 'inventory' });
  const b = metrics.clientInFlightChild({ peer: 'inventory' });
  const read = async () => (await metrics.clientInFlight.get()).values;
  a.inc();
  b.inc();
  assert.deepEqual(await read(), [{ value: 2, labels: { peer: 'inventory' } }]);
  a.dec();
  b.dec();
  // The series stays, at 0, as it did with inc/dec on the gauge itself.
  assert.deepEqual(await read(), [{ value: 0, labels: { peer: 'inventory' } }]);
  assert.match(await registry.metrics(), /rpc_client_in_flight\{peer="inventory"\} 0/);
});
