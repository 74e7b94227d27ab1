// A ZeroRPC client for one contract. It keeps one DEALER per endpoint rather than one DEALER
// connected to all of them: ZeroMQ would round-robin every message, so a call's heartbeats and
// `_zpc_more` could reach a replica that never saw the call. Each call picks its endpoint (fewest
// calls in flight, round-robin among equals) and stays on it.
//
// A call ends with the server's answer, or with TimeoutExpired (no answer within the timeout) or
// LostRemote (no event at all from the server for two heartbeat intervals). Only those two (and
// ServiceUnavailable, a refusal before running) are retried, and only for methods the contract
// declares idempotent. Results are checked against the contract.

import { setTimeout as sleep } from 'node:timers/promises';
import type { RpcArgsInput, RpcMethodDefinition, RpcResult, RpcServiceDefinition } from '@trio/contracts/rpc';
import { getContext, traceparentOf } from '@trio/service-runtime/context';
import { ExponentialBackoff, handleWhen, type RetryPolicy, retry } from 'cockatiel';
import { type Logger, pino } from 'pino';
import type { Registry } from 'prom-client';
import { Dealer } from 'zeromq';
import {
  createMessageIds,
  decodeEvent,
  type EventHeader,
  encodeEvent,
  GarbageError,
  type GarbageReason,
  headerKeys,
  messageIdKey,
  protocolVersion,
  type RpcEvent,
  splitFrames,
} from './codec.ts';
import {
  ClientClosed,
  isRetryable,
  LostRemote,
  ProtocolError,
  RemoteError,
  TimeoutExpired,
} from './errors.ts';
import { createRpcMetrics } from './metrics.ts';
import { createRateLimitedWarn } from './rate-limited-log.ts';
import { createSendQueue, type SendQueue } from './send-queue.ts';
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
  retry?: false | { retries?: number; initialDelayMs?: number; maxDelayMs?: number };
  /** Check results against the contract (on by default). */
  validateResults?: boolean;
  /** Stream items buffered ahead of the reader (the credit granted with `_zpc_more`). 100 like the reference. */
  streamBuffer?: number;
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

interface Peer {
  endpoint: string;
  dealer: Dealer;
  queue: SendQueue;
  calls: Map<string, Call>;
  receiving: Promise<void>;
}

interface Call {
  key: string;
  id: Buffer;
  method: string;
  peer: Peer;
  lastReceived: number;
  lastHeartbeat: number;
  settled: boolean;
  timer: NodeJS.Timeout | undefined;
  onEvent: (event: RpcEvent) => void;
  fail: (error: Error) => void;
}

interface MethodLabels {
  method: { peer: string; method: string };
  ok: { peer: string; method: string; outcome: string };
  error: { peer: string; method: string; outcome: string };
}

const empty = Buffer.alloc(0);

export function createRpcClient<S extends RpcServiceDefinition>(
  options: RpcClientOptions<S>,
): RpcServiceClient<S> {
  const { service } = options;
  const log = (options.log ?? pino({ level: 'silent' })).child({ peer: service.name });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const heartbeatMs = options.heartbeatMs ?? 5000;
  const validateResults = options.validateResults ?? true;
  const streamBuffer = options.streamBuffer ?? 100;
  const metrics = createRpcMetrics(options.registry);
  const peerLabel = { peer: service.name };
  const labelsByMethod = new Map<string, MethodLabels>();
  const warnOnce = createRateLimitedWarn(log);
  const nextMessageId = createMessageIds();
  const methods = new Map<string, RpcMethodDefinition>(Object.entries(service.methods));
  const retryPolicy = createRetryPolicy(options.retry);
  const endpointList = typeof options.endpoints === 'string' ? [options.endpoints] : [...options.endpoints];
  if (endpointList.length === 0) throw new Error(`no endpoint for ${service.name}`);
  let closed = false;
  let nextPeer = 0;
  let sweep: NodeJS.Timeout | undefined;
  const peers = endpointList.map(connectPeer);

  function connectPeer(endpoint: string): Peer {
    const dealer = new Dealer({
      linger: 0,
      // ZMTP heartbeats notice a connection that died without a FIN, so ZeroMQ reconnects.
      heartbeatInterval: heartbeatMs,
      heartbeatTimeout: 2 * heartbeatMs,
    });
    dealer.connect(endpoint);
    const peer: Peer = {
      endpoint,
      dealer,
      queue: createSendQueue(dealer, (error) => {
        if (!closed) warnOnce('send', { err: error, endpoint }, 'rpc client could not send');
      }),
      calls: new Map(),
      receiving: Promise.resolve(),
    };
    peer.receiving = receiveLoop(peer);
    return peer;
  }

  async function receiveLoop(peer: Peer): Promise<void> {
    while (!closed) {
      let frames: Buffer[];
      try {
        frames = await peer.dealer.receive();
      } catch (error) {
        if (closed || peer.dealer.closed) return;
        log.error({ err: error, endpoint: peer.endpoint }, 'rpc client receive failed');
        await sleep(10); // whatever it was, do not spin on it
        continue;
      }
      try {
        onMessage(peer, frames);
      } catch (error) {
        log.error({ err: error, endpoint: peer.endpoint }, 'rpc client failed to handle a message');
      }
    }
  }

  function onMessage(peer: Peer, frames: Buffer[]): void {
    let event: RpcEvent;
    try {
      event = decodeEvent(splitFrames(frames).payload);
    } catch (error) {
      if (!(error instanceof GarbageError)) throw error;
      garbage(error.reason, error.message);
      return;
    }
    const responseTo = event.header.response_to;
    if (responseTo === undefined) {
      garbage('malformed_event', `${event.name} without response_to`);
      return;
    }
    const call = peer.calls.get(messageIdKey(responseTo));
    if (call === undefined) {
      // Late answers to calls that timed out, heartbeats crossing a reply: expected now and then.
      garbage('unknown_channel', `${event.name} for a call that is not in flight`, 'debug');
      return;
    }
    call.lastReceived = Date.now();
    if (event.name === '_zpc_hb' || event.name === '_zpc_more') return;
    call.onEvent(event);
  }

  function garbage(reason: GarbageReason, detail: string, level: 'warn' | 'debug' = 'warn'): void {
    metrics.clientGarbage.inc({ ...peerLabel, reason });
    if (level === 'debug') log.debug({ reason, detail }, 'rpc client dropped a message');
    else warnOnce(reason, { reason, detail }, 'rpc client dropped a message');
  }

  function pickPeer(): Peer {
    let best = peers[nextPeer % peers.length]!;
    nextPeer = (nextPeer + 1) % peers.length;
    for (const peer of peers) if (peer.calls.size < best.calls.size) best = peer;
    return best;
  }

  /** Sends the request of a new call and tracks it until `end`; `callTimeoutMs` undefined: no timer. */
  function open(
    method: string,
    args: readonly unknown[],
    callTimeoutMs: number | undefined,
    handlers: Pick<Call, 'onEvent' | 'fail'>,
  ): Call {
    if (closed) throw new ClientClosed();
    const id = nextMessageId();
    const header: EventHeader = { message_id: id, v: protocolVersion };
    const context = getContext();
    if (context !== undefined) {
      header[headerKeys.traceparent] = traceparentOf(context);
      header[headerKeys.correlationId] = context.correlationId;
    }
    const payload = encodeEvent(header, method, args);
    const peer = pickPeer();
    const now = Date.now();
    const call: Call = {
      key: messageIdKey(id),
      id,
      method,
      peer,
      lastReceived: now,
      lastHeartbeat: now,
      settled: false,
      timer: undefined,
      onEvent: handlers.onEvent,
      fail: handlers.fail,
    };
    if (callTimeoutMs !== undefined) {
      call.timer = setTimeout(() => {
        end(call);
        call.fail(timeoutError(call, callTimeoutMs));
      }, callTimeoutMs);
    }
    peer.calls.set(call.key, call);
    metrics.clientInFlight.inc(peerLabel);
    peer.queue.push([empty, payload], call);
    sweep ??= setInterval(checkCalls, Math.max(5, Math.floor(heartbeatMs / 4)));
    return call;
  }

  function timeoutError(call: Call, ms: number): TimeoutExpired {
    return new TimeoutExpired(
      `${service.name}.${call.method}: no answer from ${call.peer.endpoint} within ${ms} ms`,
    );
  }

  function end(call: Call): void {
    if (call.settled) return;
    call.settled = true;
    clearTimeout(call.timer);
    call.peer.calls.delete(call.key);
    metrics.clientInFlight.dec(peerLabel);
  }

  // Heartbeats for calls in flight, and LostRemote for those whose server fell silent. Runs only
  // while calls are in flight.
  function checkCalls(): void {
    const now = Date.now();
    let inFlight = 0;
    for (const peer of peers) {
      for (const call of peer.calls.values()) {
        if (now - call.lastReceived > 2 * heartbeatMs) {
          end(call);
          call.fail(
            new LostRemote(
              `${service.name}.${call.method}: ${peer.endpoint} sent nothing for ${2 * heartbeatMs} ms`,
            ),
          );
        } else if (now - call.lastHeartbeat >= heartbeatMs) {
          call.lastHeartbeat = now;
          const header: EventHeader = {
            message_id: nextMessageId(),
            v: protocolVersion,
            response_to: call.id,
          };
          peer.queue.push([empty, encodeEvent(header, '_zpc_hb', [0])], call);
        }
      }
      inFlight += peer.calls.size;
    }
    if (inFlight === 0 && sweep !== undefined) {
      clearInterval(sweep);
      sweep = undefined;
    }
  }

  function attempt(method: string, args: readonly unknown[], callTimeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const call = open(method, args, callTimeoutMs, {
        onEvent(event) {
          end(call);
          if (event.name === 'OK' && Array.isArray(event.args) && event.args.length > 0)
            resolve(event.args[0]);
          else if (event.name === 'ERR') reject(toRemoteError(event, methods.get(method)));
          else reject(new ProtocolError(`${service.name}.${method}: unexpected ${event.name} reply`));
        },
        fail: reject,
      });
    });
  }

  // The hot path of every call: one promise chain rather than nested async functions, and label
  // objects made once per method, keep the client's own cost to a few µs per call.
  function invokeMethod(
    method: string,
    args: readonly unknown[],
    callOptions?: CallOptions,
  ): Promise<unknown> {
    const definition = methods.get(method);
    const labels = labelsFor(method, definition);
    const callTimeoutMs = callOptions?.timeoutMs ?? timeoutMs;
    const started = performance.now();
    const failed = (error: unknown): never => {
      metrics.clientDuration.observe(labels.error, (performance.now() - started) / 1000);
      metrics.clientErrors.inc({ ...labels.method, error: (error as Error).name ?? 'Error' });
      throw error;
    };
    const succeeded = (answer: unknown): unknown => {
      let result: unknown;
      try {
        result = definition === undefined ? answer : checkResult(definition, method, answer);
      } catch (error) {
        return failed(error);
      }
      metrics.clientDuration.observe(labels.ok, (performance.now() - started) / 1000);
      return result;
    };
    // The first attempt runs outside the retry policy, whose bookkeeping would otherwise cost
    // every call; the policy runs the retries (the first at once, the next ones after a backoff).
    const retried = (error: unknown): Promise<unknown> => {
      if (retryPolicy === undefined || definition?.idempotent !== true || !isRetryable(error)) {
        return failed(error);
      }
      return retryPolicy
        .execute(() => {
          metrics.clientRetries.inc(labels.method);
          return attempt(method, args, callTimeoutMs);
        })
        .then(succeeded, failed);
    };
    return attempt(method, args, callTimeoutMs).then(succeeded, retried);
  }

  function labelsFor(method: string, definition: RpcMethodDefinition | undefined): MethodLabels {
    // Methods outside the contract (callRaw) share one label: callers must not grow the series.
    const name = definition === undefined ? '_raw' : method;
    let labels = labelsByMethod.get(name);
    if (labels === undefined) {
      labels = {
        method: { ...peerLabel, method: name },
        ok: { ...peerLabel, method: name, outcome: 'ok' },
        error: { ...peerLabel, method: name, outcome: 'error' },
      };
      labelsByMethod.set(name, labels);
    }
    return labels;
  }

  function checkResult(definition: RpcMethodDefinition, method: string, value: unknown): unknown {
    if (!validateResults) return value;
    const parsed = definition.result.safeParse(value);
    if (parsed.success) return parsed.data;
    throw new ProtocolError(`${service.name}.${method}: the result does not match the contract`, {
      cause: parsed.error,
    });
  }

  async function* streamItems(method: string, args: readonly unknown[]): AsyncGenerator<unknown> {
    const definition = methods.get(method)!;
    const items: unknown[] = [];
    let finished = false;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    // Slots the server may still fill: it starts by assuming 1. More are granted only once the
    // server has answered, so the grant cannot overtake the request on a peer still setting it up.
    let granted = 1;
    let answered = false;
    // The timeout bounds each wait for the next item, not the time the reader spends on one.
    const call = open(method, args, undefined, {
      onEvent(event) {
        answered = true;
        if (event.name === 'STREAM') {
          granted -= 1;
          items.push(event.args);
        } else {
          end(call);
          if (event.name === 'STREAM_DONE') finished = true;
          else if (event.name === 'ERR') failure = toRemoteError(event, definition);
          else failure = new ProtocolError(`${service.name}.${method}: unexpected ${event.name} in a stream`);
        }
        wake?.();
      },
      fail(error) {
        failure = error;
        wake?.();
      },
    });
    const grant = () => {
      const room = streamBuffer - items.length - granted;
      if (!answered || call.settled || granted >= streamBuffer / 2 || room <= 0) return;
      granted += room;
      const header: EventHeader = { message_id: nextMessageId(), v: protocolVersion, response_to: call.id };
      call.peer.queue.push([empty, encodeEvent(header, '_zpc_more', [room])], call);
    };
    try {
      for (;;) {
        if (items.length > 0) {
          const item = items.shift();
          grant();
          yield checkResult(definition, method, item);
          continue;
        }
        if (failure !== undefined) throw failure;
        if (finished) return;
        grant();
        await new Promise<void>((resolve) => {
          wake = resolve;
          call.timer = setTimeout(() => {
            end(call);
            failure = timeoutError(call, timeoutMs);
            resolve();
          }, timeoutMs);
        });
        clearTimeout(call.timer);
        wake = undefined;
      }
    } finally {
      end(call);
    }
  }

  const methodsProxy = Object.fromEntries(
    [...methods]
      .filter(([, definition]) => !isStreamMethod(definition))
      .map(([name]) => [name, (...args: unknown[]) => invokeMethod(name, args)]),
  );

  return {
    methods: methodsProxy as unknown as RpcMethods<S>,
    call(method, ...args) {
      return invokeMethod(method, args) as never;
    },
    invoke(method, args, callOptions) {
      return invokeMethod(method, args, callOptions) as never;
    },
    stream(method, ...args) {
      return { [Symbol.asyncIterator]: () => streamItems(method, args) } as never;
    },
    callRaw(method, args = [], callOptions) {
      return invokeMethod(method, args, callOptions);
    },
    get inFlight() {
      return peers.reduce((sum, peer) => sum + peer.calls.size, 0);
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(sweep);
      for (const peer of peers) {
        for (const call of [...peer.calls.values()]) {
          end(call);
          call.fail(new ClientClosed());
        }
        peer.dealer.close();
      }
      await Promise.all(peers.map((peer) => peer.receiving));
    },
  };
}

function createRetryPolicy(
  options: RpcClientOptions<RpcServiceDefinition>['retry'],
): RetryPolicy | undefined {
  if (options === false) return undefined;
  const retries = options?.retries ?? 2;
  if (retries <= 0) return undefined;
  return retry(handleWhen(isRetryable), {
    // The policy runs the retries only (see invokeMethod): its first run is the first retry.
    maxAttempts: retries - 1,
    backoff: new ExponentialBackoff({
      initialDelay: options?.initialDelayMs ?? 50,
      maxDelay: options?.maxDelayMs ?? 1000,
    }),
  });
}

/** ERR args are `[name, message, traceback]`; our servers add structured details in the header. */
function toRemoteError(event: RpcEvent, definition: RpcMethodDefinition | undefined): Error {
  const args = event.args;
  if (!Array.isArray(args) || typeof args[0] !== 'string') return new ProtocolError('malformed ERR reply');
  const [name, message, traceback] = args as [string, unknown, unknown];
  let details = event.header[headerKeys.errorDetails];
  const schema = definition?.errors[name]?.details;
  if (details !== undefined && schema !== undefined) {
    const parsed = schema.safeParse(details);
    if (parsed.success) details = parsed.data;
  }
  return new RemoteError(
    name,
    typeof message === 'string' ? message : String(message ?? ''),
    typeof traceback === 'string' ? traceback : '',
    details,
  );
}
