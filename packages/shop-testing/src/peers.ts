// The shop's services in-process, for tests that need them running: catalog, profiles, inventory,
// shipping, payment and recommendations, each started exactly as its main.ts starts it, on a test
// file's own database (one schema per service), Redis prefix and exchange. Billing's tests start
// billing beside them, the front-end's start billing and the front-end. The helpers make what a
// test needs through the services' own APIs: a customer with a session, a product with stock.
// Their ZeroRPC ports speak CURVE, as in compose and Kubernetes.
import { randomUUID } from 'node:crypto';
import { Config as CatalogConfig } from '@trio/catalog/config';
import { start as startCatalog } from '@trio/catalog/main';
import type { ServiceName } from '@trio/contracts/common';
import { eventSubscriptions, type SubscriptionName } from '@trio/contracts/events';
import { inventoryRpc } from '@trio/contracts/inventory';
import { shopperAddressHeader } from '@trio/contracts/profiles';
import { queuesDeclaredBy } from '@trio/events/topology';
import { Config as InventoryConfig } from '@trio/inventory/config';
import { start as startInventory } from '@trio/inventory/main';
import { Config as PaymentConfig } from '@trio/payment/config';
import { start as startPayment } from '@trio/payment/main';
import { Config as ProfilesConfig } from '@trio/profiles/config';
import { start as startProfiles } from '@trio/profiles/main';
import { Config as RecommendationsConfig } from '@trio/recommendations/config';
import { start as startRecommendations } from '@trio/recommendations/main';
import { createRpcClient, type RpcServiceClient } from '@trio/rpc/client';
import { newCurveKeyPair } from '@trio/rpc/curve';
import { parseConfig } from '@trio/service-runtime/config';
import { createLogger, type Logger } from '@trio/service-runtime/logger';
import { createPostgres, type Postgres } from '@trio/service-runtime/postgres';
import type { ServiceHost } from '@trio/service-runtime/service';
import { Config as ShippingConfig } from '@trio/shipping/config';
import { start as startShipping } from '@trio/shipping/main';
import { createHttpClient, type HttpClient } from '@trio/testing/http-client';
import { identityEnv } from '@trio/testing/identity';
import { uniqueShopperAddress } from '@trio/testing/ids';
import type { TestInfra } from '@trio/testing/infra';
import { createLogCapture, type LogCapture } from '@trio/testing/logs';

export const adminToken = 'test-catalog-admin-token-0123456789';
export const customerPassword = 'correct horse battery';

export type PeerName = 'catalog' | 'profiles' | 'inventory' | 'shipping' | 'payment' | 'recommendations';

/** Services that consume events: their queues' retry tiers exist too. */
const consumers: readonly ServiceName[] = [
  'billing',
  'inventory',
  'shipping',
  'recommendations',
  'front-end',
  'profiles',
];

/**
 * Names every queue the given services declare through the broker, so that the file's drop()
 * deletes them: those their events feed, and the consumers' own with retry tiers and DLQ. Off the
 * shop's exchange every queue name is prefixed with `<exchange>.`.
 */
export function registerQueues(infra: TestInfra, services: readonly ServiceName[]): void {
  const consumed = (Object.keys(eventSubscriptions) as SubscriptionName[]).filter((name) => {
    const owner = eventSubscriptions[name].service;
    return services.includes(owner) && consumers.includes(owner);
  });
  for (const queue of queuesDeclaredBy(services, consumed)) infra.broker.queue(`events.${queue}`);
}

export interface PeersOptions {
  /** Payment's slow test card delay; 3 s as documented by default. */
  slowCardDelayMs?: number;
  /** Every service the test will run, peers and others: their queues are registered for drop(). */
  services: readonly ServiceName[];
  /** Stocks the demo catalogue too (catalog always seeds it: it brings the categories). */
  seedStock?: boolean;
  /** More settings every service of the test shares (e.g. FAULTS_ENABLED and its key prefix). */
  env?: Record<string, string>;
  /** Profiles' own settings over the tests' (e.g. a low REGISTRATIONS_PER_ADDRESS). */
  profilesEnv?: Record<string, string>;
}

export interface ShopPeers {
  /** DATABASE_URL, DATABASE_POOL_SIZE, AMQP_URL, EVENTS_EXCHANGE: what every service of the test shares. */
  common: Record<string, string>;
  /**
   * Every peer's address as the other services' config names it (CATALOG_URL, INVENTORY_ADDR, …),
   * with the ZeroRPC servers' CURVE keys and the client key pair they let in.
   */
  addresses: Record<string, string>;
  catalogUrl: string;
  profilesUrl: string;
  paymentUrl: string;
  /** Where each peer serves /healthz, /readyz and /metrics: its API, or a ZeroRPC service's admin port. */
  adminUrls: Record<PeerName, string>;
  inventory: RpcServiceClient<typeof inventoryRpc>;
  /** A logger whose lines are kept for logText(). */
  logger(service: string): { capture: LogCapture; log: Logger };
  /** Stops one peer (to test what happens without it). */
  stopPeer(name: PeerName): Promise<void>;
  /** Pools on a service's schema, for checks a test cannot make through an API. */
  db(schema: string): Postgres;
  /** Every log line every service wrote. */
  logText(): string;
  /** A new customer with a live session. */
  customer(): Promise<{ token: string; userId: string; email: string }>;
  /** A product at `price` cents (EUR) with `stock` units available; its sku. */
  product(options?: { price?: number; stock?: number; weightGrams?: number; name?: string }): Promise<string>;
  available(sku: string): Promise<number>;
  stop(): Promise<void>;
}

/**
 * ZeroRPC with CURVE, as compose and Kubernetes run it: each server a key pair of its own, one
 * client pair for the test's billing, front-end and harness, the only key the servers let in.
 */
function curveKeys() {
  const client = newCurveKeyPair();
  const servers = new Map<string, { publicKey: string; secretKey: string }>();
  return {
    client,
    /** A ZeroRPC server's settings: a free loopback port, its own key, the client's key let in. */
    rpc(service: string) {
      const pair = newCurveKeyPair();
      servers.set(service, pair);
      return {
        RPC_PORT: '0',
        RPC_HOST: '127.0.0.1',
        RPC_CURVE_SECRET_KEY: pair.secretKey,
        RPC_CURVE_ALLOWED_CLIENTS: client.publicKey,
      };
    },
    serverKey: (service: string) => servers.get(service)!.publicKey,
  };
}

/** A new customer, registered and logged in as the front-end does it, from an address of their own. */
async function registerCustomer(
  profilesHttp: HttpClient,
): Promise<{ token: string; userId: string; email: string }> {
  const email = `shopper-${randomUUID()}@example.com`;
  const headers = { [shopperAddressHeader]: uniqueShopperAddress() };
  const registered = await profilesHttp.request('POST', '/users', {
    body: { email, password: customerPassword, name: 'Ada Shopper' },
    headers,
  });
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}`);
  const session = await profilesHttp.request('POST', '/sessions', {
    body: { email, password: customerPassword },
    headers,
  });
  if (session.status !== 201) throw new Error(`log in answered ${session.status}`);
  const body = session.body as { token: string; user: { id: string } };
  return { token: body.token, userId: body.user.id, email };
}

type RpcPeer = 'inventory' | 'shipping' | 'recommendations';

/** A ZeroRPC service's /metrics and probes are on its admin listener. */
function adminUrlsOf(services: Record<RpcPeer, { adminPort: number }>): Record<RpcPeer, string> {
  const url = (name: RpcPeer) => `http://127.0.0.1:${services[name].adminPort}`;
  return { inventory: url('inventory'), shipping: url('shipping'), recommendations: url('recommendations') };
}

/** Shipping's own settings: its REST quote's callers' keys, and a warehouse and carrier in a hurry. */
async function shippingEnv(): Promise<Record<string, string>> {
  return {
    ...(await identityEnv('shipping')),
    DISPATCH_AFTER_MS: '200',
    DELIVER_AFTER_MS: '200',
    SHIPMENT_TICK_INTERVAL_MS: '50',
  };
}

export async function startPeers(infra: TestInfra, options: PeersOptions): Promise<ShopPeers> {
  registerQueues(infra, options.services);
  const captures: LogCapture[] = [];
  const hosts = new Map<PeerName, ServiceHost>();
  const pools = new Map<string, Postgres>();
  const common = {
    DATABASE_URL: infra.db.url,
    DATABASE_POOL_SIZE: '3',
    AMQP_URL: infra.broker.url,
    EVENTS_EXCHANGE: infra.broker.exchange('events'),
    ...options.env,
  };
  // Small pools: a test file runs seven services against one PostgreSQL server.
  const run = { ...common, HTTP_PORT: '0' };
  const { rpc, serverKey, client: curveClient } = curveKeys();
  const logger = (service: string) => {
    const capture = createLogCapture();
    captures.push(capture);
    return { capture, log: createLogger({ service, level: 'debug', destination: capture.destination }) };
  };
  const quiet = (service: string) => ({ log: logger(service).log, signals: false as const });

  const catalog = await startCatalog(
    parseConfig(CatalogConfig, {
      ...run,
      REDIS_URL: infra.redis.url,
      ...(await identityEnv('catalog')),
      REDIS_KEY_PREFIX: `${infra.redis.prefix}catalog:`,
      CATALOG_ADMIN_TOKEN: adminToken,
      SEED_ON_START: 'true',
    }),
    quiet('catalog'),
  );
  hosts.set('catalog', catalog.host);
  const profiles = await startProfiles(
    parseConfig(ProfilesConfig, {
      ...run,
      REDIS_URL: infra.redis.url,
      ...(await identityEnv('profiles')),
      REDIS_KEY_PREFIX: `${infra.redis.prefix}profiles:`,
      SESSION_SECRET: 'test-session-secret-0123456789-0123456789',
      // A test's shoppers come through the storefront from this one machine: its browser clients
      // would all be one address to the registration limit (profiles' own tests cover the limit).
      REGISTRATIONS_PER_ADDRESS: '100000',
      ...options.profilesEnv,
    }),
    quiet('profiles'),
  );
  hosts.set('profiles', profiles.host);
  const inventory = await startInventory(
    parseConfig(InventoryConfig, {
      ...run,
      ...rpc('inventory'),
      SEED_ON_START: String(options.seedStock ?? false),
    }),
    quiet('inventory'),
  );
  hosts.set('inventory', inventory.host);
  const shipping = await startShipping(
    parseConfig(ShippingConfig, { ...run, ...rpc('shipping'), ...(await shippingEnv()) }),
    quiet('shipping'),
  );
  hosts.set('shipping', shipping.host);
  const payment = await startPayment(
    parseConfig(PaymentConfig, {
      ...run,
      ...(await identityEnv('payment')),
      IDEMPOTENCY_SECRET: 'test-payment-secret-0123456789',
      SLOW_CARD_DELAY_MS: String(options.slowCardDelayMs ?? 3000),
    }),
    quiet('payment'),
  );
  hosts.set('payment', payment.host);
  const recommendations = await startRecommendations(
    parseConfig(RecommendationsConfig, { ...run, ...rpc('recommendations') }),
    quiet('recommendations'),
  );
  hosts.set('recommendations', recommendations.host);

  const catalogUrl = `http://127.0.0.1:${catalog.port}`;
  const profilesUrl = `http://127.0.0.1:${profiles.port}`;
  const paymentUrl = `http://127.0.0.1:${payment.port}`;
  const inventoryClient = createRpcClient({
    service: inventoryRpc,
    endpoints: inventory.rpcEndpoint,
    retry: false,
    timeoutMs: 15_000,
    curve: { serverKey: serverKey('inventory'), ...curveClient },
  });
  const catalogHttp = createHttpClient(catalogUrl);
  const profilesHttp = createHttpClient(profilesUrl, { as: 'front-end', audience: 'profiles' });

  return {
    common,
    addresses: {
      CATALOG_URL: catalogUrl,
      PROFILES_URL: profilesUrl,
      PAYMENT_URL: paymentUrl,
      INVENTORY_ADDR: inventory.rpcEndpoint,
      SHIPPING_ADDR: shipping.rpcEndpoint,
      SHIPPING_URL: `http://127.0.0.1:${shipping.adminPort}`,
      RECOMMENDATIONS_ADDR: recommendations.rpcEndpoint,
      RPC_CURVE_PUBLIC_KEY: curveClient.publicKey,
      RPC_CURVE_SECRET_KEY: curveClient.secretKey,
      INVENTORY_CURVE_KEY: serverKey('inventory'),
      SHIPPING_CURVE_KEY: serverKey('shipping'),
      RECOMMENDATIONS_CURVE_KEY: serverKey('recommendations'),
    },
    catalogUrl,
    profilesUrl,
    paymentUrl,
    adminUrls: {
      ...{ catalog: catalogUrl, profiles: profilesUrl, payment: paymentUrl },
      ...adminUrlsOf({ inventory, shipping, recommendations }),
    },
    inventory: inventoryClient,
    logger,
    async stopPeer(name) {
      await hosts.get(name)?.shutdown.close();
      hosts.delete(name);
    },
    db(schema) {
      let pool = pools.get(schema);
      if (pool === undefined) {
        pool = createPostgres({
          url: infra.db.url,
          schema,
          maxConnections: 2,
          log: createLogger({ service: 'test', level: 'silent' }),
        });
        pools.set(schema, pool);
      }
      return pool;
    },
    logText: () => captures.flatMap((capture) => capture.lines()).join(''),
    customer: () => registerCustomer(profilesHttp),
    async product(product = {}) {
      const sku = `TEST-${randomUUID().slice(0, 8).toUpperCase()}`;
      const created = await catalogHttp.request('POST', '/products', {
        token: adminToken,
        body: {
          sku,
          name: product.name ?? `Test product ${sku}`,
          description: 'A product made by a test',
          price: { amount: product.price ?? 1250, currency: 'EUR' },
          category: 'kitchen',
          image: `/images/products/${sku.toLowerCase()}.svg`,
          attributes: { weightGrams: product.weightGrams ?? 400 },
        },
      });
      if (created.status !== 201) {
        throw new Error(`create product answered ${created.status}: ${JSON.stringify(created.body)}`);
      }
      const stock = product.stock ?? 10;
      if (stock > 0) await inventoryClient.methods.restock(sku, stock);
      return sku;
    },
    async available(sku) {
      const levels = await inventoryClient.methods.getStock([sku]);
      return levels[sku] ?? 0;
    },
    async stop() {
      await inventoryClient.close();
      for (const host of [...hosts.values()].reverse()) await host.shutdown.close();
      hosts.clear();
      for (const pool of pools.values()) await pool.end();
    },
  };
}
