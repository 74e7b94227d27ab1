// A ZeroRPC server for one contract (packages/contracts): a ROUTER socket, one channel per call
// keyed by the caller's identity and the request's message id, every call dispatched as it arrives.
// The parts live beside it: channels, credit and heartbeats (server-channels.ts), a request's way
// to its handler with the arguments checked (server-dispatch.ts), replies and the one place a
// failure becomes an ERR (server-replies.ts), per-method metrics and built-ins (server-methods.ts).
//
// The ROUTER runs with `mandatory`: a reply to a peer whose queue is full waits (router-outbox.ts)
// instead of being dropped, and one to a peer that is gone is logged and counted, never lost silently.
import { setTimeout as sleep } from 'node:timers/promises';
import type { RpcArgs, RpcMethodDefinition, RpcServiceDefinition } from '@trio/contracts/rpc';
import type { AppError } from '@trio/service-runtime/errors';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { Router } from 'zeromq';
import type { z } from 'zod';
import {
  createMessageIds,
  decodeEvent,
  GarbageError,
  type GarbageReason,
  type RpcEvent,
  splitFrames,
} from './codec.ts';
import { type CurveServerKeys, ensureZapHandler, reserveCurveDomain } from './curve.ts';
import { createRpcMetrics } from './metrics.ts';
import { createRateLimitedWarn } from './rate-limited-log.ts';
import { createRouterOutbox } from './router-outbox.ts';
import { type Caller, Channels, channelKey, identityKey } from './server-channels.ts';
import { Dispatcher } from './server-dispatch.ts';
import { MethodStates } from './server-methods.ts';
import { Replies } from './server-replies.ts';

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
  /**
   * CURVE: encrypted connections, and only clients whose public key is listed get in (see
   * curve.ts). Without it the port speaks plain ZeroRPC, as the reference clients do.
   */
  curve?: CurveServerKeys;
  /** Asked before each heartbeat; false skips it (the `drop-heartbeats` fault, see faults.ts). */
  sendHeartbeats?: () => boolean;
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

export function createRpcServer<S extends RpcServiceDefinition>(options: RpcServerOptions<S>): RpcServer {
  const { service, log } = options;
  const handlers = options.handlers as unknown as Record<string, (...args: unknown[]) => unknown>;
  const name = options.name ?? service.name;
  const validateResults = options.validateResults ?? process.env.NODE_ENV !== 'production';
  const metrics = createRpcMetrics(options.registry);
  const warnOnce = createRateLimitedWarn(log);
  // A Map, not the definition object: a request for `constructor` or `__proto__` must not find anything.
  const methods = new Map<string, RpcMethodDefinition>(Object.entries(service.methods));
  for (const method of methods.keys()) {
    if (typeof handlers[method] !== 'function') throw new Error(`no handler for ${service.name}.${method}`);
  }

  const curve =
    options.curve === undefined
      ? undefined
      : reserveCurveDomain(options.curve, log, () =>
          metrics.serverGarbage.inc({ reason: 'curve_key_refused' }),
        );
  const router = new Router({
    mandatory: true,
    sendHighWaterMark: options.sendHighWaterMark ?? 1000,
    maxMessageSize: options.maxMessageBytes ?? 16 * 1024 * 1024,
    linger: 1000,
    ...(curve === undefined || options.curve === undefined
      ? {}
      : {
          curveServer: true,
          curveSecretKey: options.curve.secretKey,
          zapDomain: curve.domain,
          // With no ZAP handler answering, refuse rather than let everybody in.
          zapEnforceDomain: true,
        }),
  });
  const outbox = createRouterOutbox(router, {
    sendTimeoutMs: options.sendTimeoutMs ?? 10_000,
    onDropped(reason, count, error) {
      metrics.serverDropped.inc({ reason }, count);
      warnOnce(`send:${reason}`, { err: error, reason, count }, 'rpc server could not deliver a reply');
    },
  });
  const garbage = (reason: GarbageReason, detail: string, level: 'warn' | 'debug' = 'warn') => {
    metrics.serverGarbage.inc({ reason });
    if (level === 'debug') log.debug({ reason, detail }, 'rpc server dropped a message');
    else warnOnce(reason, { reason, detail }, 'rpc server dropped a message');
  };
  const replies = new Replies(outbox, log, createMessageIds());
  const channels = new Channels({
    heartbeatMs: options.heartbeatMs ?? 5000,
    metrics,
    warnOnce,
    garbage,
    heartbeat: (channel) => {
      if (options.sendHeartbeats?.() !== false) replies.emit(channel.caller, channel.id, '_zpc_hb', [0]);
    },
  });
  const dispatcher = new Dispatcher({
    name,
    methods,
    handlers,
    validateResults,
    log,
    channels,
    replies,
    states: new MethodStates(metrics, methods),
    garbage,
    errors: { log, checkDeclared: validateResults, onCatastrophicError: options.onCatastrophicError },
  });
  const endpoints: string[] = [];
  let closed = false;
  let closing: Promise<void> | undefined;
  // Started by the first successful bind: a server that never bound holds the process by nothing.
  let receiving: Promise<void> | undefined;

  async function receiveLoop(): Promise<void> {
    while (!closed) {
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
      channels.onEvent(channelKey(caller, header.response_to), event);
    } else if (event.name === '_zpc_hb' || event.name === '_zpc_more') {
      garbage('stray_control_event', `${event.name} without response_to`);
    } else {
      dispatcher.onRequest(caller, event);
    }
  }

  return {
    async bind(endpoint) {
      if (curve !== undefined) await ensureZapHandler();
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
      return dispatcher.running;
    },
    close({ timeoutMs = 5000 } = {}) {
      closing ??= (async () => {
        dispatcher.refuse();
        if (dispatcher.running > 0) {
          const finished = await withTimeout(dispatcher.idle(), timeoutMs);
          if (!finished) {
            log.warn(
              { running: dispatcher.running },
              'rpc server closing with calls still running; their replies are dropped',
            );
            channels.loseAll('closed');
          }
        }
        channels.close();
        await withTimeout(outbox.drained(), timeoutMs);
        outbox.close();
        closed = true;
        router.close();
        curve?.release();
        await receiving;
      })();
      return closing;
    },
  };
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
