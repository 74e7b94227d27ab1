import { defineRpcMethod, defineRpcService } from '@trio/contracts/rpc';
import { z } from 'zod';

export const benchRpc = defineRpcService('bench', {
  echo: defineRpcMethod({
    description: 'Answers with its argument.',
    args: z.tuple([z.string()]),
    argNames: ['text'],
    result: z.string(),
    errors: {},
    idempotent: true,
  }),
});
