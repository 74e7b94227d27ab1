// What the storefront and its JSON API do, once: both the pages and /api call the use cases of
// this folder (catalog.ts, cart.ts, account.ts, checkout.ts, orders.ts), so a page and the API
// never disagree. Each use case talks to the services that own the data: catalog (REST) for
// products, inventory and recommendations (ZeroRPC, through panel-cache.ts) for the product page's
// panels, shipping (ZeroRPC, or REST by configuration) for quotes, profiles (REST) for accounts,
// billing (REST) for orders. This file holds what they all share: their dependencies and who the
// shopper is.
import type { inventoryRpc } from '@trio/contracts/inventory';
import type { recommendationsRpc } from '@trio/contracts/recommendations';
import type { shippingRoutes, shippingRpc } from '@trio/contracts/shipping';
import type { RpcServiceClient } from '@trio/rpc/client';
import type { MethodsOverRest } from '@trio/rpc/service';
import { AppError } from '@trio/service-runtime/errors';
import type { Logger } from '@trio/service-runtime/logger';
import type { BillingClient, CatalogClient, ProfilesClient } from '../peers/clients.ts';
import type { CartOwner, CartStore } from './cart-store.ts';
import type { FeaturedProducts } from './featured.ts';
import type { PanelCache } from './panel-cache.ts';
import type { CategoryCache, ProductCache, ProductListCache } from './product-cache.ts';
import type { SessionStore, ShopSession } from './sessions.ts';

export interface ShopDeps {
  catalog: CatalogClient;
  profiles: ProfilesClient;
  billing: BillingClient;
  inventory: RpcServiceClient<typeof inventoryRpc>;
  /** The quote, over ZeroRPC or REST (SHIPPING_TRANSPORT): it throws alike either way. */
  shipping: MethodsOverRest<typeof shippingRpc, typeof shippingRoutes>;
  recommendations: RpcServiceClient<typeof recommendationsRpc>;
  products: ProductCache;
  categories: CategoryCache;
  /** Category pages' and searches' product lists. */
  productLists: ProductListCache;
  featured: FeaturedProducts;
  /** The product page's stock and "Bought together" skus, per sku (panel-cache.ts). */
  stock: PanelCache<number>;
  bought: PanelCache<string[]>;
  carts: CartStore;
  sessions: SessionStore;
  log: Logger;
  /** The product page's wait for stock and recommendations. */
  panelBudgetMs: number;
}

/** Most units of one product a cart holds. */
export const maxLineQty = 99;

export function cartOwner(session: ShopSession): CartOwner {
  return session.user === undefined
    ? { kind: 'session', id: session.id }
    : { kind: 'user', id: session.user.id };
}

export function requireUser(session: ShopSession | undefined): NonNullable<ShopSession['user']> {
  if (session?.user === undefined) {
    throw new AppError('unauthorized', 'Log in first', { status: 401 });
  }
  return session.user;
}
