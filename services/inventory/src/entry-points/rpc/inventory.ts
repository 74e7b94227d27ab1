// The ZeroRPC methods of `inventoryRpc` (@trio/contracts/inventory). The server checks the
// arguments against each method's tuple before a handler runs, and answers the use cases' errors
// with their contract names; each handler calls one use case.
import type { inventoryRpc } from '@trio/contracts/inventory';
import type { RpcServerHandlers } from '@trio/rpc/server';
import { commit, release, reserve } from '../../domain/reservations.ts';
import { getStock, type InventoryDeps, restock } from '../../domain/stock.ts';

export function inventoryHandlers(deps: InventoryDeps): RpcServerHandlers<typeof inventoryRpc> {
  return {
    getStock: (skus) => getStock(deps, skus),
    reserve: (orderId, lines, ttlSeconds) => reserve(deps, orderId, lines, ttlSeconds),
    commit: (orderId) => commit(deps, orderId),
    release: (orderId) => release(deps, orderId),
    restock: (sku, qty) => restock(deps, sku, qty),
  };
}
