// A confirmed order gets a shipment. The handler runs in the consumer's transaction with the
// event's inbox row, so a redelivered event creates one shipment; the order id being unique
// covers a confirmation published again under another event id.
import type { SubscriptionHandlers } from '@trio/events/consumer';
import type pg from 'pg';
import { createShipment, type ShippingClock } from '../../domain/shipments.ts';

export function orderEventHandlers(
  clock: ShippingClock,
): SubscriptionHandlers<'shipping.orders', pg.PoolClient> {
  return {
    'order.confirmed': async (event, { tx, log }) => {
      const { orderId } = event.payload;
      const created = await createShipment(tx, event.payload, event.correlationId, clock);
      if (created) log.info({ orderId, eventId: event.id }, 'shipment created');
      else log.info({ orderId, eventId: event.id }, 'order has a shipment already; nothing to do');
    },
  };
}
