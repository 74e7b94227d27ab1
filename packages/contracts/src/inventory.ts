// inventory (ZeroRPC, :4242): stock levels and reservations. A reservation holds stock for an
// order until it is committed (the order was confirmed) or released (the saga compensated, or the
// TTL ran out). `reserve`, `commit` and `release` are keyed by order id, so a retry is harmless.
// A sku inventory has never seen simply has 0 units.
import { z } from 'zod';
import { IsoDateTime, LineItem, OrderId, Sku } from './common.ts';
import { defineRpcMethod, defineRpcService } from './rpc.ts';

const Skus = z.array(Sku).min(1, 'must name at least one sku').max(200, 'must name at most 200 skus');

export const StockLevels = z
  .record(Sku, z.int().nonnegative())
  .meta({ id: 'StockLevels', description: 'Available units per requested sku' });
export type StockLevels = z.infer<typeof StockLevels>;

export const Reservation = z
  .object({ orderId: OrderId, lines: z.array(LineItem), expiresAt: IsoDateTime })
  .meta({ id: 'Reservation' });
export type Reservation = z.infer<typeof Reservation>;

const ReserveLines = z
  .array(LineItem)
  .min(1, 'must hold at least one line')
  .max(100, 'must hold at most 100 lines')
  .refine((lines) => new Set(lines.map((line) => line.sku)).size === lines.length, 'must not repeat a sku');

export const inventoryRpc = defineRpcService('inventory', {
  getStock: defineRpcMethod({
    description: 'Available units per sku (stock on hand minus live reservations).',
    args: z.tuple([Skus]),
    argNames: ['skus'],
    result: StockLevels,
    errors: {},
    idempotent: true,
  }),
  reserve: defineRpcMethod({
    description:
      'Hold every line for an order, or nothing. Repeating it for the same order returns the first result.',
    args: z.tuple([
      OrderId,
      ReserveLines,
      z.int().min(1).max(3600).describe('Seconds until the hold lapses'),
    ]),
    argNames: ['orderId', 'lines', 'ttlSeconds'],
    result: Reservation,
    errors: {
      OutOfStock: {
        description:
          'Some skus have fewer units available than asked for (an unknown sku has 0); nothing was reserved',
        details: z.object({ skus: z.array(Sku).min(1) }),
      },
      ReservationConflict: {
        description: 'This order id already holds a reservation with other lines; nothing was changed',
      },
    },
    idempotent: true,
  }),
  commit: defineRpcMethod({
    description: 'Turn the order’s reservation into a sale. Committing twice is a no-op.',
    args: z.tuple([OrderId]),
    argNames: ['orderId'],
    result: z.object({ orderId: OrderId, status: z.literal('committed') }),
    errors: {
      NotFound: { description: 'No reservation for this order' },
      ReservationExpired: { description: 'The reservation lapsed and its stock went back on sale' },
    },
    idempotent: true,
  }),
  release: defineRpcMethod({
    description: 'Give the order’s reserved stock back. Releasing twice, or an unknown order, is a no-op.',
    args: z.tuple([OrderId]),
    argNames: ['orderId'],
    result: z.object({
      orderId: OrderId,
      released: z.boolean().describe('false when there was nothing to release'),
    }),
    errors: {},
    idempotent: true,
  }),
  restock: defineRpcMethod({
    description: 'Add units of a sku (admin); a new sku starts from 0. Not idempotent: each call adds again.',
    args: z.tuple([Sku, z.int().min(1).max(1_000_000)]),
    argNames: ['sku', 'qty'],
    result: z.object({ sku: Sku, available: z.int().nonnegative() }),
    errors: {},
    idempotent: false,
  }),
});

/** Payload of `stock.low`: availability fell to or below the threshold. */
export const StockLow = z
  .object({ sku: Sku, available: z.int().min(1), threshold: z.int().min(1) })
  .meta({ id: 'StockLow' });
export type StockLow = z.infer<typeof StockLow>;

/** Payload of `stock.depleted`: nothing of the sku is available any more. */
export const StockDepleted = z.object({ sku: Sku }).meta({ id: 'StockDepleted' });
export type StockDepleted = z.infer<typeof StockDepleted>;
