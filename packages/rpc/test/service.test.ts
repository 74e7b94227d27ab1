// serveRpc as main.ts uses it: a server on a real service host, its metrics on the host's registry,
// closed by the host's shutdown.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createServiceHost } from '@trio/service-runtime/service';
import { serveRpc } from '../src/service.ts';
import { calculatorHandlers, calculatorRpc, newCalculatorState } from './support/calculator.ts';
import { captureLog, connectClient, metricValue, testHeartbeatMs } from './support/harness.ts';

describe('serveRpc', () => {
  test('serves the contract on the host, and host.shutdown.close() closes the server', async () => {
    const { log, lines } = captureLog('rpc-service-test');
    const host = createServiceHost({ service: 'calculator', log, signals: false });
    const { server, endpoint } = await serveRpc(host, {
      service: calculatorRpc,
      handlers: calculatorHandlers(newCalculatorState()),
      host: '127.0.0.1',
      port: 0,
      heartbeatMs: testHeartbeatMs,
    });
    assert.match(endpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(server.endpoints, [endpoint]);
    assert.ok(lines().some((line) => line.msg === 'rpc server listening' && line.endpoint === endpoint));

    const client = connectClient(endpoint, { retry: false });
    try {
      assert.equal(await client.call('add', 2, 3), 5);
      assert.equal(
        await metricValue(host.metrics.registry, 'rpc_server_request_duration_seconds_count', {
          method: 'add',
        }),
        1,
      );

      assert.equal(await host.shutdown.close(), true);
      assert.ok(lines().some((line) => line.msg === 'closed' && line.resource === 'rpc server'));
      await assert.rejects(client.callRaw('add', [1, 1], { timeoutMs: 300 }));
    } finally {
      await client.close();
    }
  });
});
