// The whole shop in-process for the load generator's test (`@trio/shop-testing/shop`), on the test
// file's own infrastructure. The generator talks to it only over HTTP, as it would to `npm start`.
import { Config as BillingConfig } from '@trio/billing/config';
import { start as startBilling } from '@trio/billing/main';
import { Config as FrontEndConfig } from '@trio/front-end/config';
import { start as startFrontEnd } from '@trio/front-end/main';
import { parseConfig } from '@trio/service-runtime/config';
import { type InProcessShop, startShop as startInProcessShop } from '@trio/shop-testing/shop';
import type { TestInfra } from '@trio/testing/infra';

export interface LoadTestShop extends InProcessShop {
  /** Where a peer's probes, /metrics and /faults are (catalog, profiles, payment, inventory, shipping, recommendations). */
  adminUrl(service: string): string | undefined;
}

/** `env`: settings every service shares on top of the test's (the chaos test's fault flags). */
export function startShop(infra: TestInfra, env: Record<string, string> = {}): Promise<LoadTestShop> {
  return startInProcessShop(
    infra,
    {
      billing: (settings, options) => startBilling(parseConfig(BillingConfig, settings), options),
      frontEnd: (settings, options) => startFrontEnd(parseConfig(FrontEndConfig, settings), options),
    },
    env,
  ).then((shop) => {
    const adminUrls: Record<string, string> = shop.peers.adminUrls;
    return { ...shop, adminUrl: (service: string) => adminUrls[service] };
  });
}
