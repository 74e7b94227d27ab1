// Interoperability with an independent implementation, zerorpc-node 0.9.8 (dotCloud's Node port),
// in both directions. Its quirks (see docs/zerorpc.md): server methods must be written as
// `name: function (…) {}` because it parses the source for argument names; an unknown method gets
// no reply at all; it sends message ids as 36-character strings.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import type { RpcServiceClient } from '../src/client.ts';
import { LostRemote, RemoteError } from '../src/errors.ts';
import type { calculatorRpc } from './support/calculator.ts';
import {
  type CalculatorServer,
  connectClient,
  startCalculator,
  testHeartbeatMs,
  within,
} from './support/harness.ts';

type Reply = (error: Error | null, result?: unknown, more?: boolean) => void;

interface ZerorpcClient {
  connect(endpoint: string): void;
  invoke(method: string, ...argsAndCallback: unknown[]): void;
  on(event: 'error', listener: (error: unknown) => void): void;
  close(): void;
}

interface ZerorpcServer {
  bind(endpoint: string): void;
  on(event: 'error', listener: (error: unknown) => void): void;
  close(): void;
  _socket: { _zmqSocket: { last_endpoint: string } };
}

interface Zerorpc {
  Client: new (options: { timeout?: number; heartbeatInterval?: number }) => ZerorpcClient;
  Server: new (context: Record<string, unknown>, heartbeatMs?: number) => ZerorpcServer;
}

const zerorpc = createRequire(import.meta.url)('zerorpc') as Zerorpc;

interface Outcome {
  error?: Error;
  result?: unknown;
}

/** One call through zerorpc-node's client, as a promise (its timeout bounds the wait). */
function invoke(client: ZerorpcClient, method: string, ...args: unknown[]): Promise<Outcome> {
  return new Promise((resolve) => {
    client.invoke(method, ...args, (error: Error | undefined, result: unknown) =>
      resolve(error ? { error } : { result }),
    );
  });
}

describe('zerorpc-node client → our server', () => {
  let calc: CalculatorServer;
  let client: ZerorpcClient;
  const clientErrors: unknown[] = [];

  before(async () => {
    calc = await startCalculator();
    // timeout in seconds; heartbeats at the same 100 ms as our server, so a long call proves both.
    client = new zerorpc.Client({ timeout: 5, heartbeatInterval: testHeartbeatMs });
    client.on('error', (error) => clientErrors.push(error));
    client.connect(calc.endpoint);
  });
  after(async () => {
    client.close();
    await calc.server.close();
  });

  test('when it calls a method, it gets the result', async () => {
    assert.deepEqual(await invoke(client, 'add', 20, 22), { result: 42 });
    assert.deepEqual(await invoke(client, 'echo', 'grüß dich'), { result: 'grüß dich' });
  });

  test('when a handler throws a named error, it gets that name and message', async () => {
    const { error } = await invoke(client, 'divide', 1, 0);
    assert.equal(error?.name, 'DivisionByZero');
    assert.equal(error?.message, 'cannot divide by zero');
  });

  test('when its arguments are wrong, it gets ValidationError', async () => {
    const { error } = await invoke(client, 'add', 'one', 2);
    assert.equal(error?.name, 'ValidationError');
    assert.match(error?.message ?? '', /^invalid arguments: a: /);
  });

  test('when it calls a streaming method, every item arrives through its _zpc_more credit', async () => {
    const items: unknown[] = [];
    const outcome = await within(
      5000,
      new Promise<Error | undefined>((resolve) => {
        client.invoke('count', 300, (error: Error | undefined, item: unknown, more: boolean) => {
          if (error) resolve(error);
          else if (more) items.push(item);
          else resolve(undefined);
        });
      }),
      'stream',
    );
    assert.equal(outcome, undefined);
    assert.deepEqual(
      items,
      Array.from({ length: 300 }, (_, i) => i),
    );
  });

  test('when it pings, the server answers pong with its name', async () => {
    assert.deepEqual(await invoke(client, '_zerorpc_ping'), { result: ['pong', 'calculator'] });
  });

  test('when it calls an unknown method, it gets NameError', async () => {
    const { error } = await invoke(client, 'subtract', 2, 1);
    assert.equal(error?.name, 'NameError');
    assert.equal(error?.message, 'subtract');
  });

  test('when a call lasts several heartbeat intervals, our heartbeats keep its channel alive', async () => {
    assert.deepEqual(await invoke(client, 'sleep', 5 * testHeartbeatMs), { result: 'slept' });
    assert.deepEqual(clientErrors, []);
  });
});

describe('our client → zerorpc-node server', () => {
  let server: ZerorpcServer;
  let client: RpcServiceClient<typeof calculatorRpc>;
  const serverErrors: unknown[] = [];

  before(() => {
    // Its argument parser reads `function (…)` source text: no arrows, no method shorthand.
    /* biome-ignore-start lint/complexity/useArrowFunction: zerorpc-node parses `function (…)` for argument names */
    server = new zerorpc.Server(
      {
        add: function (a: number, b: number, reply: Reply) {
          reply(null, a + b);
        },
        divide: function (_a: number, _b: number, reply: Reply) {
          reply(new Error('their division failed'));
        },
        sleep: function (ms: number, reply: Reply) {
          setTimeout(() => reply(null, 'slept'), ms);
        },
      },
      testHeartbeatMs,
    );
    /* biome-ignore-end lint/complexity/useArrowFunction: zerorpc-node parses `function (…)` for argument names */
    server.on('error', (error) => serverErrors.push(error));
    server.bind('tcp://127.0.0.1:*');
    // zerorpc-node has no accessor for the bound endpoint; its zeromq compat socket does.
    const endpoint = server._socket._zmqSocket.last_endpoint;
    client = connectClient(endpoint, { retry: false });
  });
  after(async () => {
    await client.close();
    server.close();
  });

  test('when we call its method, we get the result', async () => {
    assert.equal(await client.call('add', 40, 2), 42);
  });

  test('when its method fails, we get RemoteError with its name and message', async () => {
    await assert.rejects(
      client.call('divide', 1, 2),
      (error: unknown) =>
        error instanceof RemoteError && error.name === 'Error' && error.message === 'their division failed',
    );
  });

  test('when a call lasts several heartbeat intervals, heartbeats flow both ways', async () => {
    assert.equal(await client.call('sleep', 5 * testHeartbeatMs), 'slept');
    assert.deepEqual(serverErrors, [], 'its server lost our channel');
  });

  test('when we call a method it lacks, it never answers and we fail with LostRemote', async () => {
    const started = performance.now();
    await assert.rejects(client.call('echo', 'anyone?'), LostRemote);
    assert.ok(performance.now() - started < 2 * testHeartbeatMs + 250);
  });
});
