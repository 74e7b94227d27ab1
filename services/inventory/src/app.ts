// The inventory's handlers as a pure factory: connections come in, nothing is opened here, so
// tests and main.ts build the same ones. main.ts owns the RPC server, the event consumer and the
// sweeper that run them.
import type { Postgres } from '@trio/service-runtime/postgres';
import type { InventoryDeps } from './domain/stock.ts';
import { orderEventHandlers } from './entry-points/events/orders.ts';
import { inventoryHandlers } from './entry-points/rpc/inventory.ts';

export interface AppDeps {
  db: Postgres;
  lowStockThreshold: number;
}

export function createApp(deps: AppDeps) {
  const inventory: InventoryDeps = { db: deps.db, lowStockThreshold: deps.lowStockThreshold };
  return {
    inventory,
    rpcHandlers: inventoryHandlers(inventory),
    eventHandlers: orderEventHandlers(inventory),
  };
}
