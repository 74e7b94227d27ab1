// The inventory fake: stock per sku in memory (the demo stock levels, what the real inventory
// seeds), and reservations with the real life cycle: reserve (all lines or OutOfStock, repeatable
// for the same order, ReservationConflict for other lines), commit (NotFound without a
// reservation), release (a no-op when there is nothing to release).
// Scenarios: `in-stock` (the demo stock; reservations take from it), `out-of-stock` (every sku has
// 0 units: getStock answers 0, reserve is OutOfStock), plus `slow` and `down`.
import type { inventoryRpc, Reservation } from '@trio/contracts/inventory';
import { initialStock } from '@trio/demo-data/stock';
import { RpcError } from '@trio/rpc/errors';
import type { RpcServerHandlers } from '@trio/rpc/server';
import type { FakeScenarios } from './scenarios.ts';

export const inventoryScenarios: FakeScenarios = {
  fake: 'inventory',
  scenarios: {
    'in-stock': 'the demo stock levels; reserve takes from them, release gives back, commit keeps',
    'out-of-stock': 'every sku has 0 units: reserve answers OutOfStock naming every sku',
  },
};

type Line = { sku: string; qty: number };

export function inventoryHandlers(scenario: () => string): RpcServerHandlers<typeof inventoryRpc> {
  const sold = new Map<string, number>();
  const reservations = new Map<string, Reservation & { status: 'held' | 'committed' }>();
  const held = (sku: string) =>
    [...reservations.values()]
      .filter((r) => r.status === 'held')
      .flatMap((r) => r.lines)
      .filter((line) => line.sku === sku)
      .reduce((sum, line) => sum + line.qty, 0);
  const available = (sku: string) =>
    scenario() === 'out-of-stock' ? 0 : Math.max(0, initialStock(sku) - (sold.get(sku) ?? 0) - held(sku));
  const sameLines = (a: Line[], b: Line[]) =>
    JSON.stringify([...a].sort((x, y) => x.sku.localeCompare(y.sku))) ===
    JSON.stringify([...b].sort((x, y) => x.sku.localeCompare(y.sku)));
  return {
    getStock: async (skus) => Object.fromEntries(skus.map((sku) => [sku, available(sku)])),
    reserve: async (orderId, lines, ttlSeconds) => {
      const existing = reservations.get(orderId);
      if (existing !== undefined) {
        if (!sameLines(existing.lines, lines))
          throw new RpcError('ReservationConflict', 'This order holds a reservation with other lines');
        return { orderId, lines: existing.lines, expiresAt: existing.expiresAt };
      }
      const short = lines.filter((line) => available(line.sku) < line.qty).map((line) => line.sku);
      if (short.length > 0)
        throw new RpcError('OutOfStock', `Not enough stock of ${short.join(', ')}`, { skus: short });
      const reservation = {
        orderId,
        lines,
        expiresAt: new Date(Date.now() + ttlSeconds * 1000).toISOString(),
      };
      reservations.set(orderId, { ...reservation, status: 'held' });
      return reservation;
    },
    commit: async (orderId) => {
      const reservation = reservations.get(orderId);
      if (reservation === undefined) throw new RpcError('NotFound', 'No reservation for this order');
      if (reservation.status === 'held') {
        for (const line of reservation.lines) sold.set(line.sku, (sold.get(line.sku) ?? 0) + line.qty);
        reservation.status = 'committed';
      }
      return { orderId, status: 'committed' as const };
    },
    release: async (orderId) => {
      const reservation = reservations.get(orderId);
      const released = reservation?.status === 'held';
      if (released) reservations.delete(orderId);
      return { orderId, released };
    },
    restock: async (sku, qty) => {
      sold.set(sku, (sold.get(sku) ?? 0) - qty);
      return { sku, available: available(sku) };
    },
  };
}
