// The server seen from the wire: answers, errors, built-ins, concurrency, streaming with credit,
// heartbeats, lost callers, shutdown. Raw DEALERs stand in for callers where the test needs to
// control every event; our own client where it only needs answers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { inventoryRpc } from '@trio/contracts/inventory';
import { AppError } from '@trio/service-runtime/errors';
import { createRpcClient, type RpcServiceClient } from '../src/client.ts';
import { RemoteError } from '../src/errors.ts';
import { createRpcServer } from '../src/server.ts';
import type { calculatorRpc } from './support/calculator.ts';
import {
  type CalculatorServer,
  captureLog,
  connectClient,
  eventually,
  metricValue,
  type RawCaller,
  rawCaller,
  silentLog,
  startCalculator,
  testHeartbeatMs,
  within,
} from './support/harness.ts';

const rejectsWith = async (promise: Promise<unknown>, name: string): Promise<RemoteError> => {
  const error = await promise.then(
    () => assert.fail(`expected ${name}`),
    (error: unknown) => error,
  );
  assert.ok(error instanceof RemoteError, `expected a RemoteError, got ${String(error)}`);
  assert.equal(error.name, name);
  return error;
};

describe('rpc server: one-shot calls', () => {
  let calc: CalculatorServer;
  let client: RpcServiceClient<typeof calculatorRpc>;
  let caller: RawCaller;

  before(async () => {
    calc = await startCalculator();
    client = connectClient(calc.endpoint, { retry: false });
    caller = rawCaller(calc.endpoint);
  });
  after(async () => {
    caller.close();
    await client.close();
    await calc.server.close();
  });

  test('when a method is called, OK carries the handler’s result', async () => {
    assert.equal(await client.call('add', 2, 3), 5);
    assert.equal(await client.methods.echo('héllo'), 'héllo');
  });

  test('when the arguments break the tuple, ERR ValidationError names the argument and the handler does not run', async () => {
    const error = await rejectsWith(client.call('increment', 'one' as unknown as number), 'ValidationError');
    assert.match(error.message, /^invalid arguments: by: /);
    assert.deepEqual(error.details, {
      issues: [{ path: 'by', message: 'Invalid input: expected number, received string' }],
    });
    await rejectsWith(client.callRaw('increment', [1, 2]), 'ValidationError');
    assert.equal(calc.state.counter, 0);
  });

  test('when args is not an array, ERR ValidationError [name, message, ""] answers it', async () => {
    const id = await caller.send('add', { a: 1 });
    const reply = await caller.next();
    assert.equal(reply.name, 'ERR');
    assert.deepEqual(reply.args, ['ValidationError', 'invalid arguments: args must be an array', '']);
    assert.deepEqual(reply.header.response_to, id);
  });

  test('when a handler throws a named RpcError, ERR carries its name and message, details ride in the header', async () => {
    const id = await caller.send('divide', [7, 0]);
    const reply = await caller.next();
    assert.deepEqual(reply.args, ['DivisionByZero', 'cannot divide by zero', '']);
    assert.deepEqual(reply.header.error_details, { dividend: 7 });
    assert.deepEqual(reply.header.response_to, id);

    const error = await rejectsWith(client.call('divide', 7, 0), 'DivisionByZero');
    assert.deepEqual(error.details, { dividend: 7 });
    assert.equal(error.traceback, '');
  });

  test('when a handler fails unexpectedly, ERR InternalError reveals nothing of it', async () => {
    const error = await rejectsWith(client.call('crash', 's3cr3t'), 'InternalError');
    assert.equal(error.message, 'Internal server error');
    assert.doesNotMatch(`${error.message}${error.traceback}`, /s3cr3t/);
  });

  test('when a handler returns a result its contract forbids, the caller gets InternalError', async () => {
    await rejectsWith(client.call('wrongResult', 1), 'InternalError');
  });

  test('when a method is unknown, ERR NameError names it (also for Object.prototype names)', async () => {
    const error = await rejectsWith(client.callRaw('subtract', [1, 2]), 'NameError');
    assert.equal(error.message, 'subtract');
    await rejectsWith(client.callRaw('constructor'), 'NameError');
    await rejectsWith(client.callRaw('__proto__'), 'NameError');
    await rejectsWith(client.callRaw('_zerorpc_unknown'), 'NameError');
  });

  test('when the built-ins are called, they answer like the reference', async () => {
    assert.deepEqual(await client.callRaw('_zerorpc_ping'), ['pong', 'calculator']);
    assert.equal(await client.callRaw('_zerorpc_name'), 'calculator');
    const list = (await client.callRaw('_zerorpc_list')) as string[];
    assert.ok(list.includes('add') && list.includes('count') && list.includes('_zerorpc_inspect'));
    const inspect = (await client.callRaw('_zerorpc_inspect')) as {
      name: string;
      methods: Record<string, { args: { name: string }[]; doc: string }>;
    };
    assert.equal(inspect.name, 'calculator');
    assert.deepEqual(inspect.methods.divide, {
      args: [{ name: 'dividend' }, { name: 'divisor' }],
      doc: 'a / b; refuses a zero divisor.',
    });
  });

  test('when the request header has keys we do not know, they are ignored', async () => {
    await caller.send('add', [1, 1], { x_custom: { nested: [1, 2] }, trace: 'abc' });
    const reply = await caller.next();
    assert.deepEqual([reply.name, reply.args], ['OK', [2]]);
  });

  test('when a slow call is running, a later quick call is answered first', async () => {
    const slow = client.call('sleep', 400);
    const started = performance.now();
    assert.equal(await client.call('add', 1, 1), 2);
    assert.ok(performance.now() - started < 200, 'the quick call waited for the slow one');
    assert.equal(await slow, 'slept');
  });

  test('when a call outlasts two heartbeat intervals, heartbeats keep both sides of it alive', async () => {
    // 100 ms heartbeats: without them either side would give up after 200 ms.
    assert.equal(await client.call('sleep', 500), 'slept');
  });

  test('when a call is answered, its response_to echoes the request id with the same type', async () => {
    const strId = 'f0e1d2c3-b4a5-4968-8776-655443322110';
    await caller.send('add', [1, 2], { message_id: strId });
    const reply = await caller.next();
    assert.equal(reply.header.response_to, strId);
    const binId = await caller.send('add', [1, 2]);
    const binReply = await caller.next();
    assert.ok(Buffer.isBuffer(binReply.header.response_to));
    assert.deepEqual(binReply.header.response_to, binId);
  });
});

describe('rpc server: streams', () => {
  let calc: CalculatorServer;
  let client: RpcServiceClient<typeof calculatorRpc>;

  before(async () => {
    calc = await startCalculator();
    client = connectClient(calc.endpoint, { retry: false });
  });
  after(async () => {
    await client.close();
    await calc.server.close();
  });

  test('when a streaming method is called, every item arrives in order, then the stream ends', async () => {
    const items: number[] = [];
    for await (const item of client.stream('count', 350)) items.push(item);
    assert.deepEqual(
      items,
      Array.from({ length: 350 }, (_, i) => i),
    );
  });

  test('when a stream fails after some items, the caller gets the items, then the error', async () => {
    const items: number[] = [];
    await assert.rejects(
      async () => {
        for await (const item of client.stream('countUntilError', 3)) items.push(item);
      },
      (error: unknown) => error instanceof RemoteError && error.name === 'TooFar',
    );
    assert.deepEqual(items, [0, 1, 2]);
  });

  test('when the caller grants no credit, the server sends one item and waits; _zpc_more releases more', async () => {
    // Heartbeats slow enough that the silent raw caller is not dropped during the test.
    const slow = await startCalculator({ heartbeatMs: 2000 });
    const caller = rawCaller(slow.endpoint);
    try {
      const id = await caller.send('count', [1000]);
      const first = await caller.next();
      assert.deepEqual([first.name, first.args], ['STREAM', 0]);
      await assert.rejects(caller.next(150), /no event/, 'a second item came without credit');
      assert.ok(slow.state.produced <= 2, `the generator ran ahead: ${slow.state.produced} items`);

      await caller.send('_zpc_more', [3], { response_to: id });
      const granted = [];
      for (let i = 0; i < 3; i += 1) granted.push((await caller.next()).args);
      assert.deepEqual(granted, [1, 2, 3]);
    } finally {
      caller.close();
      await slow.server.close({ timeoutMs: 0 });
    }
  });

  test('when a streaming caller goes silent, the server drops the channel and closes the generator', async () => {
    const caller = rawCaller(calc.endpoint);
    try {
      const closedBefore = calc.state.streamsClosed;
      await caller.send('count', [1000]);
      // No heartbeats, no credit: after two 100 ms intervals the caller is lost.
      await eventually(() => calc.state.streamsClosed === closedBefore + 1, 2000, 'generator closed');
      assert.equal(
        await metricValue(calc.registry, 'rpc_server_dropped_replies_total', { reason: 'lost_remote' }),
        1,
      );
      assert.equal(calc.server.inFlight, 0);
    } finally {
      caller.close();
    }
  });
});

describe('rpc server: callers and shutdown', () => {
  test('when a one-shot caller stops heartbeating, its channel is dropped and counted', async () => {
    const calc = await startCalculator();
    const caller = rawCaller(calc.endpoint);
    try {
      await caller.send('sleep', [3 * testHeartbeatMs]);
      await eventually(
        async () =>
          (await metricValue(calc.registry, 'rpc_server_dropped_replies_total', {
            reason: 'lost_remote',
          })) === 1,
        4 * testHeartbeatMs,
        'lost caller counted',
      );
      await assert.rejects(caller.next(2 * testHeartbeatMs), /no event/, 'a reply reached a lost caller');
    } finally {
      caller.close();
      await calc.server.close();
    }
  });

  test('when the caller is gone before the reply, the unroutable reply is logged and counted', async () => {
    // Slow heartbeats: the reply is ready before the server would declare the caller lost.
    const calc = await startCalculator({ heartbeatMs: 5000 });
    const client = connectClient(calc.endpoint, { retry: false, heartbeatMs: 5000 });
    const caller = rawCaller(calc.endpoint);
    try {
      assert.equal(await client.call('add', 1, 1), 2); // another peer stays connected
      await caller.send('sleep', [300]);
      await eventually(() => calc.server.inFlight === 1, 1000, 'call started');
      caller.close();
      await eventually(
        async () =>
          (await metricValue(calc.registry, 'rpc_server_dropped_replies_total', { reason: 'unroutable' })) ===
          1,
        3000,
        'unroutable reply counted',
      );
      assert.equal(await client.call('add', 2, 2), 4);
    } finally {
      await client.close();
      await calc.server.close();
    }
  });

  test('when the server closes, running calls are answered and new ones get ServiceUnavailable', async () => {
    const calc = await startCalculator();
    const client = connectClient(calc.endpoint, { retry: false });
    try {
      const running = client.call('sleep', 300);
      await eventually(() => calc.server.inFlight === 1, 1000, 'call started');
      const closing = calc.server.close({ timeoutMs: 2000 });
      await rejectsWith(client.call('add', 1, 2), 'ServiceUnavailable');
      assert.equal(await running, 'slept');
      await within(2000, closing, 'close');
    } finally {
      await client.close();
      await calc.server.close();
    }
  });

  test('when a handler throws an AppError, its code becomes the ERR name', async () => {
    let catastrophic: AppError | undefined;
    const server = createRpcServer({
      service: inventoryRpc,
      log: silentLog,
      handlers: {
        getStock: async () => {
          throw new AppError('out_of_stock', 'MUG-0001 is gone', {
            status: 409,
            details: { skus: ['MUG-0001'] },
          });
        },
        reserve: async () => {
          throw new AppError('lost_invariant', 'reservations table is corrupt', { catastrophic: true });
        },
        commit: async () => assert.fail('not called'),
        release: async () => assert.fail('not called'),
        restock: async () => assert.fail('not called'),
      },
      onCatastrophicError: (error) => {
        catastrophic = error;
      },
    });
    const endpoint = await server.bind('tcp://127.0.0.1:*');
    const client = createRpcClient({ service: inventoryRpc, endpoints: endpoint, retry: false });
    try {
      const error = await rejectsWith(client.call('getStock', ['MUG-0001']), 'OutOfStock');
      assert.equal(error.message, 'MUG-0001 is gone');
      assert.deepEqual(error.details, { skus: ['MUG-0001'] });
      await rejectsWith(
        client.call('reserve', '5f1d7c3a-2b8e-4c6d-9a0f-1e2d3c4b5a69', [{ sku: 'MUG-0001', qty: 1 }], 60),
        'LostInvariant',
      );
      assert.equal(catastrophic?.code, 'lost_invariant');
    } finally {
      await client.close();
      await server.close();
    }
  });

  test('when a handler fails unexpectedly, the error is logged with the call’s ids', async () => {
    const { log, lines } = captureLog();
    const calc = await startCalculator({ log });
    const client = connectClient(calc.endpoint, { retry: false });
    try {
      await rejectsWith(client.call('crash', 'boom'), 'InternalError');
      const line = lines().find((entry) => entry.msg === 'rpc handler failed');
      assert.ok(line, 'no error line');
      assert.equal(line.level, 'error');
      assert.equal(line.method, 'crash');
      assert.match(String(line.trace_id), /^[0-9a-f]{32}$/);
      assert.equal(typeof line.requestId, 'string');
    } finally {
      await client.close();
      await calc.server.close();
    }
  });

  test('when a contract method has no handler, the server refuses to start', () => {
    assert.throws(
      () =>
        createRpcServer({
          service: inventoryRpc,
          log: silentLog,
          handlers: {} as never,
        }),
      /no handler for inventory.getStock/,
    );
  });
});
