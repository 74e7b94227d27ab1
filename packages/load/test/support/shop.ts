// The whole shop in-process for the load generator's test: the peers from @trio/shop-testing, then
// billing and the front-end as their main.ts start them, on the test file's own infrastructure.
// The generator talks to it only over HTTP, as it would to `npm start`.
import { Config as BillingConfig } from '@trio/billing/config';
import { start as startBilling } from '@trio/billing/main';
import { ServiceName } from '@trio/contracts/common';
import { Config as FrontEndConfig } from '@trio/front-end/config';
import { start as startFrontEnd } from '@trio/front-end/main';
import { parseConfig } from '@trio/service-runtime/config';
import type { ServiceHost } from '@trio/service-runtime/service';
import { startPeers } from '@trio/shop-testing/peers';
import { identityEnv } from '@trio/testing/identity';
import type { TestInfra } from '@trio/testing/infra';

export interface LoadTestShop {
  url: string;
  /** Where a peer's probes, /metrics and /faults are (catalog, profiles, payment, inventory, shipping, recommendations). */
  adminUrl(service: string): string | undefined;
  stop(): Promise<void>;
}

/** `env`: settings every service shares on top of the test's (the chaos test's fault flags). */
export async function startShop(infra: TestInfra, env: Record<string, string> = {}): Promise<LoadTestShop> {
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
    const billing = await startBilling(
      parseConfig(BillingConfig, {
        ...shared,
        ...(await identityEnv('billing')),
        IDEMPOTENCY_SECRET: 'load-test-billing-secret-0123456789',
        SAGA_SWEEP_INTERVAL_MS: '200',
      }),
      { log: peers.logger('billing').log, signals: false },
    );
    started.push(billing.host);
    const frontEnd = await startFrontEnd(
      parseConfig(FrontEndConfig, {
        ...shared,
        ...(await identityEnv('front-end')),
        BILLING_URL: `http://127.0.0.1:${billing.port}`,
        REDIS_URL: infra.redis.url,
        REDIS_KEY_PREFIX: `${infra.redis.prefix}front-end:`,
        ADMIN_PORT: '0',
        SESSION_SECRET: 'load-test-front-end-session-secret-0123456789',
        PANEL_BUDGET_MS: '2000',
      }),
      { log: peers.logger('front-end').log, signals: false },
    );
    started.push(frontEnd.host);
    const adminUrls: Record<string, string> = peers.adminUrls;
    return {
      url: `http://127.0.0.1:${frontEnd.port}`,
      adminUrl: (service) => adminUrls[service],
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
