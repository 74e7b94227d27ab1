// The client: typed calls, contract checks on answers, timeouts, retries only where the contract
// allows them, endpoint choice, trace context in the header, metrics on both sides. Raw ROUTERs
// play servers that misbehave on purpose.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createContext, runWithContext } from '@trio/service-runtime/context';
import { startTelemetry } from '@trio/service-runtime/telemetry';
import { trace } from '@trio/service-runtime/tracing';
import { Registry } from 'prom-client';
import { decodeEvent, encodeEvent, type RpcEvent } from '../src/codec.ts';
import { ClientClosed, LostRemote, ProtocolError, TimeoutExpired } from '../src/errors.ts';
import {
  type CalculatorServer,
  connectClient,
  eventually,
  metricValue,
  rawRouter,
  startCalculator,
  testHeartbeatMs,
  within,
} from './support/harness.ts';

/** A server played by hand: records every request and answers with `answer` (nothing when it returns undefined). */
async function scriptedServer(
  answer: (request: RpcEvent) => { name: string; args: unknown } | undefined = () => undefined,
) {
  const { router, endpoint } = await rawRouter();
  const requests: RpcEvent[] = [];
  void (async () => {
    try {
      for await (const [identity, , payload] of router) {
        const request = decodeEvent(payload!);
        if (request.name === '_zpc_hb') continue;
        requests.push(request);
        const reply = answer(request);
        if (reply === undefined) continue;
        const header = { message_id: 'r', v: 3, response_to: request.header.message_id };
        await router.send([identity!, Buffer.alloc(0), encodeEvent(header, reply.name, reply.args)]);
      }
    } catch {
      // closed
    }
  })();
  return { router, endpoint, requests };
}

describe('rpc client: answers and failures', () => {
  test('when the server answers a result the contract forbids, the call fails with ProtocolError', async () => {
    const fake = await scriptedServer(() => ({ name: 'OK', args: ['forty-two'] }));
    const client = connectClient(fake.endpoint, { retry: false });
    try {
      await assert.rejects(client.call('add', 40, 2), ProtocolError);
    } finally {
      await client.close();
      fake.router.close();
    }
  });

  test('when the server never answers but heartbeats, the call fails with TimeoutExpired at its timeout', async () => {
    const { router, endpoint } = await rawRouter();
    let heartbeating: NodeJS.Timeout | undefined;
    void (async () => {
      try {
        const [identity, , payload] = await router.receive();
        const request = decodeEvent(payload!);
        heartbeating = setInterval(() => {
          const header = { message_id: 'hb', v: 3, response_to: request.header.message_id };
          void router.send([identity!, Buffer.alloc(0), encodeEvent(header, '_zpc_hb', [0])]).catch(() => {});
        }, testHeartbeatMs / 2);
      } catch {
        // closed
      }
    })();
    const client = connectClient(endpoint, { retry: false });
    try {
      const started = performance.now();
      await assert.rejects(client.invoke('add', [1, 2], { timeoutMs: 400 }), TimeoutExpired);
      const elapsed = performance.now() - started;
      assert.ok(elapsed >= 390 && elapsed < 700, `timed out after ${elapsed} ms`);
    } finally {
      clearInterval(heartbeating);
      await client.close();
      router.close();
    }
  });

  test('when calls with different timeouts get no answer, each fails at its own and no timer is left', async () => {
    // Answers add at once, never answers sleep.
    const fake = await scriptedServer((request) =>
      request.name === 'add' ? { name: 'OK', args: [3] } : undefined,
    );
    // Heartbeats every second: the silent server is not lost before the timeouts.
    const client = connectClient(fake.endpoint, { retry: false, heartbeatMs: 1000 });
    const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
    const before = timers();
    try {
      const started = performance.now();
      const timed = (timeoutMs: number) =>
        assert
          .rejects(client.invoke('sleep', [5000], { timeoutMs }), TimeoutExpired)
          .then(() => performance.now() - started);
      const [slow, fast, again] = await Promise.all([timed(300), timed(100), timed(300)]);
      for (const [elapsed, timeoutMs] of [
        [slow, 300],
        [fast, 100],
        [again, 300],
      ] as const) {
        assert.ok(
          elapsed >= timeoutMs - 5 && elapsed < timeoutMs + 250,
          `${timeoutMs} ms call failed after ${elapsed}`,
        );
      }
      // Calls answered long before their timeout leave no timer either.
      assert.deepEqual(
        await Promise.all([client.call('add', 1, 2), client.invoke('add', [1, 2], { timeoutMs: 300 })]),
        [3, 3],
      );
      // Once the heartbeat sweep has seen no call in flight, nothing holds the process.
      await eventually(() => timers() <= before, 1500, 'timers released');
    } finally {
      await client.close();
      fake.router.close();
    }
  });

  test('when an idempotent call gets no answer, it is retried as new calls; a non-idempotent one is not', async () => {
    const fake = await scriptedServer();
    const registry = new Registry();
    const client = connectClient(fake.endpoint, {
      registry,
      retry: { retries: 2, initialDelayMs: 10, maxDelayMs: 20 },
    });
    try {
      await assert.rejects(client.call('add', 1, 2), LostRemote);
      assert.equal(fake.requests.filter((request) => request.name === 'add').length, 3);
      const ids = new Set(fake.requests.map((request) => String(request.header.message_id)));
      assert.equal(ids.size, 3, 'each attempt is a new channel');
      assert.equal(await metricValue(registry, 'rpc_client_retries_total', { method: 'add' }), 2);

      await assert.rejects(client.call('increment', 1), LostRemote);
      assert.equal(fake.requests.filter((request) => request.name === 'increment').length, 1);
    } finally {
      await client.close();
      fake.router.close();
    }
  });

  test('when an idempotent call fails with a remote error, it is not retried', async () => {
    const fake = await scriptedServer(() => ({ name: 'ERR', args: ['DivisionByZero', 'no', ''] }));
    const client = connectClient(fake.endpoint, { retry: { retries: 2, initialDelayMs: 10 } });
    try {
      await assert.rejects(client.call('divide', 1, 0), { name: 'DivisionByZero' });
      assert.equal(fake.requests.length, 1);
    } finally {
      await client.close();
      fake.router.close();
    }
  });

  test('when the client closes, calls in flight fail with ClientClosed and new ones are refused', async () => {
    const fake = await scriptedServer();
    const client = connectClient(fake.endpoint, { retry: false });
    try {
      const pending = client.call('sleep', 1000);
      await eventually(() => fake.requests.length === 1, 1000, 'request received');
      await client.close();
      await assert.rejects(pending, ClientClosed);
      await assert.rejects(client.call('add', 1, 2), ClientClosed);
    } finally {
      fake.router.close();
    }
  });
});

describe('rpc client: endpoints', () => {
  let first: CalculatorServer;
  let second: CalculatorServer;

  before(async () => {
    first = await startCalculator();
    second = await startCalculator();
  });
  after(async () => {
    await first.server.close();
    await second.server.close();
  });

  const adds = (calc: CalculatorServer) =>
    metricValue(calc.registry, 'rpc_server_request_duration_seconds_count', { method: 'add' });

  test('when several endpoints are given, calls are spread over all of them', async () => {
    const client = connectClient([first.endpoint, second.endpoint], { retry: false });
    try {
      const before = [await adds(first), await adds(second)];
      for (let i = 0; i < 20; i += 1) assert.equal(await client.call('add', i, 1), i + 1);
      assert.equal((await adds(first)) - before[0]!, 10);
      assert.equal((await adds(second)) - before[1]!, 10);
    } finally {
      await client.close();
    }
  });

  test('when one endpoint holds a slow call, the next calls go to the one with fewer in flight', async () => {
    const client = connectClient([first.endpoint, second.endpoint], { retry: false });
    try {
      const slow = client.call('sleep', 300);
      await eventually(() => first.server.inFlight + second.server.inFlight === 1, 1000, 'slow call started');
      const busy = first.server.inFlight === 1 ? first : second;
      const idle = busy === first ? second : first;
      const before = [await adds(busy), await adds(idle)];
      for (let i = 0; i < 10; i += 1) await client.call('add', i, 1);
      assert.equal((await adds(busy)) - before[0]!, 0);
      assert.equal((await adds(idle)) - before[1]!, 10);
      assert.equal(await slow, 'slept');
    } finally {
      await client.close();
    }
  });
});

/** Runs `fn` inside a span of its own (ids only: no exporter) and answers that span's ids. */
async function inSpan(fn: () => Promise<unknown>): Promise<{ traceId: string; spanId: string }> {
  return trace.getTracer('test').startActiveSpan('caller', async (span) => {
    await fn();
    span.end();
    return span.spanContext();
  });
}

describe('rpc client: context and metrics', () => {
  let calc: CalculatorServer;

  before(async () => {
    startTelemetry({ service: 'rpc-client-test' });
    calc = await startCalculator();
  });
  after(async () => {
    await calc.server.close();
  });

  test('when a call is made inside a context, the header carries traceparent and correlation id', async () => {
    const fake = await scriptedServer(() => ({ name: 'OK', args: [3] }));
    const client = connectClient(fake.endpoint, { retry: false });
    try {
      const context = createContext({ correlationId: 'order-42' });
      const caller = await inSpan(() => runWithContext(context, () => client.call('add', 1, 2)));
      const { header } = fake.requests[0]!;
      // The call's own CLIENT span, a child in the caller's trace.
      const [, traceId, spanId] = String(header.traceparent).split('-');
      assert.equal(traceId, caller.traceId);
      assert.match(spanId ?? '', /^[0-9a-f]{16}$/);
      assert.notEqual(spanId, caller.spanId);
      assert.equal(header.correlation_id, 'order-42');
      assert.equal(header.v, 3);
      assert.ok(Buffer.isBuffer(header.message_id) && header.message_id.length === 32);
    } finally {
      await client.close();
      fake.router.close();
    }
  });

  test('when the server runs the handler, the caller’s trace and correlation id are current', async () => {
    const client = connectClient(calc.endpoint, { retry: false });
    try {
      const context = createContext({ correlationId: 'order-43' });
      let seen: unknown;
      const caller = await inSpan(async () => {
        seen = await runWithContext(context, () => client.call('whoami', 'me'));
      });
      assert.deepEqual(seen, { traceId: caller.traceId, correlationId: 'order-43' });

      const fresh = await client.call('whoami', 'nobody');
      assert.match(fresh.traceId, /^[0-9a-f]{32}$/);
      assert.notEqual(fresh.traceId, context.traceId);
    } finally {
      await client.close();
    }
  });

  test('when calls are made, latency, errors and in-flight series are recorded on both sides', async () => {
    const registry = new Registry();
    const client = connectClient(calc.endpoint, { retry: false, registry });
    try {
      await client.call('add', 1, 2);
      await client.call('add', 3, 4);
      await assert.rejects(client.call('divide', 1, 0));
      const slow = client.call('sleep', 200);
      await eventually(
        async () => (await metricValue(calc.registry, 'rpc_server_in_flight', { method: 'sleep' })) === 1,
        1000,
        'in-flight gauge',
      );
      assert.equal(await metricValue(registry, 'rpc_client_in_flight', { peer: 'calculator' }), 1);
      await slow;

      const server = (name: string, labels: Record<string, string>) =>
        metricValue(calc.registry, name, labels);
      assert.ok(
        (await server('rpc_server_request_duration_seconds_count', { method: 'add', outcome: 'ok' })) >= 2,
      );
      assert.ok(
        (await server('rpc_server_errors_total', { method: 'divide', error: 'DivisionByZero' })) >= 1,
      );
      assert.equal(await server('rpc_server_in_flight', { method: 'sleep' }), 0);

      const labels = { peer: 'calculator', method: 'add', outcome: 'ok' };
      assert.equal(await metricValue(registry, 'rpc_client_request_duration_seconds_count', labels), 2);
      assert.equal(
        await metricValue(registry, 'rpc_client_errors_total', { method: 'divide', error: 'DivisionByZero' }),
        1,
      );
      assert.equal(await metricValue(registry, 'rpc_client_in_flight', { peer: 'calculator' }), 0);
      assert.match(await registry.metrics(), /rpc_client_request_duration_seconds_bucket\{.*le="0.001"/);
    } finally {
      await client.close();
    }
  });

  test('when a stream is read to the end, items are checked against the contract', async () => {
    const client = connectClient(calc.endpoint, { retry: false });
    try {
      const items: number[] = [];
      for await (const item of client.stream('count', 5)) items.push(item);
      assert.deepEqual(items, [0, 1, 2, 3, 4]);
    } finally {
      await client.close();
    }
  });

  test('when a stream’s reader is slower than the timeout, the stream does not time out', async () => {
    const client = connectClient(calc.endpoint, { retry: false, timeoutMs: 150 });
    try {
      const items: number[] = [];
      for await (const item of client.stream('count', 3)) {
        items.push(item);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      assert.deepEqual(items, [0, 1, 2]);
    } finally {
      await client.close();
    }
  });

  test('when a stream’s server heartbeats but sends no next item, the reader gets TimeoutExpired', async () => {
    const { router, endpoint } = await rawRouter();
    let heartbeating: NodeJS.Timeout | undefined;
    void (async () => {
      try {
        const [identity, , payload] = await router.receive();
        const request = decodeEvent(payload!);
        const send = (name: string, args: unknown) =>
          router.send([
            identity!,
            Buffer.alloc(0),
            encodeEvent({ message_id: name, v: 3, response_to: request.header.message_id }, name, args),
          ]);
        await send('STREAM', 0);
        heartbeating = setInterval(() => void send('_zpc_hb', [0]).catch(() => {}), testHeartbeatMs / 2);
      } catch {
        // closed
      }
    })();
    const client = connectClient(endpoint, { retry: false, timeoutMs: 300 });
    try {
      const items: number[] = [];
      await assert.rejects(async () => {
        for await (const item of client.stream('count', 5)) items.push(item);
      }, TimeoutExpired);
      assert.deepEqual(items, [0]);
    } finally {
      clearInterval(heartbeating);
      await client.close();
      router.close();
    }
  });

  test('when a reader stops a stream early, the call is abandoned and the client stays usable', async () => {
    const client = connectClient(calc.endpoint, { retry: false });
    try {
      for await (const item of client.stream('count', 10_000)) if (item === 2) break;
      assert.equal(client.inFlight, 0);
      assert.equal(await within(1000, client.call('add', 1, 1)), 2);
    } finally {
      await client.close();
    }
  });
});
