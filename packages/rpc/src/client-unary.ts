// One-shot calls: a request, then OK or ERR. A call ends with the server's answer, or with
// TimeoutExpired (no answer within its timeout) or LostRemote (client-heartbeats.ts). Only those
// two (and ServiceUnavailable, a refusal before running) are retried, and only for methods the
// contract declares idempotent. Each attempt is one object that settles the caller's promise
// itself: no closures per call on this, the hot path of every call.
import { performance } from 'node:perf_hooks';
import type { RpcMethodDefinition, RpcServiceDefinition } from '@trio/contracts/rpc';
import { ExponentialBackoff, handleWhen, type RetryPolicy, retry } from 'cockatiel';
import type { Call, CallTable, OpenedCall } from './client-calls.ts';
import { empty } from './client-calls.ts';
import type { Deadlines } from './client-deadlines.ts';
import type { Peer } from './client-peers.ts';
import { checkResult, toRemoteError } from './client-replies.ts';
import type { RpcEvent } from './codec.ts';
import { isRetryable, ProtocolError } from './errors.ts';
import { type HistogramChild, histogramChild, type RpcMetrics } from './metrics.ts';
import type { Span } from './tracing.ts';

/** What a call needs to know about its method, made once per method. */
export interface MethodState {
  name: string;
  definition: RpcMethodDefinition | undefined;
  labels: { peer: string; method: string };
  ok: HistogramChild;
  error: HistogramChild;
}

/** The method states of a contract; methods outside it (callRaw) share one, `_raw`. */
export class MethodStates {
  readonly #byName = new Map<string, MethodState>();
  readonly #serviceName: string;
  readonly #metrics: RpcMetrics;
  #raw: MethodState | undefined;

  constructor(service: RpcServiceDefinition, metrics: RpcMetrics) {
    this.#serviceName = service.name;
    this.#metrics = metrics;
    for (const [name, definition] of Object.entries(service.methods))
      this.#byName.set(name, this.#make(name, definition));
  }

  get(method: string): MethodState {
    const state = this.#byName.get(method);
    if (state !== undefined) return state;
    // Callers must not grow the series: every unchecked method is counted as `_raw`.
    this.#raw ??= this.#make('_raw', undefined);
    return this.#raw;
  }

  #make(name: string, definition: RpcMethodDefinition | undefined): MethodState {
    const labels = { peer: this.#serviceName, method: name };
    const duration = this.#metrics.clientDuration;
    return {
      name,
      definition,
      labels,
      ok: histogramChild(duration, { ...labels, outcome: 'ok' }),
      error: histogramChild(duration, { ...labels, outcome: 'error' }),
    };
  }
}

/** What every one-shot call of a client shares. */
export interface UnaryContext {
  readonly calls: CallTable;
  readonly serviceName: string;
  readonly metrics: RpcMetrics;
  readonly retryPolicy: RetryPolicy | undefined;
  readonly validateResults: boolean;
}

/** A one-shot call, retried as its method allows; settles with the checked result. */
export function invokeUnary(
  context: UnaryContext,
  state: MethodState,
  method: string,
  args: readonly unknown[],
  timeoutMs: number,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    new UnaryCall(context, state, method, args, timeoutMs, true, resolve, reject).start();
  });
}

export interface RetryOptions {
  retries?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export function createRetryPolicy(options: false | RetryOptions | undefined): RetryPolicy | undefined {
  if (options === false) return undefined;
  const retries = options?.retries ?? 2;
  if (retries <= 0) return undefined;
  return retry(handleWhen(isRetryable), {
    // The policy runs the retries only (see UnaryCall.retried): its first run is the first retry.
    maxAttempts: retries - 1,
    backoff: retryBackoff(options),
  });
}

/** The wait between retries: exponential from 50 ms up to 1 s by default (also over REST: over-rest.ts). */
export function retryBackoff(options?: RetryOptions): ExponentialBackoff<unknown> {
  return new ExponentialBackoff({
    initialDelay: options?.initialDelayMs ?? 50,
    maxDelay: options?.maxDelayMs ?? 1000,
  });
}

/**
 * One attempt of a one-shot call, tracked by one object. `first`: the attempt made by
 * invokeUnary, which settles the caller's promise itself (result check, metrics, retry decision);
 * otherwise a retry run by the retry policy, which only resolves with the answer or rejects with
 * the error.
 */
class UnaryCall implements OpenedCall {
  id: Buffer = empty;
  sequence = -1;
  peer: Peer = undefined as unknown as Peer;
  lastReceived = 0;
  lastHeartbeat = 0;
  settled = false;
  timer: NodeJS.Timeout | undefined = undefined;
  span: Span | undefined = undefined;
  deadlines: Deadlines | undefined = undefined;
  deadline = 0;
  previous: Call | undefined = undefined;
  next: Call | undefined = undefined;
  readonly context: UnaryContext;
  readonly method: string;
  readonly state: MethodState;
  readonly args: readonly unknown[];
  readonly timeoutMs: number;
  readonly started: number;
  readonly first: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;

  constructor(
    context: UnaryContext,
    state: MethodState,
    method: string,
    args: readonly unknown[],
    timeoutMs: number,
    first: boolean,
    resolve: (value: unknown) => void,
    reject: (error: unknown) => void,
  ) {
    this.context = context;
    this.state = state;
    this.method = method;
    this.args = args;
    this.timeoutMs = timeoutMs;
    this.started = performance.now();
    this.first = first;
    this.resolve = resolve;
    this.reject = reject;
  }

  start(): void {
    const { calls } = this.context;
    try {
      calls.open(this, this.method, this.args, this.started);
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    calls.expireAfter(this as Call, this.timeoutMs, this.started);
  }

  onEvent(event: RpcEvent): void {
    this.context.calls.end(this as Call);
    if (event.name === 'OK' && Array.isArray(event.args) && event.args.length > 0) {
      if (this.first) this.succeeded(event.args[0]);
      else this.resolve(event.args[0]);
    } else {
      const error =
        event.name === 'ERR'
          ? toRemoteError(event, this.state.definition)
          : new ProtocolError(`${this.context.serviceName}.${this.method}: unexpected ${event.name} reply`);
      this.fail(error);
    }
  }

  fail(error: Error): void {
    if (this.first) this.retried(error);
    else this.reject(error);
  }

  succeeded(answer: unknown): void {
    const { definition } = this.state;
    const { serviceName, validateResults } = this.context;
    let result: unknown;
    try {
      result =
        definition === undefined
          ? answer
          : checkResult(definition, serviceName, this.method, answer, validateResults);
    } catch (error) {
      this.failed(error);
      return;
    }
    this.state.ok.observe((performance.now() - this.started) / 1000);
    this.resolve(result);
  }

  failed(error: unknown): void {
    this.state.error.observe((performance.now() - this.started) / 1000);
    this.context.metrics.clientErrors.inc({ ...this.state.labels, error: (error as Error).name ?? 'Error' });
    this.reject(error);
  }

  // The first attempt runs outside the retry policy, whose bookkeeping would otherwise cost
  // every call; the policy runs the retries (the first at once, the next ones after a backoff).
  retried(error: unknown): void {
    const { retryPolicy, metrics } = this.context;
    if (retryPolicy === undefined || this.state.definition?.idempotent !== true || !isRetryable(error)) {
      this.failed(error);
      return;
    }
    retryPolicy
      .execute(() => {
        metrics.clientRetries.inc(this.state.labels);
        return this.#attempt();
      })
      .then(
        (answer) => this.succeeded(answer),
        (failure: unknown) => this.failed(failure),
      );
  }

  #attempt(): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const { context, state, method, args, timeoutMs } = this;
      new UnaryCall(context, state, method, args, timeoutMs, false, resolve, reject).start();
    });
  }
}
