// The front-end process, in the fixed order: config → logger → connections → peers → consumer →
// listen, each resource registering its closer as it opens so that shutdown runs in reverse: HTTP
// stops taking requests first, Redis closes last. `start` is exported so that the tests run this.
import { inventoryRpc } from '@trio/contracts/inventory';
import { recommendationsRpc } from '@trio/contracts/recommendations';
import { shippingRoutes, shippingRpc } from '@trio/contracts/shipping';
import { attachEventBus } from '@trio/events/service';
import { connectPeerMethods, connectRpc, curveClientOptions, rpcDiscoveryOptions } from '@trio/rpc/service';
import { loadConfig } from '@trio/service-runtime/config';
import { identityFromConfig } from '@trio/service-runtime/identity';
import { connectRest } from '@trio/service-runtime/peer';
import { attachRedis } from '@trio/service-runtime/redis';
import { hostFromConfig, type ServiceHost, type StartOptions } from '@trio/service-runtime/service';
import { contentSecurityPolicy, createApp } from './app.ts';
import { Config } from './config.ts';
import { createCartStore } from './domain/cart-store.ts';
import { createFeaturedProducts } from './domain/featured.ts';
import { createBoughtTogetherCache, createStockCache } from './domain/panel-cache.ts';
import { createCategoryCache, createProductCache, createProductListCache } from './domain/product-cache.ts';
import { createSessionStore } from './domain/sessions.ts';
import { cacheEventHandlers } from './entry-points/events/cache.ts';
import { billingClient, catalogClient, profilesClient } from './peers/clients.ts';

export interface RunningFrontEnd {
  host: ServiceHost;
  port: number;
  /** /healthz, /readyz and /metrics. */
  adminPort: number;
}

export type { StartOptions };

export async function start(config: Config, options: StartOptions = {}): Promise<RunningFrontEnd> {
  const host = hostFromConfig(config, options);
  const identity = await identityFromConfig('front-end', config);
  const { log } = host;

  const redis = await attachRedis(host, {
    url: config.REDIS_URL,
    keyPrefix: config.REDIS_KEY_PREFIX,
    connectionName: config.SERVICE_NAME,
  });

  const bus = await attachEventBus(host, {
    url: config.AMQP_URL,
    service: 'front-end',
    connectionName: config.SERVICE_NAME,
    exchange: config.EVENTS_EXCHANGE,
  });

  const rpcOptions = { timeoutMs: config.RPC_TIMEOUT_MS, ...rpcDiscoveryOptions(config) };
  const inventory = connectRpc(host, {
    service: inventoryRpc,
    endpoints: config.INVENTORY_ADDR,
    ...curveClientOptions(config, config.INVENTORY_CURVE_KEY),
    ...rpcOptions,
  });
  const recommendations = connectRpc(host, {
    service: recommendationsRpc,
    endpoints: config.RECOMMENDATIONS_ADDR,
    ...curveClientOptions(config, config.RECOMMENDATIONS_CURVE_KEY),
    ...rpcOptions,
    // The product page has its own budget; a retry would only outlive it.
    retry: false,
  });

  const rest = (name: string, baseUrl: string, timeoutMs = config.HTTP_TIMEOUT_MS) =>
    connectRest(host, { name, baseUrl, timeoutMs, identity: identity.caller });
  const catalog = catalogClient(rest('catalog', config.CATALOG_URL));
  // The live quote over ZeroRPC or REST, as SHIPPING_TRANSPORT says; checkout.ts reads the same.
  const shipping = connectPeerMethods(host, config, {
    service: shippingRpc,
    routes: shippingRoutes,
    restPeer: rest,
  });
  const products = createProductCache(catalog, { ttlMs: config.PRODUCT_CACHE_TTL_MS });
  const categories = createCategoryCache(catalog, { ttlMs: config.PRODUCT_CACHE_TTL_MS });
  const productLists = createProductListCache(catalog, { ttlMs: config.PRODUCT_CACHE_TTL_MS });
  const stock = createStockCache(inventory, { ttlMs: config.STOCK_CACHE_TTL_MS });
  const bought = createBoughtTogetherCache(recommendations, { ttlMs: config.RECOMMENDATIONS_CACHE_TTL_MS });
  await bus.consume({
    subscription: 'front-end.cache',
    db: null,
    handlers: cacheEventHandlers({ products, categories, lists: productLists, stock }),
  });

  const cookie = { secure: config.COOKIE_SECURE, ttlSeconds: config.SESSION_TTL_SECONDS };
  const deps = {
    catalog,
    profiles: profilesClient(rest('profiles', config.PROFILES_URL)),
    billing: billingClient(rest('billing', config.BILLING_URL)),
    inventory,
    shipping,
    recommendations,
    products,
    categories,
    productLists,
    stock,
    bought,
    featured: createFeaturedProducts(catalog, { ttlMs: config.PRODUCT_CACHE_TTL_MS }),
    carts: createCartStore(redis, { ttlSeconds: 30 * 24 * 3600 }),
    sessions: createSessionStore(redis, {
      secret: config.SESSION_SECRET,
      ttlSeconds: config.SESSION_TTL_SECONDS,
    }),
    log,
    panelBudgetMs: config.PANEL_BUDGET_MS,
  };
  const { port, adminPort } = await host.listen({
    port: config.HTTP_PORT,
    adminPort: config.ADMIN_PORT,
    routes: createApp(deps, cookie),
    security: { contentSecurityPolicy },
  });
  return { host, port, adminPort: adminPort ?? config.ADMIN_PORT };
}

if (import.meta.main) await start(loadConfig(Config));
