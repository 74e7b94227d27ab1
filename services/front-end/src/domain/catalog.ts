// Browsing: product lists and search (catalog), and the product page with its stock and "bought
// together" panels (inventory and recommendations over ZeroRPC, each within the page's budget).
import type { CategoryList, Product, ProductList } from '@trio/contracts/catalog';
import type { ApiProductDetail, ApiProductListQuery, StockStatus } from '@trio/contracts/front-end';
import { AppError } from '@trio/service-runtime/errors';
import type { ShopDeps } from './shop.ts';

/** At or below this many units a product shows as low in stock. */
export const lowStockAt = 5;

/** The public API's query, plus the category page's filters (catalog's own parameters). */
export type ProductQuery = ApiProductListQuery & {
  minPrice?: number | undefined;
  maxPrice?: number | undefined;
  sort?: 'relevance' | 'name' | 'price_asc' | 'price_desc' | 'newest' | undefined;
};

export function listProducts(deps: ShopDeps, query: ProductQuery): Promise<ProductList> {
  return deps.productLists.get(query);
}

export async function listCategories(deps: ShopDeps): Promise<CategoryList> {
  return deps.categories.get();
}

/** Resolves within `ms` with the call's value, or undefined: a slow or dead peer costs at most `ms`. */
async function within<T>(
  ms: number,
  call: () => Promise<T>,
  onError: (error: unknown) => void,
): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([
      call().catch((error: unknown) => {
        onError(error);
        return undefined;
      }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function stockStatusOf(available: number | undefined): StockStatus {
  if (available === undefined) return 'unknown';
  if (available === 0) return 'out_of_stock';
  return available <= lowStockAt ? 'low_stock' : 'in_stock';
}

/**
 * A product with its stock and "bought together" panel. The product must come from catalog (404
 * otherwise); the panels get `panelBudgetMs` together and are left out when they miss it.
 */
export async function productDetail(deps: ShopDeps, sku: string): Promise<ApiProductDetail> {
  const product = await deps.products.get(sku);
  if (product === undefined) throw new AppError('not_found', `No product has sku ${sku}`, { status: 404 });
  const budget = deps.panelBudgetMs;
  const warn = (panel: string) => (error: unknown) =>
    deps.log.warn({ err: error, sku, panel }, 'product page panel unavailable; rendered without it');
  const [available, recommended] = await Promise.all([
    within(budget, () => deps.stock.get(sku, budget), warn('stock')),
    within(
      budget,
      async () => {
        const skus = await deps.bought.get(sku, budget);
        if (skus === undefined) return undefined;
        const products = await Promise.all(skus.map((item) => deps.products.get(item)));
        return products.filter((candidate): candidate is Product => candidate !== undefined);
      },
      warn('recommendations'),
    ),
  ]);
  return {
    product,
    stock: { status: stockStatusOf(available), ...(available === undefined ? {} : { available }) },
    ...(recommended === undefined ? {} : { recommendations: recommended }),
  };
}
