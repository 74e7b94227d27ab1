// The fakes a service needs to run alone: one per peer and transport that its own settings name
// (`CATALOG_URL` → the catalog REST fake, `INVENTORY_ADDR` → the inventory ZeroRPC fake), each on
// a free loopback port, with the settings that point the service at them. Each REST fake checks
// callers exactly as the real service does: with the real service's settings (its .env.example's
// `<CALLER>_PUBLIC_KEY`s), so the consumer's own dev key signs its calls as in the real shop.
// Refused with NODE_ENV=production: the fakes know a fixed dev session.

import { billingRoutes } from '@trio/contracts/billing';
import { catalogRoutes } from '@trio/contracts/catalog';
import { ServiceName } from '@trio/contracts/common';
import type { RouteDefinition } from '@trio/contracts/http';
import { inventoryRpc } from '@trio/contracts/inventory';
import { paymentRoutes } from '@trio/contracts/payment';
import { profilesRoutes } from '@trio/contracts/profiles';
import { recommendationsRpc } from '@trio/contracts/recommendations';
import type { RpcServiceDefinition } from '@trio/contracts/rpc';
import { shippingRoutes, shippingRpc } from '@trio/contracts/shipping';
import { callerKeysFrom, createCallerVerifier, PublicKeySet } from '@trio/service-runtime/identity';
import { createLogger, type Logger } from '@trio/service-runtime/logger';
import { billingHandlers, billingScenarios } from './billing.ts';
import { catalogHandlers, catalogScenarios } from './catalog.ts';
import { inventoryHandlers, inventoryScenarios } from './inventory.ts';
import { paymentHandlers, paymentScenarios } from './payment.ts';
import { profilesHandlers, profilesScenarios } from './profiles.ts';
import { recommendationsHandlers, recommendationsScenarios } from './recommendations.ts';
import { type RestHandlers, startRestFake } from './rest.ts';
import { startRpcFake } from './rpc.ts';
import { type FakeScenarios, ScenarioBoard, serveControl } from './scenarios.ts';
import { devSessionToken, SessionBook } from './sessions.ts';
import { shippingHandlers, shippingRestHandlers, shippingScenarios } from './shipping.ts';

type RouteTable = Readonly<Record<string, RouteDefinition>>;

interface RestFakeSpec {
  routes: RouteTable;
  scenarios: FakeScenarios;
  handlers(sessions: SessionBook): RestHandlers<RouteTable>;
}

interface RpcFakeSpec {
  service: RpcServiceDefinition;
  scenarios: FakeScenarios;
  handlers(scenario: () => string): never;
}

function rest<T extends RouteTable>(
  routes: T,
  scenarios: FakeScenarios,
  handlers: (sessions: SessionBook) => RestHandlers<T>,
): RestFakeSpec {
  return { routes, scenarios, handlers: handlers as RestFakeSpec['handlers'] };
}

/** Every fake there is, by the service it stands in for. */
export const restFakes: Readonly<Record<string, RestFakeSpec>> = {
  catalog: rest(catalogRoutes, catalogScenarios, () => catalogHandlers()),
  profiles: rest(profilesRoutes, profilesScenarios, profilesHandlers),
  payment: rest(paymentRoutes, paymentScenarios, () => paymentHandlers()),
  billing: rest(billingRoutes, billingScenarios, billingHandlers),
  // Shipping's quote over REST (SHIPPING_URL), beside its ZeroRPC fake: one scenario switches both.
  shipping: rest(shippingRoutes, shippingScenarios, () => shippingRestHandlers()),
};

export const rpcFakes: Readonly<Record<string, RpcFakeSpec>> = {
  inventory: { service: inventoryRpc, scenarios: inventoryScenarios, handlers: inventoryHandlers as never },
  shipping: { service: shippingRpc, scenarios: shippingScenarios, handlers: shippingHandlers as never },
  recommendations: {
    service: recommendationsRpc,
    scenarios: recommendationsScenarios,
    handlers: recommendationsHandlers as never,
  },
};

export interface StartFakesOptions {
  /** The service that will call the fakes. */
  consumer: string;
  /** A service's settings as the launcher computes them (.env.example, .env, environment). */
  envOf(service: string): Record<string, string>;
  /** NODE_ENV=production: refused. */
  production?: boolean;
  log?: Logger;
  /** The control server's port; a free one by default. */
  controlPort?: number;
}

export interface RunningFakes {
  /** Settings for the consumer: its peers' variables pointing at the fakes. */
  env: Record<string, string>;
  controlUrl: string;
  board: ScenarioBoard;
  sessions: SessionBook;
  describe(): string[];
  close(): Promise<void>;
}

const prefixOf = (service: string) => service.toUpperCase().replace(/-/g, '_');

/** The verifier the real `service` would use: its settings' public keys of its callers. */
function verifierOf(service: ServiceName, env: Record<string, string>) {
  const keys: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.endsWith('_PUBLIC_KEY')) keys[name] = PublicKeySet.parse(value);
  }
  return createCallerVerifier(service, callerKeysFrom(keys));
}

export async function startFakes(options: StartFakesOptions): Promise<RunningFakes> {
  if (options.production === true) {
    throw new Error('The fakes do not run with NODE_ENV=production: they accept a fixed dev session');
  }
  const log =
    options.log ??
    createLogger({ service: 'fakes', level: (process.env.FAKES_LOG_LEVEL ?? 'warn') as 'warn' });
  const consumerEnv = options.envOf(options.consumer);
  const board = new ScenarioBoard();
  const sessions = new SessionBook();
  const env: Record<string, string> = {};
  const closers: (() => Promise<void>)[] = [];
  const lines: string[] = [];
  for (const peer of ServiceName.options.filter((name) => name !== options.consumer)) {
    const rest = restFakes[peer];
    if (rest !== undefined && consumerEnv[`${prefixOf(peer)}_URL`] !== undefined) {
      board.register(rest.scenarios);
      const fake = await startRestFake({
        service: peer,
        routes: rest.routes,
        handlers: rest.handlers(sessions),
        board,
        sessions,
        verifier: verifierOf(peer, options.envOf(peer)),
        log,
      });
      env[`${prefixOf(peer)}_URL`] = fake.url;
      closers.push(fake.close);
      lines.push(`${peer.padEnd(16)} REST    ${fake.url}`);
    }
    const rpc = rpcFakes[peer];
    if (rpc !== undefined && consumerEnv[`${prefixOf(peer)}_ADDR`] !== undefined) {
      board.register(rpc.scenarios);
      const fake = await startRpcFake({
        service: rpc.service,
        handlers: rpc.handlers,
        board,
        log,
        env: options.envOf(peer),
      });
      env[`${prefixOf(peer)}_ADDR`] = fake.endpoint;
      closers.push(fake.close);
      lines.push(`${peer.padEnd(16)} ZeroRPC ${fake.endpoint}`);
    }
  }
  const control = await serveControl(board, options.controlPort);
  closers.push(() => new Promise<void>((resolve) => control.server.close(() => resolve())));
  return {
    env,
    controlUrl: control.url,
    board,
    sessions,
    describe: () => [
      ...lines,
      ...board
        .list()
        .map(
          (fake) =>
            `${fake.fake.padEnd(16)} scenarios: ${Object.keys(fake.scenarios).join(', ')} (now ${fake.current})`,
        ),
      `switch one: curl -X PUT ${control.url}/scenarios/<fake>/<scenario>   list: curl ${control.url}/scenarios`,
      `dev session: Authorization: Bearer ${devSessionToken}`,
    ],
    close: async () => {
      for (const close of closers.reverse()) await close();
    },
  };
}
