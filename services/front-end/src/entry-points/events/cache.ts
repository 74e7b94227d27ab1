// What the front-end does with the events it subscribes to (queue `front-end.cache`): a changed
// product is dropped from the product cache, and the category list and product lists with it, so the next page shows
// its new name and price. Stock
// and invoice events need nothing here (stock is asked live on every product page), but are taken
// off the queue so that it does not grow. Handlers are idempotent: no inbox is needed.
import type { SubscriptionHandlers } from '@trio/events/consumer';
import type { CategoryCache, ProductCache, ProductListCache } from '../../domain/product-cache.ts';

export function cacheEventHandlers(
  products: ProductCache,
  categories: CategoryCache,
  lists: ProductListCache,
): SubscriptionHandlers<'front-end.cache', undefined> {
  const changed = (sku: string) => {
    products.forget(sku);
    categories.forget();
    lists.forget();
  };
  return {
    'product.created': (event) => changed(event.payload.sku),
    'product.updated': (event) => changed(event.payload.sku),
    'stock.low': () => undefined,
    'stock.depleted': () => undefined,
    'invoice.issued': () => undefined,
  };
}
