// billing's handlers as a pure factory: connections, peers and the saga runner come in, nothing is
// opened here, so tests and main.ts build the same ones. main.ts owns the HTTP listener, the event
// consumers and the saga runner's life.
import type { SubscriptionHandlers } from '@trio/events/consumer';
import type { Express } from 'express';
import type pg from 'pg';
import {
  customerEventHandlers,
  paymentEventHandlers,
  shipmentEventHandlers,
} from './entry-points/events/handlers.ts';
import { billingHttpRoutes, type RouteDeps } from './entry-points/http/routes.ts';

/** The order use cases' dependencies, and profiles to check who calls. */
export type AppDeps = RouteDeps;

export interface App {
  /** For `host.listen`: billing's REST routes. */
  routes: (app: Express) => void;
  /** For the consumer of each subscription, in its inbox transaction. */
  eventHandlers: {
    'billing.customers': SubscriptionHandlers<'billing.customers', pg.PoolClient>;
    'billing.payments': SubscriptionHandlers<'billing.payments', pg.PoolClient>;
    'billing.shipments': SubscriptionHandlers<'billing.shipments', pg.PoolClient>;
  };
}

export function createApp(deps: AppDeps): App {
  return {
    routes: (app) => billingHttpRoutes(app, deps),
    eventHandlers: {
      'billing.customers': customerEventHandlers(),
      'billing.payments': paymentEventHandlers(),
      'billing.shipments': shipmentEventHandlers(),
    },
  };
}
