// The whole shop in-process: the peers of `./peers`, then billing and the front-end as their
// main.ts start them, on a test file's own infrastructure. Billing and the front-end depend on this
// package for their own tests, so it cannot import them: the test passes their `start` in
// (`(env, options) => startBilling(parseConfig(BillingConfig, env), options)`) and gets the shop.
import { ServiceName } from '@trio/contracts/common';
import type { ServiceHost, StartOptions } from '@trio/service-runtime/service';
import { identityEnv } from '@trio/testing/identity';
import type { TestInfra } from '@trio/testing/infra';
import { type ShopPeers, startPeers } from './peers.ts';

type Starter<T> = (env: Record<string, string>, options: StartOptions) => Promise<T & { host: ServiceHost }>;

export interface ShopStarters {
  billing: Starter<{ port: number }>;
  frontEnd: Starter<{ port: number; adminPort: number }>;
}

export interface InProcessShop {
  peers: ShopPeers;
  /** The storefront. */
  url: string;
  billingPort: number;
  frontEndPort: number;
  frontEndAdminPort: number;
  stop(): Promise<void>;
}

/** `env`: settings every service shares on top of the test's (e.g. fault flags and their prefix). */
export async function startShop(
  infra: TestInfra,
  starters: ShopStarters,
  env: Record<string, string> = {},
): Promise<InProcessShop> {
  const peers = await startPeers(infra, {
    services: ServiceName.options,
    seedStock: true,
    slowCardDelayMs: 300,
    env,
  });
  const started: ServiceHost[] = [];
  const stop = async () => {
    for (const host of started.reverse()) await host.shutdown.close();
    await peers.stop();
  };
  try {
    const shared = { ...peers.common, ...peers.addresses, HTTP_PORT: '0' };
    const billing = await starters.billing(
      {
        ...shared,
        ...(await identityEnv('billing')),
        IDEMPOTENCY_SECRET: 'shop-test-billing-secret-0123456789',
        SAGA_SWEEP_INTERVAL_MS: '200',
      },
      { log: peers.logger('billing').log, signals: false },
    );
    started.push(billing.host);
    const frontEnd = await starters.frontEnd(
      {
        ...shared,
        ...(await identityEnv('front-end')),
        BILLING_URL: `http://127.0.0.1:${billing.port}`,
        REDIS_URL: infra.redis.url,
        REDIS_KEY_PREFIX: `${infra.redis.prefix}front-end:`,
        ADMIN_PORT: '0',
        SESSION_SECRET: 'shop-test-front-end-session-secret-0123456789',
        PANEL_BUDGET_MS: '2000',
      },
      { log: peers.logger('front-end').log, signals: false },
    );
    started.push(frontEnd.host);
    return {
      peers,
      url: `http://127.0.0.1:${frontEnd.port}`,
      billingPort: billing.port,
      frontEndPort: frontEnd.port,
      frontEndAdminPort: frontEnd.adminPort,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
