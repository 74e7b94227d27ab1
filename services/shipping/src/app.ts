// Shipping's handlers as a pure factory: connections come in, nothing is opened here, so tests and
// main.ts build the same ones. main.ts owns the RPC server, the HTTP listener, the event consumer
// and the ticker.
import type { Postgres } from '@trio/service-runtime/postgres';
import type { ShippingDeps } from './domain/shipments.ts';
import { orderEventHandlers } from './entry-points/events/orders.ts';
import { shippingHttpRoutes } from './entry-points/http/quotes.ts';
import { shippingHandlers } from './entry-points/rpc/shipping.ts';

export interface AppDeps {
  db: Postgres;
  dispatchAfterMs: number;
  deliverAfterMs: number;
}

export function createApp(deps: AppDeps) {
  const shipping: ShippingDeps = {
    db: deps.db,
    dispatchAfterMs: deps.dispatchAfterMs,
    deliverAfterMs: deps.deliverAfterMs,
  };
  return {
    shipping,
    rpcHandlers: shippingHandlers(shipping),
    httpRoutes: shippingHttpRoutes,
    eventHandlers: orderEventHandlers(shipping),
  };
}
