// What the server knows about the methods it answers: each one's metric series (made once per
// label: the contract's methods, the built-ins and `_unknown`, so callers cannot grow the number
// of series) and the built-in methods every ZeroRPC server answers.
import { performance } from 'node:perf_hooks';
import type { RpcMethodDefinition } from '@trio/contracts/rpc';
import { type GaugeChild, type HistogramChild, histogramChild, type RpcMetrics } from './metrics.ts';

/** A method's metric series. */
export interface MethodState {
  label: string;
  inFlight: GaugeChild;
  ok: HistogramChild;
  error: HistogramChild;
}

export const builtins = ['_zerorpc_ping', '_zerorpc_name', '_zerorpc_list', '_zerorpc_inspect'] as const;
const builtinNames: ReadonlySet<string> = new Set(builtins);
const unknownMethodLabel = '_unknown';

export function isBuiltin(method: string): boolean {
  return builtinNames.has(method);
}

export class MethodStates {
  readonly #byLabel = new Map<string, MethodState>();
  readonly #metrics: RpcMetrics;
  readonly #methods: ReadonlyMap<string, RpcMethodDefinition>;

  constructor(metrics: RpcMetrics, methods: ReadonlyMap<string, RpcMethodDefinition>) {
    this.#metrics = metrics;
    this.#methods = methods;
  }

  /** The series of a method the server knows (the contract's or a built-in). */
  get(label: string): MethodState {
    let state = this.#byLabel.get(label);
    if (state === undefined) {
      const metrics = this.#metrics;
      state = {
        label,
        inFlight: metrics.serverInFlightChild({ method: label }),
        ok: histogramChild(metrics.serverDuration, { method: label, outcome: 'ok' }),
        error: histogramChild(metrics.serverDuration, { method: label, outcome: 'error' }),
      };
      this.#byLabel.set(label, state);
    }
    return state;
  }

  /** The series of any method name a caller sent: unknown names share `_unknown`. */
  forName(method: string): MethodState {
    return this.get(this.#methods.has(method) || isBuiltin(method) ? method : unknownMethodLabel);
  }

  /** Records a call's duration and, when it failed, its error name. */
  finish(state: MethodState, started: number, errorName?: string): void {
    const seconds = (performance.now() - started) / 1000;
    if (errorName === undefined) {
      state.ok.observe(seconds);
    } else {
      state.error.observe(seconds);
      this.#metrics.serverErrors.inc({ method: state.label, error: errorName });
    }
  }
}

/** The answer of a built-in method (`isBuiltin`). */
export function answerBuiltin(
  method: string,
  name: string,
  methods: ReadonlyMap<string, RpcMethodDefinition>,
): unknown {
  switch (method) {
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
