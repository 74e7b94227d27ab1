// Shared by the tests: servers and clients on ephemeral loopback ports, raw ZeroMQ sockets that
// speak (or break) the protocol by hand, log capture, metric reading and bounded waiting.
import { randomInt } from 'node:crypto';
import { createServer as createNetServer } from 'node:net';
import { Writable } from 'node:stream';
import type { RpcServiceDefinition } from '@trio/contracts/rpc';
import { createLogger } from '@trio/service-runtime/logger';
import { type Logger, pino } from 'pino';
import { Registry } from 'prom-client';
import { Dealer, Router } from 'zeromq';
import { createRpcClient, type RpcClientOptions, type RpcServiceClient } from '../../src/client.ts';
import {
  createMessageIds,
  decodeEvent,
  type EventHeader,
  encodeEvent,
  type MessageId,
  type RpcEvent,
} from '../../src/codec.ts';
import { createRpcServer, type RpcServer, type RpcServerOptions } from '../../src/server.ts';
import { type CalculatorState, calculatorHandlers, calculatorRpc, newCalculatorState } from './calculator.ts';

export const silentLog: Logger = pino({ level: 'silent' });

/** Short heartbeats so that loss is noticed in a fraction of a second. */
// Short enough for loss tests to finish quickly, long enough that a machine busy with other test
// suites does not stall a healthy peer past two intervals.
export const testHeartbeatMs = 500;

export interface CalculatorServer {
  server: RpcServer;
  endpoint: string;
  registry: Registry;
  state: CalculatorState;
}

export async function startCalculator(
  overrides: Partial<RpcServerOptions<typeof calculatorRpc>> = {},
  endpoint = 'tcp://127.0.0.1:*',
): Promise<CalculatorServer> {
  const state = newCalculatorState();
  const registry = new Registry();
  const server = createRpcServer({
    service: calculatorRpc,
    handlers: calculatorHandlers(state),
    log: silentLog,
    registry,
    heartbeatMs: testHeartbeatMs,
    ...overrides,
  });
  try {
    const bound = await server.bind(endpoint);
    return { server, endpoint: bound, registry, state };
  } catch (error) {
    await server.close({ timeoutMs: 0 }); // e.g. the port is still taken: do not leak the socket
    throw error;
  }
}

export function connectClient<S extends RpcServiceDefinition = typeof calculatorRpc>(
  endpoints: string | string[],
  overrides: Partial<RpcClientOptions<S>> = {},
): RpcServiceClient<S> {
  return createRpcClient({
    service: calculatorRpc as unknown as S,
    endpoints,
    log: silentLog,
    heartbeatMs: testHeartbeatMs,
    timeoutMs: 5000,
    ...overrides,
  });
}

/** A pino logger whose JSON lines the test can read back. */
export function captureLog(service = 'rpc-test'): { log: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  const log = createLogger({ service, level: 'debug', pretty: false, destination });
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { log, lines };
}

/** The value of one series, or 0 when it has not been observed. */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  // A histogram's _count and _sum are series of the histogram itself.
  const base = name.replace(/_(count|sum)$/, '');
  const metric = registry.getSingleMetric(name) ?? registry.getSingleMetric(base);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const matching = values.filter(
    (value) =>
      [undefined, name].includes((value as { metricName?: string }).metricName) &&
      Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted),
  );
  return matching.reduce((sum, value) => sum + value.value, 0);
}

/** Rejects when the promise takes longer than `ms`: no test waits forever. */
export async function within<T>(ms: number, promise: Promise<T>, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls until the condition holds, failing after `ms`. */
export async function eventually(condition: () => boolean | Promise<boolean>, ms = 2000, what = 'condition') {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function rawDealer(endpoint: string, options: ConstructorParameters<typeof Dealer>[0] = {}): Dealer {
  const dealer = new Dealer({ linger: 0, ...options });
  dealer.connect(endpoint);
  return dealer;
}

export async function rawRouter(options: ConstructorParameters<typeof Router>[0] = {}): Promise<{
  router: Router;
  endpoint: string;
}> {
  const router = new Router({ linger: 0, ...options });
  await router.bind('tcp://127.0.0.1:*');
  return { router, endpoint: router.lastEndpoint! };
}

/** The next message of a raw socket, bounded in time. */
export function receiveWithin(socket: Dealer | Router, ms = 2000): Promise<Buffer[]> {
  return within(ms, socket.receive(), 'receive');
}

const rawIds = createMessageIds();

/** Sends one event from a raw DEALER, the way a reference client frames it; returns its message id. */
export async function sendEvent(
  dealer: Dealer,
  name: string,
  args: unknown,
  header: Partial<EventHeader> = {},
): Promise<MessageId> {
  const fullHeader: EventHeader = { message_id: rawIds(), v: 3, ...header };
  await dealer.send([Buffer.alloc(0), encodeEvent(fullHeader, name, args)]);
  return fullHeader.message_id;
}

/**
 * A hand-driven caller: a raw DEALER whose incoming events are read in the background, so a test
 * can wait for the next one with a deadline (and wait again after a deadline passed).
 */
export interface RawCaller {
  dealer: Dealer;
  send(name: string, args: unknown, header?: Partial<EventHeader>): Promise<MessageId>;
  /** The next event other than a heartbeat; rejects after `ms`. */
  next(ms?: number): Promise<RpcEvent>;
  /** Every event received so far, heartbeats included. */
  received: RpcEvent[];
  close(): void;
}

export function rawCaller(
  endpoint: string,
  options: ConstructorParameters<typeof Dealer>[0] = {},
): RawCaller {
  const dealer = rawDealer(endpoint, options);
  const received: RpcEvent[] = [];
  const replies: RpcEvent[] = [];
  let wake: (() => void) | undefined;
  void (async () => {
    try {
      for await (const frames of dealer) {
        const event = decodeEvent(frames.at(-1)!);
        received.push(event);
        if (event.name !== '_zpc_hb') replies.push(event);
        wake?.();
      }
    } catch {
      // closed
    }
  })();
  return {
    dealer,
    received,
    send: (name, args, header) => sendEvent(dealer, name, args, header),
    async next(ms = 2000) {
      const deadline = Date.now() + ms;
      while (replies.length === 0) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no event within ${ms} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
      return replies.shift()!;
    },
    close: () => dealer.close(),
  };
}

/**
 * An endpoint for a test that closes its server and binds the same port again. Ports the kernel
 * hands out for `tcp://127.0.0.1:*` (32768 and up) are unsafe for that: between close and rebind,
 * a test file running alongside can be given the same port and take the calls meant for ours. So
 * these come from below the ephemeral range, starting at a random place; one in use is skipped.
 */
export async function restartableEndpoint(): Promise<string> {
  const start = 20_000 + randomInt(0, 10_000);
  for (let i = 0; i < 100; i += 1) {
    const port = 20_000 + ((start - 20_000 + i) % 10_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createNetServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return `tcp://127.0.0.1:${port}`;
  }
  throw new Error('no free port below the ephemeral range');
}
