// A ZeroRPC client for one contract. It keeps one DEALER per endpoint rather than one DEALER
// connected to all of them: ZeroMQ would round-robin every message, so a call's heartbeats and
// `_zpc_more` could reach a replica that never saw the call. Each call picks its endpoint (fewest
// calls in flight, round-robin among equals) and stays on it.
//
// A call ends with the server's answer, or with TimeoutExpired (no answer within the timeout) or
// LostRemote (no event at all from the server for two heartbeat intervals). Only those two (and
// ServiceUnavailable, a refusal before running) are retried, and only for methods the contract
// declares idempotent. Results are checked against the contract.

import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP as isIp } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RpcArgsInput, RpcMethodDefinition, RpcResult, RpcServiceDefinition } from '@trio/contracts/rpc';
import { getContext, traceparentOf } from '@trio/service-runtime/context';
import { ExponentialBackoff, handleWhen, type RetryPolicy, retry } from 'cockatiel';
import { type Logger, pino } from 'pino';
import type { Registry } from 'prom-client';
import { Dealer } from 'zeromq';
import {
  decodeEvent,
  type EventHeader,
  encodeEvent,
  GarbageError,
  type GarbageReason,
  headerKeys,
  MessageIdSource,
  messageIdSequence,
  protocolVersion,
  type RpcEvent,
  sameMessageId,
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
import { createRpcMetrics, type GaugeChild, type HistogramChild, histogramChild } from './metrics.ts';
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
  /**
   * How often endpoints given by name (`tcp://inventory:4242`) are looked up again; 0 never. A name
   * resolving to several addresses (compose replicas, a Kubernetes headless Service) gets one
   * connection per address, and calls spread over all of them; replicas that appear are added,
   * ones that vanish are dropped once their calls in flight have ended. Default 5 s.
   */
  resolveEveryMs?: number;
  /** The DNS lookup (all addresses of a name); Node's resolver by default. */
  lookup?: (host: string) => Promise<string[]>;
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
  /** Calls in flight on this peer by the counter of their message id (see MessageIdSource). */
  calls: Map<number, Call>;
  receiving: Promise<void>;
}

/** A call in flight, from its request until `end`: a one-shot call (UnaryCall) or a stream. */
interface Call {
  readonly id: Buffer;
  /** The counter of `id`, its key in `peer.calls`. */
  readonly sequence: number;
  readonly method: string;
  readonly peer: Peer;
  lastReceived: number;
  lastHeartbeat: number;
  settled: boolean;
  /** A stream's wait for its next item. */
  timer: NodeJS.Timeout | undefined;
  /** A one-shot call's place in the list of its timeout (see Deadlines). */
  deadlines: Deadlines | undefined;
  deadline: number;
  previous: Call | undefined;
  next: Call | undefined;
  onEvent(event: RpcEvent): void;
  /** The call has ended without an answer (timeout, lost server, closed client). */
  fail(error: Error): void;
}

/** What a call needs to know about its method, made once per method. */
interface MethodState {
  name: string;
  definition: RpcMethodDefinition | undefined;
  labels: { peer: string; method: string };
  ok: HistogramChild;
  error: HistogramChild;
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
  const inFlight: GaugeChild = metrics.clientInFlightChild(peerLabel);
  const warnOnce = createRateLimitedWarn(log);
  const ids = new MessageIdSource();
  const nextMessageId = () => ids.next();
  const methods = new Map<string, RpcMethodDefinition>(Object.entries(service.methods));
  // Methods outside the contract (callRaw) share one label: callers must not grow the series.
  const methodStates = new Map<string, MethodState>();
  for (const [name, definition] of methods) methodStates.set(name, methodState(name, definition));
  let rawState: MethodState | undefined;
  const retryPolicy = createRetryPolicy(options.retry);
  const endpointList = typeof options.endpoints === 'string' ? [options.endpoints] : [...options.endpoints];
  if (endpointList.length === 0) throw new Error(`no endpoint for ${service.name}`);
  let closed = false;
  let nextPeer = 0;
  let sweep: NodeJS.Timeout | undefined;
  const deadlinesByMs = new Map<number, Deadlines>();
  // The endpoints as configured, then as resolved: one peer per concrete address.
  const peers: Peer[] = endpointList.map(connectPeer);
  const retired = new Set<Peer>();
  const named = endpointList
    .map(parseEndpoint)
    .filter((endpoint) => endpoint !== undefined && !isIp(endpoint.host));
  const resolveEveryMs = options.resolveEveryMs ?? 5_000;
  const lookup = options.lookup ?? lookupAll;
  let resolving: Promise<void> | undefined;
  let resolveTimer: NodeJS.Timeout | undefined;
  const refresh = () => {
    resolving ??= resolve().finally(() => {
      resolving = undefined;
    });
  };
  if (named.length > 0 && resolveEveryMs > 0) {
    refresh();
    resolveTimer = setInterval(refresh, resolveEveryMs);
    resolveTimer.unref();
  }

  /**
   * Looks the named endpoints up and makes the peers match the addresses: a peer per new address,
   * and peers of addresses that are gone retired (no new calls; closed when their calls end). A
   * lookup that fails changes nothing: the peers that worked go on working.
   */
  async function resolve(): Promise<void> {
    const wanted = new Set<string>();
    for (const endpoint of endpointList) {
      const parsed = parseEndpoint(endpoint);
      if (parsed === undefined || isIp(parsed.host)) {
        wanted.add(endpoint);
        continue;
      }
      let addresses: string[];
      try {
        addresses = await lookup(parsed.host);
      } catch (error) {
        warnOnce(
          'resolve',
          { err: error, endpoint },
          'rpc client could not resolve an endpoint; keeping its connections',
        );
        return;
      }
      if (addresses.length === 0) return;
      for (const address of addresses)
        wanted.add(`tcp://${address.includes(':') ? `[${address}]` : address}:${parsed.port}`);
    }
    if (closed) return;
    for (const peer of [...peers]) {
      if (wanted.has(peer.endpoint)) continue;
      peers.splice(peers.indexOf(peer), 1);
      retired.add(peer);
      log.info({ endpoint: peer.endpoint }, 'rpc client endpoint gone from DNS; retiring it');
    }
    for (const endpoint of wanted) {
      if (peers.some((peer) => peer.endpoint === endpoint)) continue;
      peers.push(connectPeer(endpoint));
      log.info({ endpoint }, 'rpc client connected to a resolved endpoint');
    }
    closeIdleRetired();
  }

  function closeIdleRetired(): void {
    for (const peer of retired) {
      if (peer.calls.size > 0) continue;
      retired.delete(peer);
      peer.dealer.close();
    }
  }

  function methodState(name: string, definition: RpcMethodDefinition | undefined): MethodState {
    const labels = { ...peerLabel, method: name };
    return {
      name,
      definition,
      labels,
      ok: histogramChild(metrics.clientDuration, { ...labels, outcome: 'ok' }),
      error: histogramChild(metrics.clientDuration, { ...labels, outcome: 'error' }),
    };
  }

  function stateOf(method: string): MethodState {
    const state = methodStates.get(method);
    if (state !== undefined) return state;
    rawState ??= methodState('_raw', undefined);
    return rawState;
  }

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
      event = decodeEvent(frames.length === 2 ? frames[1]! : splitFrames(frames).payload);
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
    // Our ids carry their counter: look the call up by it, then check the whole id.
    const call = peer.calls.get(messageIdSequence(responseTo));
    if (call === undefined || !sameMessageId(call.id, responseTo)) {
      // Late answers to calls that timed out, heartbeats crossing a reply: expected now and then.
      garbage('unknown_channel', `${event.name} for a call that is not in flight`, 'debug');
      return;
    }
    if (event.name === '_zpc_hb' || event.name === '_zpc_more') {
      call.lastReceived = performance.now();
      return;
    }
    // An answer that ends a one-shot call needs no time stamp; a stream stamps its items.
    call.onEvent(event);
  }

  function garbage(reason: GarbageReason, detail: string, level: 'warn' | 'debug' = 'warn'): void {
    metrics.clientGarbage.inc({ ...peerLabel, reason });
    if (level === 'debug') log.debug({ reason, detail }, 'rpc client dropped a message');
    else warnOnce(reason, { reason, detail }, 'rpc client dropped a message');
  }

  function pickPeer(): Peer {
    if (peers.length === 1) return peers[0]!;
    let best = peers[nextPeer % peers.length]!;
    nextPeer = (nextPeer + 1) % peers.length;
    for (const peer of peers) if (peer.calls.size < best.calls.size) best = peer;
    return best;
  }

  /**
   * Sends the request of a new call and tracks it until `end`. `call` comes without its id and
   * peer, filled in here; `now` is performance.now(). Throws (ClientClosed, arguments msgpack
   * cannot carry) without tracking.
   */
  function open(call: OpenedCall, method: string, args: readonly unknown[], now: number): void {
    if (closed) throw new ClientClosed();
    const peer = pickPeer();
    let id = ids.next();
    // Counters repeat only after 2^32 ids; even then, never two calls under one key.
    while (peer.calls.has(ids.sequence)) id = ids.next();
    const header: EventHeader = { message_id: id, v: protocolVersion };
    const context = getContext();
    if (context !== undefined) {
      header[headerKeys.traceparent] = traceparentOf(context);
      header[headerKeys.correlationId] = context.correlationId;
    }
    const payload = encodeEvent(header, method, args);
    call.id = id;
    call.sequence = ids.sequence;
    call.peer = peer;
    call.lastReceived = now;
    call.lastHeartbeat = now;
    peer.calls.set(call.sequence, call as Call);
    inFlight.inc();
    peer.queue.push([empty, payload], call as Call);
    sweep ??= setInterval(checkCalls, Math.max(5, Math.floor(heartbeatMs / 4)));
  }

  function timeoutError(call: Call, ms: number): TimeoutExpired {
    return new TimeoutExpired(
      `${service.name}.${call.method}: no answer from ${call.peer.endpoint} within ${ms} ms`,
    );
  }

  function end(call: Call): void {
    if (call.settled) return;
    call.settled = true;
    if (call.deadlines !== undefined) call.deadlines.remove(call);
    if (call.timer !== undefined) clearTimeout(call.timer);
    call.peer.calls.delete(call.sequence);
    inFlight.dec();
  }

  function deadlinesFor(ms: number): Deadlines {
    let deadlines = deadlinesByMs.get(ms);
    if (deadlines === undefined) {
      deadlines = new Deadlines(ms, (call) => {
        end(call);
        call.fail(timeoutError(call, ms));
      });
      deadlinesByMs.set(ms, deadlines);
    }
    return deadlines;
  }

  // Heartbeats for calls in flight, and LostRemote for those whose server fell silent. Runs only
  // while calls are in flight.
  function checkCalls(): void {
    const now = performance.now();
    let inFlightCount = 0;
    closeIdleRetired();
    for (const peer of [...peers, ...retired]) {
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
      inFlightCount += peer.calls.size;
    }
    if (inFlightCount === 0 && sweep !== undefined) {
      clearInterval(sweep);
      sweep = undefined;
    }
  }

  /**
   * One attempt of a one-shot call, tracked by one object (no closures per call). `first`: the
   * attempt made by invokeMethod, which settles the caller's promise itself (result check,
   * metrics, retry decision); otherwise a retry run by the retry policy, which only resolves with
   * the answer or rejects with the error.
   */
  class UnaryCall implements OpenedCall {
    id: Buffer = empty;
    sequence = -1;
    peer: Peer = undefined as unknown as Peer;
    lastReceived = 0;
    lastHeartbeat = 0;
    settled = false;
    timer: NodeJS.Timeout | undefined = undefined;
    deadlines: Deadlines | undefined = undefined;
    deadline = 0;
    previous: Call | undefined = undefined;
    next: Call | undefined = undefined;
    readonly method: string;
    readonly state: MethodState;
    readonly args: readonly unknown[];
    readonly timeoutMs: number;
    readonly started: number;
    readonly first: boolean;
    readonly resolve: (value: unknown) => void;
    readonly reject: (error: unknown) => void;

    constructor(
      state: MethodState,
      method: string,
      args: readonly unknown[],
      callTimeoutMs: number,
      first: boolean,
      resolve: (value: unknown) => void,
      reject: (error: unknown) => void,
    ) {
      this.state = state;
      this.method = method;
      this.args = args;
      this.timeoutMs = callTimeoutMs;
      this.started = performance.now();
      this.first = first;
      this.resolve = resolve;
      this.reject = reject;
    }

    start(): void {
      try {
        open(this, this.method, this.args, this.started);
      } catch (error) {
        this.fail(error as Error);
        return;
      }
      deadlinesFor(this.timeoutMs).add(this, this.started);
    }

    onEvent(event: RpcEvent): void {
      end(this);
      if (event.name === 'OK' && Array.isArray(event.args) && event.args.length > 0) {
        if (this.first) this.succeeded(event.args[0]);
        else this.resolve(event.args[0]);
      } else {
        const error =
          event.name === 'ERR'
            ? toRemoteError(event, this.state.definition)
            : new ProtocolError(`${service.name}.${this.method}: unexpected ${event.name} reply`);
        this.fail(error);
      }
    }

    fail(error: Error): void {
      if (this.first) this.retried(error);
      else this.reject(error);
    }

    succeeded(answer: unknown): void {
      const { definition } = this.state;
      let result: unknown;
      try {
        result = definition === undefined ? answer : checkResult(definition, this.method, answer);
      } catch (error) {
        this.failed(error);
        return;
      }
      this.state.ok.observe((performance.now() - this.started) / 1000);
      this.resolve(result);
    }

    failed(error: unknown): void {
      this.state.error.observe((performance.now() - this.started) / 1000);
      metrics.clientErrors.inc({ ...this.state.labels, error: (error as Error).name ?? 'Error' });
      this.reject(error);
    }

    // The first attempt runs outside the retry policy, whose bookkeeping would otherwise cost
    // every call; the policy runs the retries (the first at once, the next ones after a backoff).
    retried(error: unknown): void {
      if (retryPolicy === undefined || this.state.definition?.idempotent !== true || !isRetryable(error)) {
        this.failed(error);
        return;
      }
      retryPolicy
        .execute(() => {
          metrics.clientRetries.inc(this.state.labels);
          return attempt(this.state, this.method, this.args, this.timeoutMs);
        })
        .then(
          (answer) => this.succeeded(answer),
          (failure: unknown) => this.failed(failure),
        );
    }
  }

  function attempt(
    state: MethodState,
    method: string,
    args: readonly unknown[],
    callTimeoutMs: number,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      new UnaryCall(state, method, args, callTimeoutMs, false, resolve, reject).start();
    });
  }

  // The hot path of every call: one promise and one call object, which settles it (see UnaryCall).
  function invokeMethod(
    method: string,
    args: readonly unknown[],
    callOptions?: CallOptions,
  ): Promise<unknown> {
    const state = stateOf(method);
    const callTimeoutMs = callOptions?.timeoutMs ?? timeoutMs;
    return new Promise((resolve, reject) => {
      new UnaryCall(state, method, args, callTimeoutMs, true, resolve, reject).start();
    });
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
    const call: OpenedCall = {
      id: empty,
      sequence: -1,
      method,
      peer: undefined as unknown as Peer,
      lastReceived: 0,
      lastHeartbeat: 0,
      settled: false,
      timer: undefined,
      deadlines: undefined,
      deadline: 0,
      previous: undefined,
      next: undefined,
      onEvent(event) {
        call.lastReceived = performance.now();
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
    };
    open(call, method, args, performance.now());
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
        call.timer = undefined;
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
      return [...peers, ...retired].reduce((sum, peer) => sum + peer.calls.size, 0);
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(sweep);
      clearInterval(resolveTimer);
      await resolving;
      const all = [...peers, ...retired];
      for (const peer of all) {
        for (const call of [...peer.calls.values()]) {
          end(call);
          call.fail(new ClientClosed());
        }
        peer.dealer.close();
      }
      for (const deadlines of deadlinesByMs.values()) deadlines.close();
      await Promise.all(all.map((peer) => peer.receiving));
    },
  };
}

/** A call whose request is being made: `open` fills in its id and peer. */
type OpenedCall = { -readonly [K in 'id' | 'sequence' | 'peer']: Call[K] } & Omit<
  Call,
  'id' | 'sequence' | 'peer'
>;

/**
 * The one-shot calls waiting with one timeout (ms), in the order of their deadlines (each call is
 * appended when it starts, so the list stays sorted), under a single timer armed for the first
 * deadline. Cheaper than a timer per call, which cost about as much as the rest of the client's
 * bookkeeping; a call that ends leaves the list in O(1). The timer is unref'd while the list is
 * empty, so it holds the process only while calls wait, as the per-call timers did.
 */
class Deadlines {
  readonly #ms: number;
  readonly #expired: (call: Call) => void;
  #first: Call | undefined;
  #last: Call | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (performance.now() time). */
  #firesAt = 0;

  constructor(ms: number, expired: (call: Call) => void) {
    // As setTimeout takes a delay: anything but 1 ms to 2^31 - 1 ms (NaN, 0, negative, too long)
    // means 1 ms.
    this.#ms = ms >= 1 && ms <= 0x7fffffff ? ms : 1;
    this.#expired = expired;
  }

  add(call: Call, now: number): void {
    call.deadlines = this;
    call.deadline = now + this.#ms;
    call.previous = this.#last;
    call.next = undefined;
    if (this.#last === undefined) this.#first = call;
    else this.#last.next = call;
    this.#last = call;
    if (this.#timer === undefined) this.#arm(this.#ms, call.deadline);
    else if (this.#firesAt > call.deadline) this.#arm(call.deadline - now, call.deadline);
    else if (call === this.#first) this.#timer.ref();
  }

  remove(call: Call): void {
    const { previous, next } = call;
    if (previous === undefined) this.#first = next;
    else previous.next = next;
    if (next === undefined) this.#last = previous;
    else next.previous = previous;
    call.deadlines = undefined;
    call.previous = undefined;
    call.next = undefined;
    if (this.#first === undefined) this.#timer?.unref();
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(delay: number, firesAt: number): void {
    clearTimeout(this.#timer);
    this.#firesAt = firesAt;
    this.#timer = setTimeout(() => this.#fire(), Math.max(1, Math.ceil(delay)));
  }

  #fire(): void {
    this.#timer = undefined;
    const now = performance.now();
    // Timers run on the event loop's clock, which can lag: one that fires a little early is armed
    // again for the rest, so no call fails before its timeout.
    for (let call = this.#first; call !== undefined && call.deadline <= now; call = this.#first) {
      this.remove(call);
      this.#expired(call);
    }
    const first = this.#first;
    if (first !== undefined) this.#arm(first.deadline - now, first.deadline);
  }
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

/** `tcp://host:port` → its parts; undefined for other transports (ipc://, inproc://). */
function parseEndpoint(endpoint: string): { host: string; port: string } | undefined {
  const match = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)$/.exec(endpoint);
  return match === null ? undefined : { host: match[1]!.replace(/^\[|\]$/g, ''), port: match[2]! };
}

/** Every address of a name, IPv4 only when it has any (a server bound on 0.0.0.0 has no ::1). */
async function lookupAll(host: string): Promise<string[]> {
  const addresses = await dnsLookup(host, { all: true });
  const v4 = addresses.filter((address) => address.family === 4).map((address) => address.address);
  return v4.length > 0 ? v4 : addresses.map((address) => address.address);
}
