// Streaming methods. ZeroRPC answers a call either once (OK) or with a stream of items (STREAM …
// STREAM_DONE). The shop's contracts describe one-shot methods; a streaming one is the same
// definition marked `stream: true`, whose `result` schema describes each item. Its server handler
// returns an async iterable and callers read it with `client.stream()`.
import type { RpcErrorDefinition, RpcMethodDefinition } from '@trio/contracts/rpc';
import type { z } from 'zod';

export interface RpcStreamDefinition<
  Args extends z.ZodTuple = z.ZodTuple,
  Item extends z.ZodType = z.ZodType,
  Errors extends Record<string, RpcErrorDefinition> = Record<string, RpcErrorDefinition>,
> extends RpcMethodDefinition<Args, Item, Errors> {
  readonly stream: true;
}

export function defineRpcStream<
  const Items extends readonly [z.ZodType, ...z.ZodType[]],
  const Item extends z.ZodType,
  const Errors extends Record<string, RpcErrorDefinition>,
>(
  method: Omit<RpcStreamDefinition<z.ZodTuple<Items, null>, Item, Errors>, 'argNames' | 'stream'> & {
    readonly argNames: { readonly [K in keyof Items]: string };
  },
): RpcStreamDefinition<z.ZodTuple<Items, null>, Item, Errors> {
  return { ...method, stream: true };
}

export function isStreamMethod(method: RpcMethodDefinition): method is RpcStreamDefinition {
  return (method as Partial<RpcStreamDefinition>).stream === true;
}

/** Names of a service's one-shot methods. */
export type UnaryMethodName<Methods> = {
  [K in keyof Methods]: Methods[K] extends { readonly stream: true } ? never : K;
}[keyof Methods] &
  string;

/** Names of a service's streaming methods. */
export type StreamMethodName<Methods> = {
  [K in keyof Methods]: Methods[K] extends { readonly stream: true } ? K : never;
}[keyof Methods] &
  string;
