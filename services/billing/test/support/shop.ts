// The order side of the shop, in-process, on the test file's own database, Redis prefix and broker
// names: catalog, profiles, inventory, shipping and payment exactly as their main.ts start them,
// then billing pointed at them. Tests talk to billing over HTTP as the front-end does, and look at
// the other services through their own APIs (inventory's stock over ZeroRPC, payment over REST).
import { randomUUID } from 'node:crypto';
import { Config as CatalogConfig } from '@trio/catalog/config';
import { start as startCatalog } from '@trio/catalog/main';
import type { ServiceName } from '@trio/contracts/common';
import { eventSubscriptions, type SubscriptionName } from '@trio/contracts/events';
import { inventoryRpc } from '@trio/contracts/inventory';
import {
  deadLetterQueueName,
  defaultRetryDelaysMs,
  retryQueueName,
  subscriptionsFedBy,
} from '@trio/events/topology';
import { Config as InventoryConfig } from '@trio/inventory/config';
import { start as startInventory } from '@trio/inventory/main';
import { Config as PaymentConfig } from '@trio/payment/config';
import { start as startPayment } from '@trio/payment/main';
import { Config as ProfilesConfig } from '@trio/profiles/config';
import { start as startProfiles } from '@trio/profiles/main';
import { createRpcClient, type RpcServiceClient } from '@trio/rpc/client';
import { parseConfig } from '@trio/service-runtime/config';
import { createLogger } from '@trio/service-runtime/logger';
import { createPostgres, type Postgres } from '@trio/service-runtime/postgres';
import type { ServiceHost } from '@trio/service-runtime/service';
import { Config as ShippingConfig } from '@trio/shipping/config';
import { start as startShipping } from '@trio/shipping/main';
import { createHttpClient, type HttpClient, type Reply } from '@trio/testing/http-client';
import type { TestInfra } from '@trio/testing/infra';
import { createLogCapture, type LogCapture } from '@trio/testing/logs';
import { Config as BillingConfig } from '../../src/config.ts';
import { type RunningBilling, start as startBilling } from '../../src/main.ts';

export { waitFor } from '@trio/testing/wait';

export const adminToken = 'test-catalog-admin-token-0123456789';
export const successCard = { number: '4242424242424242', expMonth: 12, expYear: 2099, cvc: '123' };
export const card = (number: string) => ({ ...successCard, number });
export const address = {
  name: 'Ada Lovelace',
  line1: '12 Test Street',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};

const services = ['catalog', 'profiles', 'inventory', 'shipping', 'payment', 'billing'] as const;

/**
 * Names every queue the started services declare through the broker, so that the file's drop()
 * deletes them: those their events feed, and the consumers' own with retry tiers and DLQ. Off the
 * shop's exchange every queue name is prefixed with `<exchange>.`.
 */
function registerQueues(infra: TestInfra): void {
  const queues = new Set<string>();
  for (const service of services) {
    for (const subscription of subscriptionsFedBy(service as ServiceName)) queues.add(subscription);
  }
  const consumed = (Object.keys(eventSubscriptions) as SubscriptionName[]).filter((name) =>
    (['billing', 'inventory', 'shipping'] as string[]).includes(eventSubscriptions[name].service),
  );
  for (const subscription of consumed) {
    queues.add(subscription);
    for (const delay of defaultRetryDelaysMs)
      infra.broker.queue(retryQueueName(`events.${subscription}`, delay));
  }
  for (const subscription of queues) {
    infra.broker.queue(`events.${subscription}`);
    infra.broker.queue(deadLetterQueueName(`events.${subscription}`));
  }
}

export interface BillingInstance {
  url: string;
  running: RunningBilling;
  http: HttpClient;
  capture: LogCapture;
  stop(): Promise<void>;
}

export interface TestShop {
  infra: TestInfra;
  billing: BillingInstance;
  /** Starts another billing on the same database and peers (a restart, or a second replica). */
  startBilling(env?: Record<string, string>): Promise<BillingInstance>;
  /** The environment billing is started with: every peer's address. */
  billingEnv: Record<string, string>;
  inventory: RpcServiceClient<typeof inventoryRpc>;
  catalogUrl: string;
  paymentUrl: string;
  profilesUrl: string;
  /** Pools on each service's schema, for checks a test cannot make through an API. */
  db(schema: 'billing' | 'inventory' | 'payment' | 'shipping'): Postgres;
  /** Every log line every service wrote. */
  logText(): string;
  /** A new customer with a live session. */
  customer(): Promise<{ token: string; userId: string; email: string }>;
  /** A product at `price` cents (EUR) with `stock` units available. */
  product(options?: { price?: number; stock?: number; weightGrams?: number; name?: string }): Promise<string>;
  available(sku: string): Promise<number>;
  /** POST /orders on `instance` (the first billing by default) under `key` (a new one by default). */
  placeOrder(token: string, body: unknown, key?: string, instance?: BillingInstance): Promise<Reply>;
  stop(): Promise<void>;
}

export interface ShopOptions {
  /** Extra variables for every billing this shop starts. */
  billingEnv?: Record<string, string>;
  /** Payment's slow test card delay; 3 s as documented by default. */
  slowCardDelayMs?: number;
  /** false: no billing at first (the test starts its own with startBilling). */
  startBilling?: boolean;
}

export async function startShop(infra: TestInfra, options: ShopOptions = {}): Promise<TestShop> {
  const billingEnv = options.billingEnv ?? {};
  registerQueues(infra);
  const captures: LogCapture[] = [];
  const hosts: ServiceHost[] = [];
  const pools: Postgres[] = [];
  const common = {
    DATABASE_URL: infra.db.url,
    AMQP_URL: infra.broker.url,
    EVENTS_EXCHANGE: infra.broker.exchange('events'),
    HTTP_PORT: '0',
  };
  const logger = (service: string) => {
    const capture = createLogCapture();
    captures.push(capture);
    return { capture, log: createLogger({ service, level: 'debug', destination: capture.destination }) };
  };

  const catalog = await startCatalog(
    parseConfig(CatalogConfig, {
      ...common,
      REDIS_URL: infra.redis.url,
      REDIS_KEY_PREFIX: `${infra.redis.prefix}catalog:`,
      CATALOG_ADMIN_TOKEN: adminToken,
      // The demo catalogue brings the categories products belong to.
      SEED_ON_START: 'true',
    }),
    { log: logger('catalog').log, signals: false },
  );
  hosts.push(catalog.host);
  const profiles = await startProfiles(
    parseConfig(ProfilesConfig, {
      ...common,
      REDIS_URL: infra.redis.url,
      REDIS_KEY_PREFIX: `${infra.redis.prefix}profiles:`,
      SESSION_SECRET: 'test-session-secret-0123456789-0123456789',
    }),
    { log: logger('profiles').log, signals: false },
  );
  hosts.push(profiles.host);
  const inventory = await startInventory(
    parseConfig(InventoryConfig, { ...common, RPC_PORT: '0', RPC_HOST: '127.0.0.1' }),
    { log: logger('inventory').log, signals: false },
  );
  hosts.push(inventory.host);
  const shipping = await startShipping(
    parseConfig(ShippingConfig, {
      ...common,
      RPC_PORT: '0',
      RPC_HOST: '127.0.0.1',
      DISPATCH_AFTER_MS: '200',
      DELIVER_AFTER_MS: '200',
      SHIPMENT_TICK_INTERVAL_MS: '50',
    }),
    { log: logger('shipping').log, signals: false },
  );
  hosts.push(shipping.host);
  const payment = await startPayment(
    parseConfig(PaymentConfig, {
      ...common,
      IDEMPOTENCY_SECRET: 'test-payment-secret-0123456789',
      SLOW_CARD_DELAY_MS: String(options.slowCardDelayMs ?? 3000),
    }),
    { log: logger('payment').log, signals: false },
  );
  hosts.push(payment.host);

  const catalogUrl = `http://127.0.0.1:${catalog.port}`;
  const profilesUrl = `http://127.0.0.1:${profiles.port}`;
  const paymentUrl = `http://127.0.0.1:${payment.port}`;
  const env: Record<string, string> = {
    ...common,
    CATALOG_URL: catalogUrl,
    PROFILES_URL: profilesUrl,
    PAYMENT_URL: paymentUrl,
    INVENTORY_ADDR: inventory.rpcEndpoint,
    SHIPPING_ADDR: shipping.rpcEndpoint,
    IDEMPOTENCY_SECRET: 'test-billing-secret-0123456789',
    SAGA_SWEEP_INTERVAL_MS: '200',
    ...billingEnv,
  };

  const billings: BillingInstance[] = [];
  async function newBilling(extra: Record<string, string> = {}): Promise<BillingInstance> {
    const { capture, log } = logger('billing');
    const running = await startBilling(parseConfig(BillingConfig, { ...env, ...extra }), {
      log,
      signals: false,
    });
    const url = `http://127.0.0.1:${running.port}`;
    let stopped = false;
    const instance: BillingInstance = {
      url,
      running,
      http: createHttpClient(url),
      capture,
      async stop() {
        if (stopped) return;
        stopped = true;
        await running.host.shutdown.close();
      },
    };
    billings.push(instance);
    return instance;
  }
  const first = options.startBilling === false ? undefined : await newBilling();

  const inventoryClient = createRpcClient({
    service: inventoryRpc,
    endpoints: inventory.rpcEndpoint,
    retry: false,
    timeoutMs: 15_000,
  });
  const catalogHttp = createHttpClient(catalogUrl);
  const profilesHttp = createHttpClient(profilesUrl);
  const schemaPools = new Map<string, Postgres>();

  return {
    infra,
    get billing() {
      if (first === undefined) throw new Error('this shop was started without a billing');
      return first;
    },
    startBilling: newBilling,
    billingEnv: env,
    inventory: inventoryClient,
    catalogUrl,
    paymentUrl,
    profilesUrl,
    db(schema) {
      let pool = schemaPools.get(schema);
      if (pool === undefined) {
        pool = createPostgres({
          url: infra.db.url,
          schema,
          log: createLogger({ service: 'test', level: 'silent' }),
        });
        schemaPools.set(schema, pool);
        pools.push(pool);
      }
      return pool;
    },
    logText: () => captures.flatMap((capture) => capture.lines()).join(''),
    async customer() {
      const email = `shopper-${randomUUID()}@example.com`;
      const registered = await profilesHttp.request('POST', '/users', {
        body: { email, password: 'correct horse battery', name: 'Ada Shopper' },
      });
      if (registered.status !== 201) throw new Error(`register answered ${registered.status}`);
      const session = await profilesHttp.request('POST', '/sessions', {
        body: { email, password: 'correct horse battery' },
      });
      if (session.status !== 201) throw new Error(`log in answered ${session.status}`);
      const body = session.body as { token: string; user: { id: string } };
      return { token: body.token, userId: body.user.id, email };
    },
    async product(options = {}) {
      const sku = `TEST-${randomUUID().slice(0, 8).toUpperCase()}`;
      const created = await catalogHttp.request('POST', '/products', {
        token: adminToken,
        body: {
          sku,
          name: options.name ?? `Test product ${sku}`,
          description: 'A product made by a test',
          price: { amount: options.price ?? 1250, currency: 'EUR' },
          category: 'kitchen',
          image: `/images/products/${sku.toLowerCase()}.svg`,
          attributes: { weightGrams: options.weightGrams ?? 400 },
        },
      });
      if (created.status !== 201)
        throw new Error(`create product answered ${created.status}: ${JSON.stringify(created.body)}`);
      const stock = options.stock ?? 10;
      if (stock > 0) await inventoryClient.methods.restock(sku, stock);
      return sku;
    },
    async available(sku) {
      const levels = await inventoryClient.methods.getStock([sku]);
      return levels[sku] ?? 0;
    },
    placeOrder(token, body, key = randomUUID(), instance = first) {
      if (instance === undefined) throw new Error('this shop was started without a billing');
      return instance.http.request('POST', '/orders', { token, body, headers: { 'idempotency-key': key } });
    },
    async stop() {
      await inventoryClient.close();
      for (const instance of billings.reverse()) await instance.stop();
      for (const host of hosts.reverse()) await host.shutdown.close();
      for (const pool of pools) await pool.end();
    },
  };
}

/** A checkout body for `skus` (one unit each unless given) paid with `cardNumber`. */
export function checkout(
  lines: { sku: string; qty?: number }[],
  cardNumber = successCard.number,
  shipping: 'standard' | 'express' = 'standard',
) {
  return {
    lines: lines.map((line) => ({ sku: line.sku, qty: line.qty ?? 1 })),
    address,
    shipping,
    payment: { type: 'card', card: card(cardNumber) },
  };
}
