// Shipments: created from a confirmed order, then moved on by the ticker (created → dispatched →
// delivered) on the configured clock. Every change writes its event to the outbox in the same
// transaction, after updating the shipment's row, so the events of a shipment go out in order and
// exist exactly when the change committed.
import type { OrderConfirmed } from '@trio/contracts/billing';
import { createEvent } from '@trio/contracts/events';
import type { Shipment } from '@trio/contracts/shipping';
import { publishInTransaction } from '@trio/events/outbox';
import { inTransaction } from '@trio/events/transaction';
import type { Postgres } from '@trio/service-runtime/postgres';
import type pg from 'pg';
import { advanceShipment, findShipment, insertShipment, lockDueShipments } from '../data-access/shipments.ts';
import { shipmentNotFound } from './errors.ts';

export interface ShippingClock {
  /** From created to dispatched. */
  dispatchAfterMs: number;
  /** From dispatched to delivered. */
  deliverAfterMs: number;
}

export interface ShippingDeps extends ShippingClock {
  db: Postgres;
}

/**
 * Creates the order's shipment inside the caller's transaction (the event consumer's); false when
 * the order has one already, e.g. billing published its confirmation again under a new event id.
 */
export async function createShipment(
  tx: pg.PoolClient,
  order: OrderConfirmed,
  correlationId: string,
  clock: ShippingClock,
): Promise<boolean> {
  const { address, service, weightGrams } = order.shipping;
  const shipment = await insertShipment(tx, {
    id: crypto.randomUUID(),
    orderId: order.orderId,
    service,
    country: address.country,
    postalCode: address.postalCode,
    weightGrams,
    correlationId,
    dispatchAfterMs: clock.dispatchAfterMs,
  });
  if (shipment === undefined) return false;
  const event = createEvent(
    'shipment.created',
    { shipmentId: shipment.id, orderId: shipment.orderId, trackingNumber: shipment.trackingNumber, service },
    { correlationId },
  );
  await publishInTransaction(tx, event, { aggregateKey: shipment.id });
  return true;
}

/**
 * Moves up to `limit` due shipments one step on, in one transaction, and returns how many. Replicas
 * ticking at once split the work: each skips the shipments another has locked.
 */
export async function advanceDueShipments(deps: ShippingDeps, limit: number): Promise<number> {
  return inTransaction(deps.db, async (tx) => {
    const due = await lockDueShipments(tx, limit);
    for (const shipment of due) {
      const fact = {
        shipmentId: shipment.id,
        orderId: shipment.orderId,
        trackingNumber: shipment.trackingNumber,
      };
      // The order's correlation id, so the shipment's later events join the order's trail.
      const context = { correlationId: shipment.correlationId };
      if (shipment.status === 'created') {
        await advanceShipment(tx, shipment.id, 'dispatched', deps.deliverAfterMs);
        await publishInTransaction(tx, createEvent('shipment.dispatched', fact, context), {
          aggregateKey: shipment.id,
        });
      } else {
        await advanceShipment(tx, shipment.id, 'delivered', null);
        await publishInTransaction(tx, createEvent('shipment.delivered', fact, context), {
          aggregateKey: shipment.id,
        });
      }
    }
    return due.length;
  });
}

/** The RPC method: the shipment with every status it reached, oldest first. */
export async function track({ db }: ShippingDeps, shipmentId: string): Promise<Shipment> {
  const shipment = await findShipment(db, shipmentId);
  if (shipment === undefined) throw shipmentNotFound(shipmentId);
  return {
    id: shipment.id,
    orderId: shipment.orderId,
    trackingNumber: shipment.trackingNumber,
    service: shipment.service,
    destination: { country: shipment.country, postalCode: shipment.postalCode },
    status: shipment.status,
    history: shipment.history.map(({ status, at }) => ({ status, at: at.toISOString() })),
  };
}
