// The whole shop in-process for the checkers' tests (`@trio/shop-testing/shop`), and the
// `.trio/shop.json` a launcher would write for it: the checkers then read it exactly as they read a
// shop under `npm start` (its processes' /readyz and /metrics, its database, fault flags and
// queues). The eight services run in the test's one process, which is what `npm start --
// --monolith` documents for its shop.json.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Config as BillingConfig } from '@trio/billing/config';
import { start as startBilling } from '@trio/billing/main';
import { Config as FrontEndConfig } from '@trio/front-end/config';
import { start as startFrontEnd } from '@trio/front-end/main';
import { writeShopState } from '@trio/launcher/state';
import { parseConfig } from '@trio/service-runtime/config';
import type { ShopPeers } from '@trio/shop-testing/peers';
import { type ShopCallers, type ShopStarters, startCallers, startShop } from '@trio/shop-testing/shop';
import type { TestInfra } from '@trio/testing/infra';
import type { LabContext } from '../../src/context.ts';
import type { ShopProcess, ShopState } from '../../src/shop.ts';

export interface LabTestShop {
  peers: ShopPeers;
  /** The storefront. */
  url: string;
  /** Every service's process entry as the launcher writes it, all with this process's pid. */
  processes: ShopProcess[];
  /** A temporary repository root for `.trio/` and `load-reports/`. */
  context: LabContext;
  /**
   * Billing and the front-end started again beside the first ones, with `env` (SHIPPING_TRANSPORT=
   * rest): the shop as `SHIPPING_TRANSPORT=rest npm start` runs it, with the same peers. Stopped
   * with the shop; `processes` is the shop.json entries pointing at them.
   */
  restartCallers(env: Record<string, string>): Promise<ShopCallers & { processes: ShopProcess[] }>;
  stop(): Promise<void>;
}

const starters: ShopStarters = {
  billing: (env, options) => startBilling(parseConfig(BillingConfig, env), options),
  frontEnd: (env, options) => startFrontEnd(parseConfig(FrontEndConfig, env), options),
};

const port = (url: string) => Number(new URL(url).port);

export async function startLabShop(infra: TestInfra): Promise<LabTestShop> {
  const faultsKeyPrefix = `${infra.redis.prefix}faults:`;
  const shop = await startShop(infra, starters, {
    FAULTS_ENABLED: 'true',
    FAULTS_REDIS_URL: infra.redis.url,
    FAULTS_KEY_PREFIX: faultsKeyPrefix,
  });
  const restarted: ShopCallers[] = [];
  const root = mkdtempSync(join(tmpdir(), 'trio-workshop-'));
  const entry = (name: string, httpPort: number, adminPort?: number): ShopProcess => ({
    name,
    pid: process.pid,
    address: '127.0.0.1',
    httpPort,
    ...(adminPort === undefined ? {} : { adminPort }),
  });
  const { peers } = shop;
  const { adminUrls } = peers;
  const processesWith = (callers: ShopCallers) => [
    entry('catalog', port(adminUrls.catalog)),
    entry('profiles', port(adminUrls.profiles)),
    entry('payment', port(adminUrls.payment)),
    entry('inventory', port(adminUrls.inventory)),
    entry('shipping', port(adminUrls.shipping)),
    entry('recommendations', port(adminUrls.recommendations)),
    entry('billing', callers.billingPort),
    entry('front-end', callers.frontEndPort, callers.frontEndAdminPort),
  ];
  return {
    peers,
    url: shop.url,
    processes: processesWith(shop),
    async restartCallers(env) {
      const callers = await startCallers(infra, peers, starters, env);
      restarted.push(callers);
      return { ...callers, processes: processesWith(callers) };
    },
    context: {
      root,
      databaseUrl: infra.db.url,
      amqpUrl: infra.broker.url,
      redisUrl: infra.redis.url,
      faultsKeyPrefix,
      exchange: peers.common.EVENTS_EXCHANGE!,
      containerCli: 'trio-no-such-container-cli',
    },
    async stop() {
      for (const callers of restarted) await callers.stop();
      await shop.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Writes `.trio/shop.json` as the launcher does, for the given processes (and `more`: its exits). */
export function writeShop(
  root: string,
  mode: ShopState['mode'],
  services: ShopProcess[],
  more: Pick<ShopState, 'exits'> = {},
): void {
  writeShopState(root, { mode, launcherPid: process.pid, readyMs: 1000, services, ...more });
}

/** A process that only lives (for a pid that is not the test's: a service run apart, a new replica). */
export function standIn(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120_000)'], { stdio: 'ignore' });
}
