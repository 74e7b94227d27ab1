// Faults on demand over ZeroRPC: serveRpc on a service host that follows the `faults` flag in real
// Redis, called over real ZeroMQ sockets; each fault switched on and off while the server runs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createServiceHost, type ServiceHost } from '@trio/service-runtime/service';
import { faultsOn, setServiceFaults } from '@trio/testing/faults';
import { createTestRedis, type TestRedis } from '@trio/testing/infra';
import { LostRemote, RemoteError } from '../src/errors.ts';
import { serveRpc } from '../src/service.ts';
import { calculatorHandlers, calculatorRpc, newCalculatorState } from './support/calculator.ts';
import { captureLog, connectClient, testHeartbeatMs } from './support/harness.ts';

let redis: TestRedis;
let host: ServiceHost;
let endpoint: string;
let client: ReturnType<typeof connectClient>;

before(async () => {
  redis = await createTestRedis();
  host = createServiceHost({
    service: 'inventory',
    log: captureLog().log,
    signals: false,
    faults: faultsOn(redis),
  });
  ({ endpoint } = await serveRpc(host, {
    service: calculatorRpc,
    handlers: calculatorHandlers(newCalculatorState()),
    host: '127.0.0.1',
    port: 0,
    heartbeatMs: testHeartbeatMs,
  }));
  client = connectClient(endpoint, { retry: false });
});

after(async () => {
  await client?.close();
  await host?.shutdown.close();
  await redis?.drop();
});

const setFaults = (set: Record<string, unknown>) =>
  setServiceFaults(redis, 'inventory', set, () => host.faults?.current());

describe('faults on demand over ZeroRPC', () => {
  test('rpc-error=1 answers ERR FaultInjected; cleared, the same server answers again', async () => {
    await setFaults({ 'rpc-error': 1 });
    const error = await client.call('add', 1, 2).catch((caught: unknown) => caught);
    assert.ok(error instanceof RemoteError, String(error));
    assert.equal(error.name, 'FaultInjected');
    await setFaults({});
    assert.equal(await client.call('add', 1, 2), 3);
  });

  test('latency delays each call by at least the given time', async () => {
    await setFaults({ latency: 200 });
    const started = performance.now();
    assert.equal(await client.call('add', 2, 2), 4);
    // A lower bound that setTimeout guarantees, not a performance figure.
    assert.ok(performance.now() - started >= 195);
    await setFaults({});
  });

  test('hang holds the answer until the fault is cleared (the heartbeats keep the caller waiting)', async () => {
    await setFaults({ hang: 1 });
    let settled = false;
    const held = client.call('add', 3, 4).finally(() => {
      settled = true;
    });
    // Longer than two heartbeat periods: the caller does not give up on a server that heartbeats.
    await new Promise((resolve) => setTimeout(resolve, 3 * testHeartbeatMs));
    assert.equal(settled, false);
    await setFaults({});
    assert.equal(await held, 7);
  });

  test('drop-heartbeats: a caller of a long call loses the server (LostRemote)', async () => {
    await setFaults({ 'drop-heartbeats': true });
    const error = await client.call('sleep', 4 * testHeartbeatMs).catch((caught: unknown) => caught);
    assert.ok(error instanceof LostRemote, String(error));
    await setFaults({});
    assert.equal(await client.call('sleep', 3 * testHeartbeatMs), 'slept', 'heartbeats again');
  });
});
