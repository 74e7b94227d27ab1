// A small contract and its server for the tests: one-shot methods with and without errors, a slow
// one, a stream, one that breaks its own contract, and one that reports the context it ran in.
import { defineRpcMethod, defineRpcService } from '@trio/contracts/rpc';
import { getContext } from '@trio/service-runtime/context';
import { z } from 'zod';
import { RpcError } from '../../src/errors.ts';
import type { RpcServerHandlers } from '../../src/server.ts';
import { defineRpcStream } from '../../src/streams.ts';

export const calculatorRpc = defineRpcService('calculator', {
  add: defineRpcMethod({
    description: 'The sum of two numbers.',
    args: z.tuple([z.number(), z.number()]),
    argNames: ['a', 'b'],
    result: z.number(),
    errors: {},
    idempotent: true,
  }),
  echo: defineRpcMethod({
    description: 'Answers with its argument.',
    args: z.tuple([z.string()]),
    argNames: ['text'],
    result: z.string(),
    errors: {},
    idempotent: true,
  }),
  divide: defineRpcMethod({
    description: 'a / b; refuses a zero divisor.',
    args: z.tuple([z.number(), z.number()]),
    argNames: ['dividend', 'divisor'],
    result: z.number(),
    errors: {
      DivisionByZero: {
        description: 'The divisor is 0',
        details: z.object({ dividend: z.number() }),
      },
    },
    idempotent: true,
  }),
  sleep: defineRpcMethod({
    description: 'Answers after the given number of milliseconds.',
    args: z.tuple([z.int().min(0).max(60_000)]),
    argNames: ['ms'],
    result: z.literal('slept'),
    errors: {},
    idempotent: true,
  }),
  crash: defineRpcMethod({
    description: 'Fails with an unexpected error (a bug).',
    args: z.tuple([z.string()]),
    argNames: ['secret'],
    result: z.null(),
    errors: {},
    idempotent: false,
  }),
  wrongResult: defineRpcMethod({
    description: 'Returns something its own contract does not allow.',
    args: z.tuple([z.number()]),
    argNames: ['n'],
    result: z.number(),
    errors: {},
    idempotent: true,
  }),
  increment: defineRpcMethod({
    description: 'Adds to a counter; not idempotent.',
    args: z.tuple([z.int()]),
    argNames: ['by'],
    result: z.int(),
    errors: {},
    idempotent: false,
  }),
  blob: defineRpcMethod({
    description: 'A string of the given length.',
    args: z.tuple([z.int().min(0).max(1_000_000)]),
    argNames: ['length'],
    result: z.string(),
    errors: {},
    idempotent: true,
  }),
  whoami: defineRpcMethod({
    description: 'The ids of the context the handler ran in.',
    args: z.tuple([z.string()]),
    argNames: ['note'],
    result: z.object({ traceId: z.string(), correlationId: z.string() }),
    errors: {},
    idempotent: true,
  }),
  count: defineRpcStream({
    description: 'Streams 0 … n-1.',
    args: z.tuple([z.int().min(0).max(100_000)]),
    argNames: ['n'],
    result: z.int(),
    errors: { TooFar: { description: 'Stopped at the given item' } },
    idempotent: true,
  }),
  countUntilError: defineRpcStream({
    description: 'Streams 0 … n-1, then fails with TooFar.',
    args: z.tuple([z.int().min(0).max(100)]),
    argNames: ['n'],
    result: z.int(),
    errors: { TooFar: { description: 'Stopped after n items' } },
    idempotent: true,
  }),
});

export interface CalculatorState {
  counter: number;
  /** Items a `count` stream has produced so far (to observe flow control). */
  produced: number;
  streamsClosed: number;
}

export function calculatorHandlers(state: CalculatorState): RpcServerHandlers<typeof calculatorRpc> {
  return {
    add: async (a, b) => a + b,
    echo: async (text) => text,
    divide: async (dividend, divisor) => {
      if (divisor === 0) throw new RpcError('DivisionByZero', 'cannot divide by zero', { dividend });
      return dividend / divisor;
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(() => resolve('slept'), ms)),
    crash: async (secret) => {
      throw new Error(`database password is ${secret}`);
    },
    wrongResult: async (n) => String(n) as unknown as number,
    increment: async (by) => {
      state.counter += by;
      return state.counter;
    },
    blob: async (length) => 'x'.repeat(length),
    whoami: async () => {
      const context = getContext();
      return { traceId: context?.traceId ?? '', correlationId: context?.correlationId ?? '' };
    },
    count: async function* (n) {
      try {
        for (let i = 0; i < n; i += 1) {
          state.produced += 1;
          yield i;
        }
      } finally {
        state.streamsClosed += 1;
      }
    },
    countUntilError: async function* (n) {
      for (let i = 0; i < n; i += 1) yield i;
      throw new RpcError('TooFar', `stopped after ${n}`);
    },
  };
}

export function newCalculatorState(): CalculatorState {
  return { counter: 0, produced: 0, streamsClosed: 0 };
}
