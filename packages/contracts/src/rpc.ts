// How a ZeroRPC method is described. ZeroRPC calls carry positional arguments only, so `args` is a
// zod tuple and `argNames` names its slots (for `_zerorpc_inspect` and for messages). A failure
// travels as `ERR [name, message, traceback]`; `errors` lists the names a caller must be ready for,
// beside the two every method can answer with (`ValidationError`, `NameError`).
import type { z } from 'zod';

export interface RpcErrorDefinition {
  readonly description: string;
  /** Structured facts a caller may need, e.g. which skus are short. */
  readonly details?: z.ZodType;
}

export interface RpcMethodDefinition<
  Args extends z.ZodTuple = z.ZodTuple,
  Result extends z.ZodType = z.ZodType,
  Errors extends Record<string, RpcErrorDefinition> = Record<string, RpcErrorDefinition>,
> {
  readonly description: string;
  readonly args: Args;
  readonly argNames: readonly string[];
  readonly result: Result;
  readonly errors: Errors;
  /** Only idempotent methods may be retried by a client after a timeout or a lost server. */
  readonly idempotent: boolean;
}

export interface RpcServiceDefinition<
  Name extends string = string,
  Methods extends Record<string, RpcMethodDefinition> = Record<string, RpcMethodDefinition>,
> {
  /** What `_zerorpc_name` answers. */
  readonly name: Name;
  readonly methods: Methods;
}

/** Checks at compile time that there is one name per argument slot. */
export function defineRpcMethod<
  const Items extends readonly [z.ZodType, ...z.ZodType[]],
  const Result extends z.ZodType,
  const Errors extends Record<string, RpcErrorDefinition>,
>(
  method: Omit<RpcMethodDefinition<z.ZodTuple<Items, null>, Result, Errors>, 'argNames'> & {
    readonly argNames: { readonly [K in keyof Items]: string };
  },
): RpcMethodDefinition<z.ZodTuple<Items, null>, Result, Errors> {
  return method;
}

export function defineRpcService<
  const Name extends string,
  const Methods extends Record<string, RpcMethodDefinition>,
>(name: Name, methods: Methods): RpcServiceDefinition<Name, Methods> {
  return { name, methods };
}

/** Errors any method can answer with, whatever its definition says. */
export const builtinRpcErrors = {
  ValidationError: { description: 'The arguments do not match the method’s tuple; the handler did not run' },
  NameError: { description: 'No method of that name' },
} as const satisfies Record<string, RpcErrorDefinition>;

/** What a handler receives: the arguments after validation (defaults filled in). */
export type RpcArgs<M extends RpcMethodDefinition> = z.output<M['args']>;
/** What a caller passes. */
export type RpcArgsInput<M extends RpcMethodDefinition> = z.input<M['args']>;
export type RpcResult<M extends RpcMethodDefinition> = z.output<M['result']>;
export type RpcErrorName<M extends RpcMethodDefinition> =
  | (keyof M['errors'] & string)
  | keyof typeof builtinRpcErrors;

type MethodsOf<S extends RpcServiceDefinition> = S['methods'];

/** A typed client: one async function per method. */
export type RpcClient<S extends RpcServiceDefinition> = {
  readonly [K in keyof MethodsOf<S>]: (
    ...args: RpcArgsInput<MethodsOf<S>[K]> & unknown[]
  ) => Promise<RpcResult<MethodsOf<S>[K]>>;
};

/** What a server implements: one handler per method. */
export type RpcHandlers<S extends RpcServiceDefinition> = {
  readonly [K in keyof MethodsOf<S>]: (
    ...args: RpcArgs<MethodsOf<S>[K]> & unknown[]
  ) => Promise<z.input<MethodsOf<S>[K]['result']>>;
};
