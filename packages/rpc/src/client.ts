// A ZeroRPC client for one contract: typed methods over the peers of one service. The parts live
// beside it: the connections and their choice per call (client-peers.ts), service discovery by
// name (client-resolve.ts), the calls in flight and the matching of answers (client-calls.ts),
// heartbeats (client-heartbeats.ts), timeouts (client-deadlines.ts), one-shot calls and retries
// (client-unary.ts), streams (client-stream.ts). Results are checked against the contract.

import type { RpcArgsInput, RpcResult, RpcServiceDefinition } from '@trio/contracts/rpc';
import { type Logger, pino } from 'pino';
import type { Registry } from 'prom-client';
import { createCallBreaker } from './client-breaker.ts';
import { CallTable } from './client-calls.ts';
import { PeerPool } from './client-peers.ts';
import { EndpointResolver, type Lookup } from './client-resolve.ts';
import { streamItems } from './client-stream.ts';
import {
  createRetryPolicy,
  invokeUnary,
  MethodStates,
  type RetryOptions,
  type UnaryContext,
} from './client-unary.ts';
import type { CurveClientKeys } from './curve.ts';
import { createRpcMetrics } from './metrics.ts';
import { createRateLimitedWarn } from './rate-limited-log.ts';
import { isStreamMethod, type StreamMethodName, type UnaryMethodName } from './streams.ts';

export interface RpcClientOptions<S extends RpcServiceDefinition> {
  service: S;
  /** One or several endpoints of the same service (`tcp://inventory:4242`). */
  endpoints: string | readonly string[];
  log?: Logger;
  /** Where the rpc_client_* series go: the service host's registry. A private one by default. */
  registry?: Registry;
  /** Per call (per attempt); 30 s like the reference. For a stream, the longest wait between items. */
  timeoutMs?: number;
  /** Heartbeat period; a server silent for two periods is lost. 5 s like the reference. */
  heartbeatMs?: number;
  /** Retries of idempotent methods after TimeoutExpired/LostRemote; `false` for none. */
  retry?: false | RetryOptions;
  /** Check results against the contract (on by default). */
  validateResults?: boolean;
  /** Stream items buffered ahead of the reader (the credit granted with `_zpc_more`). 100 like the reference. */
  streamBuffer?: number;
  /**
   * How often endpoints given by name (`tcp://inventory:4242`) are looked up again; 0 never. A name
   * resolving to several addresses (compose replicas, a Kubernetes headless Service) gets one
   * connection per address, and calls spread over all of them; replicas that appear are added,
   * ones that vanish are dropped once their calls in flight have ended. Default 5 s.
   */
  resolveEveryMs?: number;
  /** The DNS lookup (all addresses of a name); Node's resolver by default. */
  lookup?: Lookup;
  /**
   * CURVE (see curve.ts): this client's key pair and the server's public key. Without it the
   * client speaks plain ZeroRPC; a CURVE server then never answers it.
   */
  curve?: CurveClientKeys;
}

export interface CallOptions {
  timeoutMs?: number;
}

type MethodsOf<S extends RpcServiceDefinition> = S['methods'];
type ArgsOf<S extends RpcServiceDefinition, K extends keyof MethodsOf<S>> = RpcArgsInput<MethodsOf<S>[K]> &
  unknown[];
type ResultOf<S extends RpcServiceDefinition, K extends keyof MethodsOf<S>> = RpcResult<MethodsOf<S>[K]>;

/** One async function per one-shot method: `client.methods.reserve(orderId, lines, ttl)`. */
export type RpcMethods<S extends RpcServiceDefinition> = {
  readonly [K in UnaryMethodName<MethodsOf<S>>]: (...args: ArgsOf<S, K>) => Promise<ResultOf<S, K>>;
};

export interface RpcServiceClient<S extends RpcServiceDefinition> {
  readonly methods: RpcMethods<S>;
  call<K extends UnaryMethodName<MethodsOf<S>>>(method: K, ...args: ArgsOf<S, K>): Promise<ResultOf<S, K>>;
  invoke<K extends UnaryMethodName<MethodsOf<S>>>(
    method: K,
    args: ArgsOf<S, K>,
    options?: CallOptions,
  ): Promise<ResultOf<S, K>>;
  /** Items of a streaming method, read as they arrive; stopping early abandons the call. */
  stream<K extends StreamMethodName<MethodsOf<S>>>(
    method: K,
    ...args: ArgsOf<S, K>
  ): AsyncIterable<ResultOf<S, K>>;
  /** Any method by name, unchecked: the built-ins (`_zerorpc_ping`, `_zerorpc_inspect`) or another contract. */
  callRaw(method: string, args?: readonly unknown[], options?: CallOptions): Promise<unknown>;
  readonly inFlight: number;
  /** Fails the calls in flight with ClientClosed and closes the sockets. */
  close(): Promise<void>;
}

export function createRpcClient<S extends RpcServiceDefinition>(
  options: RpcClientOptions<S>,
): RpcServiceClient<S> {
  const { service } = options;
  const endpoints = typeof options.endpoints === 'string' ? [options.endpoints] : [...options.endpoints];
  if (endpoints.length === 0) throw new Error(`no endpoint for ${service.name}`);
  const log = (options.log ?? pino({ level: 'silent' })).child({ peer: service.name });
  const heartbeatMs = options.heartbeatMs ?? 5000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const validateResults = options.validateResults ?? true;
  const metrics = createRpcMetrics(options.registry);
  const warnOnce = createRateLimitedWarn(log);

  const peers = new PeerPool({
    heartbeatMs,
    ...(options.curve === undefined ? {} : { curve: options.curve }),
    log,
    warnOnce,
    onMessage: (peer, frames) => calls.onMessage(peer, frames),
    onDisconnect: (peer) => calls.failPeer(peer),
  });
  const calls = new CallTable({ serviceName: service.name, heartbeatMs, log, warnOnce, metrics }, peers);
  for (const endpoint of endpoints) peers.connect(endpoint);
  const resolver = new EndpointResolver({
    endpoints,
    everyMs: options.resolveEveryMs ?? 5_000,
    lookup: options.lookup,
    warnOnce,
    onResolved: (wanted) => peers.replace(wanted),
  });

  const unary: UnaryContext = {
    calls,
    serviceName: service.name,
    metrics,
    retryPolicy: createRetryPolicy(options.retry),
    validateResults,
  };
  const streams = {
    calls,
    serviceName: service.name,
    timeoutMs,
    streamBuffer: options.streamBuffer ?? 100,
    validateResults,
  };
  const states = new MethodStates(service, metrics);
  const methods = new Map(Object.entries(service.methods));
  // Every one-shot call (with its retries) through the peer's circuit breaker (client-breaker.ts).
  const guarded = createCallBreaker(service.name, options.registry);
  const invoke = (method: string, args: readonly unknown[], callOptions?: CallOptions) =>
    guarded(() => invokeUnary(unary, states.get(method), method, args, callOptions?.timeoutMs ?? timeoutMs));

  const methodsProxy = Object.fromEntries(
    [...methods]
      .filter(([, definition]) => !isStreamMethod(definition))
      .map(([name]) => [name, (...args: unknown[]) => invoke(name, args)]),
  );

  return {
    methods: methodsProxy as unknown as RpcMethods<S>,
    call(method, ...args) {
      return invoke(method, args) as never;
    },
    invoke(method, args, callOptions) {
      return invoke(method, args, callOptions) as never;
    },
    stream(method, ...args) {
      const definition = methods.get(method)!;
      return { [Symbol.asyncIterator]: () => streamItems(streams, definition, method, args) } as never;
    },
    callRaw(method, args = [], callOptions) {
      return invoke(method, args, callOptions);
    },
    get inFlight() {
      return calls.inFlight;
    },
    async close() {
      if (peers.closed) return;
      peers.markClosed();
      calls.stopHeartbeats();
      await resolver.close();
      calls.close();
      await peers.close();
    },
  };
}
