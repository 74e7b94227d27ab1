// recommendations (ZeroRPC, :4244): "bought together" and "for you", learnt from order.confirmed.
// With no history the service falls back to the most popular products of the same category, then
// overall; `reason` says which one a caller got. It never returns the product asked about.
import { z } from 'zod';
import { Sku, UserId } from './common.ts';
import { defineRpcMethod, defineRpcService } from './rpc.ts';

export const RecommendationReason = z
  .enum(['bought_together', 'bought_by_you', 'popular_in_category', 'popular'])
  .meta({ id: 'RecommendationReason' });

export const Recommendations = z
  .object({
    items: z.array(z.object({ sku: Sku, score: z.number().nonnegative(), reason: RecommendationReason })),
  })
  .meta({ id: 'Recommendations', description: 'Best first' });
export type Recommendations = z.infer<typeof Recommendations>;

// Optional so that a hand-typed call from a reference client can leave it out.
const Limit = z.int().min(1).max(20).default(4).describe('How many to return at most');

export const recommendationsRpc = defineRpcService('recommendations', {
  forProduct: defineRpcMethod({
    description: 'Products often bought together with this one.',
    args: z.tuple([Sku, Limit]),
    argNames: ['sku', 'limit'],
    result: Recommendations,
    errors: {},
    idempotent: true,
  }),
  forUser: defineRpcMethod({
    description: 'Products for a user, from what they and others bought.',
    args: z.tuple([UserId, Limit]),
    argNames: ['userId', 'limit'],
    result: Recommendations,
    errors: {},
    idempotent: true,
  }),
});
