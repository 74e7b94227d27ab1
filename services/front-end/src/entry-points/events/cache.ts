// What the front-end does with the events it subscribes to (queue `front-end.cache`): a changed
// product is dropped from the product cache, and the category list and product lists with it, so
// the next page shows its new name and price. A sku whose availability fell to the low-stock
// threshold or to 0 is dropped from the stock cache, so the next product page asks inventory
// (a sold-out product shows "Out of stock" without waiting for the cache's TTL). Invoice events
// need nothing here, but are taken off the queue so that it does not grow. Handlers are
// idempotent: no inbox is needed.
import type { SubscriptionHandlers } from '@trio/events/consumer';
import type { PanelCache } from '../../domain/panel-cache.ts';
import type { CategoryCache, ProductCache, ProductListCache } from '../../domain/product-cache.ts';

export interface FrontEndCaches {
  products: ProductCache;
  categories: CategoryCache;
  lists: ProductListCache;
  stock: PanelCache<number>;
}

export function cacheEventHandlers({
  products,
  categories,
  lists,
  stock,
}: FrontEndCaches): SubscriptionHandlers<'front-end.cache', undefined> {
  const changed = (sku: string) => {
    products.forget(sku);
    categories.forget();
    lists.forget();
  };
  return {
    'product.created': (event) => changed(event.payload.sku),
    'product.updated': (event) => changed(event.payload.sku),
    'stock.low': (event) => stock.forget(event.payload.sku),
    'stock.depleted': (event) => stock.forget(event.payload.sku),
    'invoice.issued': () => undefined,
  };
}
