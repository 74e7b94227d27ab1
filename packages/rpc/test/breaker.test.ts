// The rpc client's circuit breaker: calls to a server that keeps failing (here: ERR FaultInjected
// from every call, as `npm run fault -- set … rpc-error=1` makes it) fail at once with CircuitOpen
// once it opened, and its state is in the client's metrics; answers the contract names do not open it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '@trio/service-runtime/errors';
import { Registry } from 'prom-client';
import { CircuitOpen, RemoteError } from '../src/errors.ts';
import { createRpcServer } from '../src/server.ts';
import { calculatorHandlers, calculatorRpc, newCalculatorState } from './support/calculator.ts';
import { connectClient, silentLog } from './support/harness.ts';

describe('rpc client circuit breaker', () => {
  test('opens after 5 failures in a row; named errors do not count', async () => {
    let failing = true;
    let calls = 0;
    const handlers = calculatorHandlers(newCalculatorState());
    const server = createRpcServer({
      service: calculatorRpc,
      log: silentLog,
      handlers: {
        ...handlers,
        add: (a: number, b: number) => {
          calls += 1;
          if (failing) throw new AppError('fault_injected', 'injected', { status: 503 });
          return a + b;
        },
      },
    });
    const endpoint = await server.bind('tcp://127.0.0.1:*');
    const registry = new Registry();
    const client = connectClient(endpoint, { retry: false, registry });
    try {
      for (let i = 0; i < 5; i += 1) {
        const error = await client.call('add', 1, 1).catch((caught: unknown) => caught);
        assert.ok(error instanceof RemoteError && error.name === 'FaultInjected', String(error));
      }
      const refused = await client.call('add', 1, 1).catch((caught: unknown) => caught);
      assert.ok(refused instanceof CircuitOpen, String(refused));
      assert.equal(refused.name, 'ServiceUnavailable', 'callers treat it as "try later"');
      assert.equal(calls, 5, 'the open breaker sent nothing');
      assert.match(
        await registry.getSingleMetricAsString('circuit_breaker_state'),
        /circuit_breaker_state\{peer="calculator",transport="zerorpc"\} 1/,
      );
      failing = false;
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      assert.equal(await client.call('add', 2, 3), 5, 'the trial call closes it');
      assert.match(
        await registry.getSingleMetricAsString('circuit_breaker_state'),
        /circuit_breaker_state\{peer="calculator",transport="zerorpc"\} 0/,
      );
    } finally {
      await client.close();
      await server.close();
    }
  });
});
