// What billing's order events do to stock: a confirmed order's hold becomes a sale, a cancelled
// order's hold goes back on sale. Each runs in the consumer's transaction with the event's inbox
// row, so a redelivered event has one effect. A reservation in another state than expected is
// logged and the event acknowledged: retrying would not change it.
import type { SubscriptionHandlers } from '@trio/events/consumer';
import type pg from 'pg';
import {
  type CommitOutcome,
  commitReservation,
  type ReleaseOutcome,
  releaseReservation,
} from '../../domain/reservations.ts';
import type { StockSettings } from '../../domain/stock.ts';

const commitMessages: Record<CommitOutcome, [level: 'info' | 'warn', message: string]> = {
  committed: ['info', 'reservation committed'],
  already_committed: ['info', 'reservation already committed; nothing to do'],
  released: ['warn', 'confirmed order’s reservation was released; nothing to commit'],
  expired: ['warn', 'confirmed order’s reservation had lapsed; its stock went back on sale'],
  not_found: ['warn', 'confirmed order has no reservation; nothing to commit'],
};

const releaseMessages: Record<ReleaseOutcome, [level: 'info' | 'warn', message: string]> = {
  released: ['info', 'reservation released'],
  already_released: ['info', 'reservation already released; nothing to do'],
  expired: ['info', 'reservation had expired already; nothing to release'],
  committed: ['warn', 'cancelled order’s reservation was committed; a sale is not undone here'],
  not_found: ['info', 'cancelled order has no reservation; nothing to release'],
};

export function orderEventHandlers(
  settings: StockSettings,
): SubscriptionHandlers<'inventory.orders', pg.PoolClient> {
  return {
    'order.confirmed': async (event, { tx, log }) => {
      const { orderId } = event.payload;
      const [level, message] = commitMessages[await commitReservation(tx, orderId, settings)];
      log[level]({ orderId, eventId: event.id }, message);
    },
    'order.cancelled': async (event, { tx, log }) => {
      const { orderId } = event.payload;
      const [level, message] = releaseMessages[await releaseReservation(tx, orderId, settings)];
      log[level]({ orderId, eventId: event.id }, message);
    },
  };
}
