// The recommendations fake: the first demo products (never the one asked about), as the real
// service's `popular` fallback. Scenarios: `popular` (four demo products), `none` (empty lists),
// plus `slow` and `down`.
import type { recommendationsRpc } from '@trio/contracts/recommendations';
import type { RpcServerHandlers } from '@trio/rpc/server';
import { demoProducts } from './catalog.ts';
import type { FakeScenarios } from './scenarios.ts';

export const recommendationsScenarios: FakeScenarios = {
  fake: 'recommendations',
  scenarios: {
    popular: 'the first demo products, reason `popular`, never the product asked about',
    none: 'no recommendations at all',
  },
};

export function recommendationsHandlers(
  scenario: () => string,
): RpcServerHandlers<typeof recommendationsRpc> {
  const skus = demoProducts()
    .slice(0, 21)
    .map((product) => product.sku);
  const pick = (limit: number, except?: string) =>
    scenario() === 'none'
      ? { items: [] }
      : {
          items: skus
            .filter((sku) => sku !== except)
            .slice(0, limit)
            .map((sku, index) => ({ sku, score: 1 / (index + 1), reason: 'popular' as const })),
        };
  return {
    forProduct: async (sku, limit) => pick(limit, sku),
    forUser: async (_userId, limit) => pick(limit),
  };
}
