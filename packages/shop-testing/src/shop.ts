// The whole shop in-process: the peers of `./peers`, then billing and the front-end as their
// main.ts start them (startCallers, which a test may call again with other settings), on a test file's own infrastructure. Billing and the front-end depend on this
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

/** Billing and the front-end of a shop, started against its peers. */
export interface ShopCallers {
  /** The storefront. */
  url: string;
  billingPort: number;
  frontEndPort: number;
  frontEndAdminPort: number;
  stop(): Promise<void>;
}

/**
 * Billing and the front-end against `peers`, with `env` on top of their settings (e.g.
 * SHIPPING_TRANSPORT=rest): what startShop starts after the peers, and what a test starts again to
 * see the shop restarted with other settings.
 */
export async function startCallers(
  infra: TestInfra,
  peers: ShopPeers,
  starters: ShopStarters,
  env: Record<string, string> = {},
): Promise<ShopCallers> {
  const started: ServiceHost[] = [];
  const stop = async () => {
    for (const host of started.reverse()) await host.shutdown.close();
  };
  try {
    const shared = { ...peers.common, ...peers.addresses, HTTP_PORT: '0' };
    const billing = await starters.billing(
      {
        ...shared,
        ...(await identityEnv('billing')),
        IDEMPOTENCY_SECRET: 'shop-test-billing-secret-0123456789',
        SAGA_SWEEP_INTERVAL_MS: '200',
        ...env,
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
        ...env,
      },
      { log: peers.logger('front-end').log, signals: false },
    );
    started.push(frontEnd.host);
    return {
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

export interface InProcessShop extends ShopCallers {
  peers: ShopPeers;
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
  try {
    const callers = await startCallers(infra, peers, starters);
    return {
      ...callers,
      peers,
      async stop() {
        await callers.stop();
        await peers.stop();
      },
    };
  } catch (error) {
    await peers.stop();
    throw error;
  }
}
