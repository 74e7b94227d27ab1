// The monolith's process (see monolith.ts): starts the services named in TRIO_MONOLITH_SERVICES,
// each with exactly the `start` its own main.ts runs and its own settings (memberEnv), callees
// before callers, and stops them on SIGTERM/SIGINT in the shop's stop order, callers first. A
// service that fails to start, or shuts down on a catastrophic error, takes the process down with
// it: the launcher restarts the monolith as it would restart a service.
import { Config as BillingConfig } from '@trio/billing/config';
import { start as startBilling } from '@trio/billing/main';
import { Config as CatalogConfig } from '@trio/catalog/config';
import { start as startCatalog } from '@trio/catalog/main';
import { Config as FrontEndConfig } from '@trio/front-end/config';
import { start as startFrontEnd } from '@trio/front-end/main';
import { Config as InventoryConfig } from '@trio/inventory/config';
import { start as startInventory } from '@trio/inventory/main';
import { Config as PaymentConfig } from '@trio/payment/config';
import { start as startPayment } from '@trio/payment/main';
import { Config as ProfilesConfig } from '@trio/profiles/config';
import { start as startProfiles } from '@trio/profiles/main';
import { Config as RecommendationsConfig } from '@trio/recommendations/config';
import { start as startRecommendations } from '@trio/recommendations/main';
import { LogLevel, loadConfig } from '@trio/service-runtime/config';
import { createLogger } from '@trio/service-runtime/logger';
import type { ServiceHost, StartOptions } from '@trio/service-runtime/service';
import { Config as ShippingConfig } from '@trio/shipping/config';
import { start as startShipping } from '@trio/shipping/main';
import { memberEnv, membersVariable } from './monolith.ts';
import { services, stopOrder } from './services.ts';

type Env = Record<string, string>;
type Starter = (env: Env, options: StartOptions) => Promise<{ host: ServiceHost }>;

/** Each service's own config schema and start, as its main.ts uses them. */
const starters: Record<string, Starter> = {
  catalog: (env, options) => startCatalog(loadConfig(CatalogConfig, env), options),
  profiles: (env, options) => startProfiles(loadConfig(ProfilesConfig, env), options),
  payment: (env, options) => startPayment(loadConfig(PaymentConfig, env), options),
  inventory: (env, options) => startInventory(loadConfig(InventoryConfig, env), options),
  shipping: (env, options) => startShipping(loadConfig(ShippingConfig, env), options),
  recommendations: (env, options) => startRecommendations(loadConfig(RecommendationsConfig, env), options),
  billing: (env, options) => startBilling(loadConfig(BillingConfig, env), options),
  'front-end': (env, options) => startFrontEnd(loadConfig(FrontEndConfig, env), options),
};

const root = new URL('../../../', import.meta.url).pathname;
const names = (process.env[membersVariable] ?? '').split(',').filter((name) => name !== '');
const members = services.filter((service) => names.includes(service.name)).map((service) => service.name);
const hosts = new Map<string, ServiceHost>();
let stopping: Promise<void> | undefined;

/**
 * Every started service, group by group in the shop's stop order (callers first), each as its own
 * process would shut down (its closers in reverse, `shutdown complete`); then the process exits.
 */
function stopAll(reason: string, code: number): Promise<void> {
  stopping ??= (async () => {
    for (const group of stopOrder) {
      await Promise.all(group.map((name) => hosts.get(name)?.shutdown.shutdown(reason, code)));
    }
    process.exit(code);
  })();
  return stopping;
}

/** One service: started as its main.ts starts it; its own shutdown (a catastrophic error) stops them all. */
async function startMember(name: string): Promise<void> {
  const starter = starters[name];
  if (starter === undefined) throw new Error(`no service "${name}"`);
  const env = memberEnv(root, name, members, process.env);
  const { host } = await starter(env, {
    // Every service's lines through the one process.stdout, so that they keep the order they were
    // written in (a logger of its own each would buffer apart, and one service's lines could
    // overtake another's: a stop order read from the log would lie).
    log: createLogger({
      service: name,
      level: LogLevel.safeParse(env.LOG_LEVEL).data ?? 'info',
      destination: process.stdout,
    }),
    signals: false,
    // Its own shutdown has ended (a catastrophic error, the `crash` fault): the others follow.
    exit: (code) => void stopAll(`${name} stopped`, code),
  });
  hosts.set(name, host);
}

if (members.length === 0) {
  process.stderr.write(`${membersVariable} names no service of the shop\n`);
  process.exit(1);
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void stopAll(signal, 0));
// Callees first (the order of `services`): a caller's first call finds its peer served. The services
// nobody in the monolith calls before they are ready start side by side.
const callers = new Set(['billing', 'front-end']);
try {
  await Promise.all(members.filter((name) => !callers.has(name)).map(startMember));
  for (const name of members.filter((name) => callers.has(name))) await startMember(name);
} catch (error) {
  process.stderr.write(`the monolith could not start: ${error instanceof Error ? error.stack : error}\n`);
  await stopAll('start failed', 1);
}
