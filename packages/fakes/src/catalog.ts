// The catalog fake: the demo catalogue (@trio/demo-data, what the real catalog seeds) in memory.
// Scenarios: `demo-catalogue` (every demo product), `empty` (no products: 404 for each sku, empty
// pages), plus `slow` and `down`.
import type { catalogRoutes, Product } from '@trio/contracts/catalog';
import { generateDemoCatalogue } from '@trio/demo-data/catalogue';
import { errorAnswer, type RestHandlers } from './rest.ts';
import type { FakeScenarios } from './scenarios.ts';

export const catalogScenarios: FakeScenarios = {
  fake: 'catalog',
  scenarios: {
    'demo-catalogue': 'the demo catalogue the real catalog seeds: every product, category and price',
    empty: 'no products: every sku is a 404, every list is empty',
  },
};

export function demoProducts(): Product[] {
  return generateDemoCatalogue().products.map(({ createdAt, ...product }) => ({
    ...product,
    createdAt: createdAt.toISOString(),
    updatedAt: createdAt.toISOString(),
  }));
}

export function catalogHandlers(): RestHandlers<typeof catalogRoutes> {
  const catalogue = generateDemoCatalogue();
  const products = demoProducts();
  const bySku = new Map(products.map((product) => [product.sku, product]));
  return {
    getProduct: ({ params, scenario }) => {
      const product = scenario === 'empty' ? undefined : bySku.get(String(params.sku));
      return product === undefined
        ? errorAnswer(404, 'not_found', `No product ${String(params.sku)}`)
        : { status: 200, body: product };
    },
    listProducts: ({ query, scenario }) => {
      const {
        q,
        category,
        page = 1,
        pageSize = 24,
      } = query as { q?: string; category?: string; page?: number; pageSize?: number };
      const matching = (scenario === 'empty' ? [] : products).filter(
        (product) =>
          (category === undefined || product.category === category) &&
          (q === undefined || product.name.toLowerCase().includes(q.toLowerCase())),
      );
      const items = matching.slice((page - 1) * pageSize, page * pageSize);
      return { status: 200, body: { items, total: matching.length, page, pageSize } };
    },
    listCategories: ({ scenario }) => ({
      status: 200,
      body: {
        items: catalogue.categories.map((category) => ({
          ...category,
          productCount:
            scenario === 'empty'
              ? 0
              : products.filter((product) => product.category === category.slug).length,
        })),
      },
    }),
  };
}
