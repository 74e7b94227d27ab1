// A request's way to its handler: refused while the server closes, answered at once for the
// built-ins and unknown methods, arguments checked against the method's zod tuple, then the
// handler run in the caller's context on a channel of its own. Every request runs as it arrives:
// a slow handler holds up nobody.
import { performance } from 'node:perf_hooks';
import type { RpcMethodDefinition } from '@trio/contracts/rpc';
import { runWithContext } from '@trio/service-runtime/context';
import { context as otelContext } from '@trio/service-runtime/tracing';
import type { Logger } from 'pino';
import { createLazyContext } from './call-context.ts';
import { headerKeys, type RpcEvent } from './codec.ts';
import { type Caller, type Channel, type Channels, channelKey, type Garbage } from './server-channels.ts';
import { answerBuiltin, isBuiltin, type MethodStates } from './server-methods.ts';
import { type ErrorMapping, InvalidResult, type Replies, toErrReply } from './server-replies.ts';
import { isStreamMethod } from './streams.ts';
import { endRpcSpan, type Span, startServerSpan } from './tracing.ts';
import { argumentErrorMessage, describeArgumentIssues } from './validation.ts';

type Handler = (...args: unknown[]) => unknown;

export interface DispatcherOptions {
  /** What `_zerorpc_name` and `_zerorpc_ping` answer. */
  name: string;
  methods: ReadonlyMap<string, RpcMethodDefinition>;
  handlers: Readonly<Record<string, Handler>>;
  validateResults: boolean;
  log: Logger;
  channels: Channels;
  replies: Replies;
  states: MethodStates;
  garbage: Garbage;
  errors: ErrorMapping;
}

export class Dispatcher {
  readonly #options: DispatcherOptions;
  #accepting = true;
  #running = 0;
  #onIdle: (() => void) | undefined;

  constructor(options: DispatcherOptions) {
    this.#options = options;
  }

  /** Calls whose handler is running. */
  get running(): number {
    return this.#running;
  }

  /** From now on requests are answered ServiceUnavailable (a caller may retry them elsewhere). */
  refuse(): void {
    this.#accepting = false;
  }

  /** Resolves when no handler runs any more. */
  idle(): Promise<void> {
    if (this.#running === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#onIdle = resolve;
    });
  }

  onRequest(caller: Caller, event: RpcEvent): void {
    const { name, methods, states, replies, channels, garbage } = this.#options;
    const started = performance.now();
    const { name: methodName, header, args } = event;
    const id = header.message_id;

    if (!this.#accepting) {
      replies.error(caller, id, { name: 'ServiceUnavailable', message: `${name} is shutting down` });
      states.finish(states.forName(methodName), started, 'ServiceUnavailable');
      return;
    }
    if (isBuiltin(methodName)) {
      replies.emit(caller, id, 'OK', [answerBuiltin(methodName, name, methods)]);
      states.finish(states.get(methodName), started);
      return;
    }
    const method = methods.get(methodName);
    if (method === undefined) {
      // The reference's answer: the error's message is the method name.
      replies.error(caller, id, { name: 'NameError', message: methodName });
      states.finish(states.forName(methodName), started, 'NameError');
      return;
    }
    const methodState = states.get(methodName);
    const parsed = Array.isArray(args)
      ? method.args.safeParse(args)
      : ({ success: false, error: undefined } as const);
    if (!parsed.success) {
      const issues = parsed.error ? describeArgumentIssues(parsed.error, method.argNames) : [];
      const message = parsed.error
        ? argumentErrorMessage(issues)
        : 'invalid arguments: args must be an array';
      replies.error(caller, id, { name: 'ValidationError', message, details: { issues } });
      states.finish(methodState, started, 'ValidationError');
      return;
    }

    const key = channelKey(caller, id);
    if (channels.has(key)) {
      garbage('duplicate_message_id', `${methodName} reuses the id of a call in progress`);
      return;
    }
    const channel: Channel = {
      key,
      caller,
      id,
      method: methodName,
      state: methodState,
      lastReceived: started,
      lastHeartbeat: started,
      credit: 1,
      wake: undefined,
      lost: false,
    };
    channels.add(channel);
    this.#running += 1;
    methodState.inFlight.inc();
    const context = createLazyContext({
      traceparent: stringOrUndefined(header[headerKeys.traceparent]),
      correlationId: stringOrUndefined(header[headerKeys.correlationId]),
    });
    const callArgs = parsed.data as unknown[];
    const traced = startServerSpan(name, methodName, header);
    // runCall never rejects: it catches what it does not expect itself (no extra promise per call).
    void otelContext.with(traced.context, () =>
      runWithContext(context, () => this.#runCall(channel, method, callArgs, started, traced.span)),
    );
  }

  async #runCall(
    channel: Channel,
    method: RpcMethodDefinition,
    args: unknown[],
    started: number,
    span: Span,
  ) {
    const { handlers, channels, replies, states, log, errors } = this.#options;
    try {
      let errorName: string | undefined;
      try {
        const produced = handlers[channel.method]!(...args);
        if (isStreamMethod(method)) {
          await this.#streamItems(channel, method, produced as AsyncIterable<unknown>);
        } else {
          // A handler that answers at once is answered at once; a promise is awaited.
          const result = isPromiseLike(produced) ? await produced : produced;
          replies.send(channel, 'OK', [this.#checkResult(method, channel.method, result)]);
        }
      } catch (error) {
        const err = toErrReply(error, channel.method, method, errors);
        errorName = err.name;
        await channels.waitForCredit(channel);
        replies.sendError(channel, err);
      } finally {
        channels.delete(channel);
        this.#running -= 1;
        channel.state.inFlight.dec();
        states.finish(channel.state, started, errorName);
        endRpcSpan(span, errorName);
        if (this.#running === 0) this.#onIdle?.();
      }
    } catch (error) {
      log.error({ err: error, method: channel.method }, 'rpc call failed unexpectedly');
    }
  }

  async #streamItems(channel: Channel, method: RpcMethodDefinition, items: AsyncIterable<unknown>) {
    const { channels, replies } = this.#options;
    const iterator = items[Symbol.asyncIterator]();
    let done = false;
    try {
      while (!channel.lost) {
        const next = await iterator.next();
        if (next.done) {
          done = true;
          break;
        }
        const item = this.#checkResult(method, channel.method, next.value);
        await channels.waitForCredit(channel);
        replies.send(channel, 'STREAM', item);
      }
      if (done) {
        await channels.waitForCredit(channel);
        replies.send(channel, 'STREAM_DONE', []);
      }
    } finally {
      // The caller went away or the handler failed: let the generator run its cleanup.
      if (!done) await iterator.return?.();
    }
  }

  #checkResult(method: RpcMethodDefinition, methodName: string, value: unknown): unknown {
    if (!this.#options.validateResults) return value;
    const parsed = method.result.safeParse(value);
    if (parsed.success) return parsed.data;
    this.#options.log.error(
      { method: methodName, issues: parsed.error.issues },
      'rpc handler returned a result the contract does not allow',
    );
    throw new InvalidResult();
  }
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
