// The product page's two panels, kept per sku: before, every view of a product page made two
// ZeroRPC calls (inventory's stock, recommendations' panel), most of the page's cost (issue 14).
// - Stock is kept for a short while (STOCK_CACHE_TTL_MS, 2 s by default) and dropped at once by
//   stock.depleted and stock.low for its sku (entry-points/events/cache.ts): a product that sells
//   out shows "Out of stock" as soon as that event arrives, and at the latest one TTL after. A
//   restock announces nothing, so a product back in stock may show sold out for up to one TTL.
//   What the page shows is a hint either way: checkout reserves stock in inventory, which refuses
//   what it does not have.
// - The "Bought together" skus are kept longer (RECOMMENDATIONS_CACHE_TTL_MS): they are
//   suggestions and move slowly. The products themselves come from the product cache on each
//   view, so a new name or price shows at once.
// One call per sku is in flight at a time, shared by every page that asks meanwhile. A failed
// call, or one that answers nothing, is not kept: the next view asks again (the page's budget and
// its degradation stay as they were: callers still wait at most PANEL_BUDGET_MS).
// lru-cache rather than a Map: it gives the TTL, the bound and the shared in-flight call.
import type { inventoryRpc } from '@trio/contracts/inventory';
import type { recommendationsRpc } from '@trio/contracts/recommendations';
import type { RpcServiceClient } from '@trio/rpc/client';
import { LRUCache } from 'lru-cache';

export interface PanelCache<V> {
  /** The sku's value, from the cache or from one call given `timeoutMs`. */
  get(sku: string, timeoutMs: number): Promise<V | undefined>;
  forget(sku: string): void;
}

export function createPanelCache<V extends {}>(
  load: (sku: string, timeoutMs: number) => Promise<V | undefined>,
  options: { ttlMs: number; maxEntries?: number },
): PanelCache<V> {
  const cache = new LRUCache<string, V, number>({
    max: options.maxEntries ?? 5_000,
    ttl: options.ttlMs,
    // Expired entries are dropped when read (no timer per entry), and never served stale.
    ttlAutopurge: false,
    allowStale: false,
    // A call abandoned by forget() answers its waiting pages "nothing" (the page renders without
    // the panel, as when the call is late), not an error.
    allowStaleOnFetchAbort: true,
    fetchMethod: (sku, _stale, { context }) => load(sku, context),
  });
  return {
    get: (sku, timeoutMs) => cache.fetch(sku, { context: timeoutMs }),
    // A call in flight for the sku is abandoned too: what it answers was asked before the change.
    forget: (sku) => void cache.delete(sku),
  };
}

/** Units available per sku, from inventory (a sku it has never seen has 0). */
export function createStockCache(
  inventory: RpcServiceClient<typeof inventoryRpc>,
  options: { ttlMs: number },
): PanelCache<number> {
  return createPanelCache(
    async (sku, timeoutMs) => (await inventory.invoke('getStock', [[sku]], { timeoutMs }))[sku],
    options,
  );
}

/** The skus of recommendations' "Bought together" panel for a product, at most `limit`. */
export function createBoughtTogetherCache(
  recommendations: RpcServiceClient<typeof recommendationsRpc>,
  options: { ttlMs: number; limit?: number },
): PanelCache<string[]> {
  const limit = options.limit ?? 4;
  return createPanelCache(async (sku, timeoutMs) => {
    const { items } = await recommendations.invoke('forProduct', [sku, limit], { timeoutMs });
    return items.map((item) => item.sku);
  }, options);
}
