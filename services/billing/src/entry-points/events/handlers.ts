// What billing does with other services' events. Each handler runs in the consumer's transaction
// with the event's inbox row, so a redelivered event has one effect.
//   user.registered  → the customer's name and email, for invoices
//   payment.*        → the payment audit trail, for reconciliation against payment's own records
//   shipment.*       → the order's status history (and its shipment id)
import type { SubscriptionHandlers } from '@trio/events/consumer';
import type pg from 'pg';
import { upsertCustomer } from '../../data-access/customers.ts';
import { addHistory, setShipment } from '../../data-access/orders.ts';
import { recordPaymentEvent } from '../../data-access/payment-events.ts';

export function customerEventHandlers(): SubscriptionHandlers<'billing.customers', pg.PoolClient> {
  return {
    'user.registered': async (event, { tx }) => {
      const { userId, email, name } = event.payload;
      await upsertCustomer(tx, { userId, email, name });
    },
  };
}

export function paymentEventHandlers(): SubscriptionHandlers<'billing.payments', pg.PoolClient> {
  const common = (event: { id: string; type: string; occurredAt: string }, orderId: string) => ({
    eventId: event.id,
    orderId,
    type: event.type,
    occurredAt: new Date(event.occurredAt),
  });
  return {
    'payment.authorized': async (event, { tx }) => {
      const { paymentId, orderId, amount, card } = event.payload;
      await recordPaymentEvent(tx, {
        ...common(event, orderId),
        paymentId,
        ...amount,
        detail: `${card.brand} ending ${card.last4}`,
      });
    },
    'payment.captured': async (event, { tx }) => {
      const { paymentId, orderId, amount } = event.payload;
      await recordPaymentEvent(tx, { ...common(event, orderId), paymentId, ...amount, detail: null });
    },
    'payment.failed': async (event, { tx }) => {
      const { orderId, amount, code } = event.payload;
      await recordPaymentEvent(tx, { ...common(event, orderId), paymentId: null, ...amount, detail: code });
    },
    'payment.refunded': async (event, { tx }) => {
      const { paymentId, orderId, amount, refundedTotal } = event.payload;
      await recordPaymentEvent(tx, {
        ...common(event, orderId),
        paymentId,
        ...amount,
        detail: `refunded in total ${refundedTotal.amount}`,
      });
    },
  };
}

export function shipmentEventHandlers(): SubscriptionHandlers<'billing.shipments', pg.PoolClient> {
  return {
    'shipment.created': async (event, { tx, log }) => {
      const { orderId, shipmentId } = event.payload;
      if (!(await setShipment(tx, orderId, shipmentId))) {
        log.warn({ orderId, shipmentId }, 'shipment for an order billing does not know; ignored');
        return;
      }
      await addHistory(tx, orderId, 'shipment_created');
    },
    'shipment.dispatched': async (event, { tx, log }) => {
      await shipmentStep(tx, log, event.payload.orderId, 'shipment_dispatched');
    },
    'shipment.delivered': async (event, { tx, log }) => {
      await shipmentStep(tx, log, event.payload.orderId, 'shipment_delivered');
    },
  };
}

async function shipmentStep(
  tx: pg.PoolClient,
  log: { warn(obj: object, msg: string): void },
  orderId: string,
  state: 'shipment_dispatched' | 'shipment_delivered',
): Promise<void> {
  const { rowCount } = await tx.query('SELECT 1 FROM orders WHERE id = $1', [orderId]);
  if (rowCount === 0) {
    log.warn({ orderId }, 'shipment event for an order billing does not know; ignored');
    return;
  }
  await addHistory(tx, orderId, state);
}
