// The order side of the shop, in-process, on the test file's own database, Redis prefix and broker
// names: the peers from @trio/shop-testing (catalog, profiles, inventory, shipping, payment,
// recommendations) exactly as their main.ts start them, then billing pointed at them. Tests talk to
// billing over HTTP as the front-end does, and look at the other services through their own APIs.
import { randomUUID } from 'node:crypto';
import type { inventoryRpc } from '@trio/contracts/inventory';
import type { RpcServiceClient } from '@trio/rpc/client';
import { parseConfig } from '@trio/service-runtime/config';
import type { Postgres } from '@trio/service-runtime/postgres';
import { type ShopPeers, startPeers } from '@trio/shop-testing/peers';
import { createHttpClient, type HttpClient, type Reply } from '@trio/testing/http-client';
import { identityEnv } from '@trio/testing/identity';
import type { TestInfra } from '@trio/testing/infra';
import type { LogCapture } from '@trio/testing/logs';
import { Config as BillingConfig } from '../../src/config.ts';
import { type RunningBilling, start as startBilling } from '../../src/main.ts';

export { waitFor } from '@trio/testing/wait';

export const successCard = { number: '4242424242424242', expMonth: 12, expYear: 2099, cvc: '123' };
export const card = (number: string) => ({ ...successCard, number });
export const address = {
  name: 'Ada Lovelace',
  line1: '12 Test Street',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};

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
  peers: ShopPeers;
  inventory: RpcServiceClient<typeof inventoryRpc>;
  catalogUrl: string;
  paymentUrl: string;
  profilesUrl: string;
  /** Pools on each service's schema, for checks a test cannot make through an API. */
  db(schema: 'billing' | 'inventory' | 'payment' | 'shipping'): Postgres;
  /** Every log line every service wrote. */
  logText(): string;
  customer: ShopPeers['customer'];
  product: ShopPeers['product'];
  available: ShopPeers['available'];
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
  const peers = await startPeers(infra, {
    services: ['catalog', 'profiles', 'inventory', 'shipping', 'payment', 'recommendations', 'billing'],
    ...(options.slowCardDelayMs === undefined ? {} : { slowCardDelayMs: options.slowCardDelayMs }),
  });
  const env: Record<string, string> = {
    ...peers.common,
    ...peers.addresses,
    HTTP_PORT: '0',
    IDEMPOTENCY_SECRET: 'test-billing-secret-0123456789',
    ...(await identityEnv('billing')),
    SAGA_SWEEP_INTERVAL_MS: '200',
    ...options.billingEnv,
  };

  const billings: BillingInstance[] = [];
  async function newBilling(extra: Record<string, string> = {}): Promise<BillingInstance> {
    const { capture, log } = peers.logger('billing');
    const running = await startBilling(parseConfig(BillingConfig, { ...env, ...extra }), {
      log,
      signals: false,
    });
    const url = `http://127.0.0.1:${running.port}`;
    let stopped = false;
    const instance: BillingInstance = {
      url,
      running,
      http: createHttpClient(url, { as: 'front-end', audience: 'billing' }),
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

  return {
    infra,
    get billing() {
      if (first === undefined) throw new Error('this shop was started without a billing');
      return first;
    },
    startBilling: newBilling,
    billingEnv: env,
    peers,
    inventory: peers.inventory,
    catalogUrl: peers.catalogUrl,
    paymentUrl: peers.paymentUrl,
    profilesUrl: peers.profilesUrl,
    db: (schema) => peers.db(schema),
    logText: () => peers.logText(),
    customer: () => peers.customer(),
    product: (product) => peers.product(product),
    available: (sku) => peers.available(sku),
    placeOrder(token, body, key = randomUUID(), instance = first) {
      if (instance === undefined) throw new Error('this shop was started without a billing');
      return instance.http.request('POST', '/orders', { token, body, headers: { 'idempotency-key': key } });
    },
    async stop() {
      for (const instance of billings.reverse()) await instance.stop();
      await peers.stop();
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
