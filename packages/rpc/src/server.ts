// A ZeroRPC server for one contract (packages/contracts): a ROUTER socket, one channel per call
// keyed by the caller's identity and the request's message id, every call dispatched as it arrives
// (a slow handler holds up nobody), heartbeats on each running call, STREAM replies under the
// caller's `_zpc_more` credit. Arguments are checked against the method's zod tuple before the
// handler runs; whatever the handler throws becomes an ERR in one place (toErrReply).
//
// The ROUTER runs with `mandatory`: a reply to a peer whose queue is full waits (router-outbox.ts)
// instead of being dropped, and one to a peer that is gone is logged and counted, never lost silently.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RpcArgs, RpcMethodDefinition, RpcServiceDefinition } from '@trio/contracts/rpc';
import { runWithContext } from '@trio/service-runtime/context';
import { AppError } from '@trio/service-runtime/errors';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { Router } from 'zeromq';
import type { z } from 'zod';
import { createLazyContext } from './call-context.ts';
import {
  createMessageIds,
  decodeEvent,
  type EventHeader,
  encodeEvent,
  GarbageError,
  type GarbageReason,
  headerKeys,
  type MessageId,
  messageIdKey,
  protocolVersion,
  type RpcEvent,
  splitFrames,
} from './codec.ts';
import { RpcError } from './errors.ts';
import { createRpcMetrics, type GaugeChild, type HistogramChild, histogramChild } from './metrics.ts';
import { createRateLimitedWarn } from './rate-limited-log.ts';
import { createRouterOutbox } from './router-outbox.ts';
import { isStreamMethod } from './streams.ts';
import { argumentErrorMessage, describeArgumentIssues } from './validation.ts';

export type RpcServerHandler<M extends RpcMethodDefinition> = M extends { readonly stream: true }
  ? (...args: RpcArgs<M> & unknown[]) => AsyncIterable<z.input<M['result']>>
  : (...args: RpcArgs<M> & unknown[]) => Promise<z.input<M['result']>> | z.input<M['result']>;

/** One handler per method of the contract; streaming methods return an async iterable. */
export type RpcServerHandlers<S extends RpcServiceDefinition> = {
  readonly [K in keyof S['methods']]: RpcServerHandler<S['methods'][K]>;
};

export interface RpcServerOptions<S extends RpcServiceDefinition> {
  service: S;
  handlers: RpcServerHandlers<S>;
  log: Logger;
  /** Where the rpc_server_* series go: the service host's registry. A private one by default. */
  registry?: Registry;
  /** What `_zerorpc_name` and `_zerorpc_ping` answer; the contract's name by default. */
  name?: string;
  /** Heartbeat period of each running call; a caller silent for two periods is lost. 5 s like the reference. */
  heartbeatMs?: number;
  /** Check each result against the contract before sending it (on by default outside production). */
  validateResults?: boolean;
  /** How long a reply may wait for a slow peer's queue before it is given up (logged, counted). */
  sendTimeoutMs?: number;
  /** ZeroMQ's per-peer queue limit; a full queue makes replies wait (never drop). */
  sendHighWaterMark?: number;
  /** Larger incoming messages make ZeroMQ drop the connection. 16 MiB by default. */
  maxMessageBytes?: number;
  /** A handler threw an AppError marked catastrophic: the service should shut down. */
  onCatastrophicError?: (error: AppError) => void;
}

export interface RpcServer {
  /** Binds an endpoint (`tcp://0.0.0.0:4242`, `tcp://127.0.0.1:*`); resolves to the bound one. */
  bind(endpoint: string): Promise<string>;
  readonly endpoints: readonly string[];
  /** Calls whose handler is running. */
  readonly inFlight: number;
  /**
   * Refuses new calls (ERR ServiceUnavailable, which a caller may safely retry elsewhere), waits up
   * to `timeoutMs` for running calls to answer, then closes the socket.
   */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

/** A call in progress, from the request to its last reply. */
interface Channel {
  key: string;
  caller: Caller;
  id: MessageId;
  method: string;
  state: MethodState;
  lastReceived: number;
  lastHeartbeat: number;
  /** How many more STREAM/OK/ERR events the caller has room for (`_zpc_more`). */
  credit: number;
  /** Wakes a stream waiting for credit (or for the news that the caller is lost). */
  wake: (() => void) | undefined;
  lost: boolean;
}

/** A method's metric series, made once per method label (the contract's, the built-ins, `_unknown`). */
interface MethodState {
  label: string;
  inFlight: GaugeChild;
  ok: HistogramChild;
  error: HistogramChild;
}

interface ErrReply {
  name: string;
  message: string;
  details?: unknown;
}

const empty = Buffer.alloc(0);
const builtins = ['_zerorpc_ping', '_zerorpc_name', '_zerorpc_list', '_zerorpc_inspect'] as const;
const builtinNames: ReadonlySet<string> = new Set(builtins);
const unknownMethodLabel = '_unknown';

export function createRpcServer<S extends RpcServiceDefinition>(options: RpcServerOptions<S>): RpcServer {
  const { service, log } = options;
  const handlers = options.handlers as unknown as Record<string, (...args: unknown[]) => unknown>;
  const name = options.name ?? service.name;
  const heartbeatMs = options.heartbeatMs ?? 5000;
  const validateResults = options.validateResults ?? process.env.NODE_ENV !== 'production';
  const metrics = createRpcMetrics(options.registry);
  const warnOnce = createRateLimitedWarn(log);
  const nextMessageId = createMessageIds();
  // A Map, not the definition object: a request for `constructor` or `__proto__` must not find anything.
  const methods = new Map<string, RpcMethodDefinition>(Object.entries(service.methods));
  for (const method of methods.keys()) {
    if (typeof handlers[method] !== 'function') throw new Error(`no handler for ${service.name}.${method}`);
  }

  const router = new Router({
    mandatory: true,
    sendHighWaterMark: options.sendHighWaterMark ?? 1000,
    maxMessageSize: options.maxMessageBytes ?? 16 * 1024 * 1024,
    linger: 1000,
  });
  const outbox = createRouterOutbox(router, {
    sendTimeoutMs: options.sendTimeoutMs ?? 10_000,
    onDropped(reason, count, error) {
      metrics.serverDropped.inc({ reason }, count);
      warnOnce(`send:${reason}`, { err: error, reason, count }, 'rpc server could not deliver a reply');
    },
  });
  const channels = new Map<string, Channel>();
  const statesByLabel = new Map<string, MethodState>();
  const endpoints: string[] = [];
  let running = 0;
  let onIdle: (() => void) | undefined;
  let state: 'open' | 'closing' | 'closed' = 'open';
  let closing: Promise<void> | undefined;

  const sweep = setInterval(checkChannels, Math.max(5, Math.floor(heartbeatMs / 4)));
  sweep.unref();
  // Started by the first successful bind: a server that never bound holds the process by nothing.
  let receiving: Promise<void> | undefined;

  async function receiveLoop(): Promise<void> {
    while (state !== 'closed') {
      let frames: Buffer[];
      try {
        frames = await router.receive();
      } catch (error) {
        if (router.closed) return;
        log.error({ err: error }, 'rpc server receive failed');
        await sleep(10); // whatever it was, do not spin on it
        continue;
      }
      try {
        onMessage(frames);
      } catch (error) {
        // A bug of ours must not stop the loop: the socket would look alive and answer nothing.
        log.error({ err: error }, 'rpc server failed to handle a message');
      }
    }
  }

  function onMessage(frames: Buffer[]): void {
    let caller: Caller;
    let event: RpcEvent;
    try {
      let payload: Buffer;
      // The usual message from a DEALER: [identity, "", payload].
      if (frames.length === 3 && frames[1]!.length === 0) {
        const identity = frames[0]!;
        caller = { identity: [identity], key: identity.toString('latin1') };
        payload = frames[2]!;
      } else {
        const split = splitFrames(frames);
        if (split.identity.length === 0) throw new GarbageError('malformed_frames', 'no routing identity');
        caller = { identity: split.identity, key: identityKey(split.identity) };
        payload = split.payload;
      }
      event = decodeEvent(payload);
    } catch (error) {
      if (!(error instanceof GarbageError)) throw error;
      garbage(error.reason, error.message);
      return;
    }
    const { header } = event;
    if (header.response_to !== undefined) {
      onChannelEvent(channelKey(caller, header.response_to), event);
    } else if (event.name === '_zpc_hb' || event.name === '_zpc_more') {
      garbage('stray_control_event', `${event.name} without response_to`);
    } else {
      onRequest(caller, event);
    }
  }

  function garbage(reason: GarbageReason, detail: string, level: 'warn' | 'debug' = 'warn'): void {
    metrics.serverGarbage.inc({ reason });
    if (level === 'debug') log.debug({ reason, detail }, 'rpc server dropped a message');
    else warnOnce(reason, { reason, detail }, 'rpc server dropped a message');
  }

  function onChannelEvent(key: string, event: RpcEvent): void {
    const channel = channels.get(key);
    if (channel === undefined) {
      // A heartbeat or credit grant crossing our last reply is normal; anything else is worth a warning.
      const control = event.name === '_zpc_hb' || event.name === '_zpc_more';
      garbage('unknown_channel', `${event.name} for a channel that is not open`, control ? 'debug' : 'warn');
      return;
    }
    channel.lastReceived = performance.now();
    if (event.name === '_zpc_more') {
      const slots = Array.isArray(event.args) ? event.args[0] : undefined;
      if (typeof slots !== 'number' || !Number.isInteger(slots) || slots < 0) {
        garbage('malformed_event', '_zpc_more without a slot count');
        return;
      }
      channel.credit += slots;
      channel.wake?.();
    } else if (event.name !== '_zpc_hb') {
      garbage('malformed_event', `unexpected ${event.name} on a call in progress`);
    }
  }

  function onRequest(caller: Caller, event: RpcEvent): void {
    const started = performance.now();
    const { name: methodName, header, args } = event;
    const id = header.message_id;

    if (state !== 'open') {
      replyError(caller, id, { name: 'ServiceUnavailable', message: `${name} is shutting down` });
      finish(stateFor(methodLabel(methodName)), started, 'ServiceUnavailable');
      return;
    }
    if (builtinNames.has(methodName)) {
      emit(caller, id, 'OK', [builtin(methodName)]);
      finish(stateFor(methodName), started);
      return;
    }
    const method = methods.get(methodName);
    if (method === undefined) {
      // The reference's answer: the error's message is the method name.
      replyError(caller, id, { name: 'NameError', message: methodName });
      finish(stateFor(unknownMethodLabel), started, 'NameError');
      return;
    }
    const methodState = stateFor(methodName);
    const parsed = Array.isArray(args)
      ? method.args.safeParse(args)
      : ({ success: false, error: undefined } as const);
    if (!parsed.success) {
      const issues = parsed.error ? describeArgumentIssues(parsed.error, method.argNames) : [];
      const message = parsed.error
        ? argumentErrorMessage(issues)
        : 'invalid arguments: args must be an array';
      replyError(caller, id, { name: 'ValidationError', message, details: { issues } });
      finish(methodState, started, 'ValidationError');
      return;
    }

    const key = channelKey(caller, id);
    if (channels.has(key)) {
      garbage('duplicate_message_id', `${methodName} reuses the id of a call in progress`);
      return;
    }
    const now = started;
    const channel: Channel = {
      key,
      caller,
      id,
      method: methodName,
      state: methodState,
      lastReceived: now,
      lastHeartbeat: now,
      credit: 1,
      wake: undefined,
      lost: false,
    };
    channels.set(key, channel);
    running += 1;
    methodState.inFlight.inc();
    const context = createLazyContext({
      traceparent: stringOrUndefined(header[headerKeys.traceparent]),
      correlationId: stringOrUndefined(header[headerKeys.correlationId]),
    });
    const callArgs = parsed.data as unknown[];
    // runCall never rejects: it catches what it does not expect itself (no extra promise per call).
    void runWithContext(context, () => runCall(channel, method, callArgs, started));
  }

  async function runCall(
    channel: Channel,
    method: RpcMethodDefinition,
    args: unknown[],
    started: number,
  ): Promise<void> {
    try {
      let errorName: string | undefined;
      try {
        const produced = handlers[channel.method]!(...args);
        if (isStreamMethod(method)) {
          await streamItems(channel, method, produced as AsyncIterable<unknown>);
        } else {
          // A handler that answers at once is answered at once; a promise is awaited.
          const result = isPromiseLike(produced) ? await produced : produced;
          send(channel, 'OK', [checkResult(method, channel.method, result)]);
        }
      } catch (error) {
        const err = toErrReply(error, channel.method, method);
        errorName = err.name;
        await waitForCredit(channel);
        send(channel, 'ERR', [err.name, err.message, ''], detailsHeader(err));
      } finally {
        if (channels.get(channel.key) === channel) channels.delete(channel.key);
        running -= 1;
        channel.state.inFlight.dec();
        finish(channel.state, started, errorName);
        if (running === 0) onIdle?.();
      }
    } catch (error) {
      log.error({ err: error, method: channel.method }, 'rpc call failed unexpectedly');
    }
  }

  async function streamItems(
    channel: Channel,
    method: RpcMethodDefinition,
    items: AsyncIterable<unknown>,
  ): Promise<void> {
    const iterator = items[Symbol.asyncIterator]();
    let done = false;
    try {
      while (!channel.lost) {
        const next = await iterator.next();
        if (next.done) {
          done = true;
          break;
        }
        const item = checkResult(method, channel.method, next.value);
        await waitForCredit(channel);
        send(channel, 'STREAM', item);
      }
      if (done) {
        await waitForCredit(channel);
        send(channel, 'STREAM_DONE', []);
      }
    } finally {
      // The caller went away or the handler failed: let the generator run its cleanup.
      if (!done) await iterator.return?.();
    }
  }

  function waitForCredit(channel: Channel): Promise<void> | undefined {
    if (channel.credit > 0 || channel.lost) return undefined;
    return new Promise<void>((resolve) => {
      channel.wake = () => {
        if (channel.credit > 0 || channel.lost) {
          channel.wake = undefined;
          resolve();
        }
      };
    });
  }

  function checkResult(method: RpcMethodDefinition, methodName: string, value: unknown): unknown {
    if (!validateResults) return value;
    const parsed = method.result.safeParse(value);
    if (parsed.success) return parsed.data;
    log.error(
      { method: methodName, issues: parsed.error.issues },
      'rpc handler returned a result the contract does not allow',
    );
    throw new InvalidResult();
  }

  // The one place a handler's failure becomes an ERR: named errors keep their name, message and
  // details; anything else is a bug, logged and answered without revealing anything.
  function toErrReply(error: unknown, methodName: string, method: RpcMethodDefinition): ErrReply {
    if (error instanceof RpcError) {
      if (validateResults) checkDeclared(error.name, error.details, methodName, method);
      return { name: error.name, message: error.message, details: error.details };
    }
    if (error instanceof AppError) {
      if (error.catastrophic) {
        log.fatal({ err: error, method: methodName }, 'catastrophic error');
        options.onCatastrophicError?.(error);
      } else if (error.status >= 500) {
        log.error({ err: error, method: methodName }, 'rpc handler failed');
      }
      return { name: pascalCase(error.code), message: error.message, details: error.details };
    }
    if (!(error instanceof InvalidResult))
      log.error({ err: error, method: methodName }, 'rpc handler failed');
    return { name: 'InternalError', message: 'Internal server error' };
  }

  function checkDeclared(
    errorName: string,
    details: unknown,
    methodName: string,
    method: RpcMethodDefinition,
  ) {
    const declared = method.errors[errorName];
    if (declared === undefined) {
      log.warn(
        { method: methodName, error: errorName },
        'rpc handler threw an error its contract does not name',
      );
    } else if (declared.details !== undefined && !declared.details.safeParse(details).success) {
      log.warn({ method: methodName, error: errorName }, 'rpc error details do not match the contract');
    }
  }

  /** Sends one event of a running call, using one slot of the caller's credit. */
  function send(channel: Channel, eventName: string, args: unknown, extra?: Record<string, unknown>): void {
    if (channel.lost) return; // already counted when the caller was lost
    channel.credit -= 1;
    emit(channel.caller, channel.id, eventName, args, extra);
  }

  /** ERR for a request answered at once (no channel: no handler ran). */
  function replyError(caller: Caller, channelId: MessageId, err: ErrReply): void {
    emit(caller, channelId, 'ERR', [err.name, err.message, ''], detailsHeader(err));
  }

  function builtin(methodName: string): unknown {
    switch (methodName) {
      case '_zerorpc_ping':
        return ['pong', name];
      case '_zerorpc_name':
        return name;
      case '_zerorpc_list':
        return [...methods.keys(), ...builtins];
      default:
        return {
          name,
          methods: Object.fromEntries(
            [...methods].map(([method, definition]) => [
              method,
              { args: definition.argNames.map((arg) => ({ name: arg })), doc: definition.description },
            ]),
          ),
        };
    }
  }

  function emit(
    caller: Caller,
    channelId: MessageId,
    eventName: string,
    args: unknown,
    extra?: Record<string, unknown>,
  ) {
    const header: EventHeader = { message_id: nextMessageId(), v: protocolVersion, response_to: channelId };
    if (extra !== undefined) Object.assign(header, extra);
    let payload: Buffer;
    try {
      payload = encodeEvent(header, eventName, args);
    } catch (error) {
      // A value msgpack cannot carry (a BigInt beyond 64 bits): the caller still gets an answer.
      log.error({ err: error, event: eventName }, 'rpc reply could not be encoded');
      payload = encodeEvent(header, 'ERR', ['InternalError', 'Internal server error', '']);
    }
    const { identity } = caller;
    outbox.push(
      caller.key,
      identity.length === 1 ? [identity[0]!, empty, payload] : [...identity, empty, payload],
    );
  }

  function finish(methodState: MethodState, started: number, errorName?: string): void {
    const seconds = (performance.now() - started) / 1000;
    if (errorName === undefined) {
      methodState.ok.observe(seconds);
    } else {
      methodState.error.observe(seconds);
      metrics.serverErrors.inc({ method: methodState.label, error: errorName });
    }
  }

  // Series made once per method label (the set is bounded: the contract, the built-ins, `_unknown`).
  function stateFor(label: string): MethodState {
    let methodState = statesByLabel.get(label);
    if (methodState === undefined) {
      methodState = {
        label,
        inFlight: metrics.serverInFlightChild({ method: label }),
        ok: histogramChild(metrics.serverDuration, { method: label, outcome: 'ok' }),
        error: histogramChild(metrics.serverDuration, { method: label, outcome: 'error' }),
      };
      statesByLabel.set(label, methodState);
    }
    return methodState;
  }

  function methodLabel(methodName: string): string {
    return methods.has(methodName) || builtinNames.has(methodName) ? methodName : unknownMethodLabel;
  }

  /** The call goes on, but nothing more is sent for it (a stream stops at its next item). */
  function loseChannel(channel: Channel, reason: 'lost_remote' | 'closed'): void {
    channel.lost = true;
    channels.delete(channel.key);
    metrics.serverDropped.inc({ reason });
    channel.wake?.();
  }

  // Heartbeats for running calls, and the end of those whose caller fell silent.
  function checkChannels(): void {
    const now = performance.now();
    for (const channel of channels.values()) {
      if (now - channel.lastReceived > 2 * heartbeatMs) {
        loseChannel(channel, 'lost_remote');
        warnOnce(
          'lost_remote',
          { method: channel.method },
          'rpc caller lost (no heartbeat); its reply is dropped',
        );
      } else if (now - channel.lastHeartbeat >= heartbeatMs) {
        channel.lastHeartbeat = now;
        emit(channel.caller, channel.id, '_zpc_hb', [0]);
      }
    }
  }

  return {
    async bind(endpoint) {
      await router.bind(endpoint);
      receiving ??= receiveLoop();
      const bound = router.lastEndpoint ?? endpoint;
      endpoints.push(bound);
      log.info({ endpoint: bound, service: name }, 'rpc server listening');
      return bound;
    },
    get endpoints() {
      return [...endpoints];
    },
    get inFlight() {
      return running;
    },
    close({ timeoutMs = 5000 } = {}) {
      closing ??= (async () => {
        state = 'closing';
        if (running > 0) {
          const idle = new Promise<void>((resolve) => {
            onIdle = resolve;
          });
          const finished = await withTimeout(idle, timeoutMs);
          if (!finished) {
            log.warn({ running }, 'rpc server closing with calls still running; their replies are dropped');
            for (const channel of channels.values()) loseChannel(channel, 'closed');
          }
        }
        clearInterval(sweep);
        await withTimeout(outbox.drained(), timeoutMs);
        outbox.close();
        state = 'closed';
        router.close();
        await receiving;
      })();
      return closing;
    },
  };
}

/** Thrown inside the server when a result breaks the contract (already logged with its issues). */
class InvalidResult extends Error {}

/** Who sent a message: the ROUTER's routing frames, and a string of them for map keys. */
interface Caller {
  identity: Buffer[];
  key: string;
}

function identityKey(identity: Buffer[]): string {
  return identity.length === 1
    ? identity[0]!.toString('latin1')
    : identity.map((frame) => frame.toString('latin1')).join('\u0000');
}

function channelKey(caller: Caller, id: MessageId): string {
  return `${caller.key}\u0001${messageIdKey(id)}`;
}

function detailsHeader(err: ErrReply): Record<string, unknown> | undefined {
  return err.details === undefined ? undefined : { [headerKeys.errorDetails]: err.details };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `out_of_stock` → `OutOfStock`: AppError codes as ZeroRPC error names. */
function pascalCase(code: string): string {
  return code.replace(/(^|[_\-.\s]+)([a-z0-9])/gi, (_match, _sep, char: string) => char.toUpperCase());
}

async function withTimeout(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
