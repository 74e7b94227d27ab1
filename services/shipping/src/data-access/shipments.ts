// SQL for shipments and their status history. When a shipment is due to move on is decided by the
// database's clock (`next_step_at <= now()`), the same clock for every replica.
import type { ShipmentStatus } from '@trio/contracts/shipping';
import type pg from 'pg';

export interface NewShipment {
  id: string;
  orderId: string;
  service: 'standard' | 'express';
  country: string;
  postalCode: string;
  weightGrams: number;
  correlationId: string;
  dispatchAfterMs: number;
}

export interface ShipmentRow {
  id: string;
  orderId: string;
  trackingNumber: string;
  service: 'standard' | 'express';
  country: string;
  postalCode: string;
  status: ShipmentStatus;
  correlationId: string;
}

interface Row {
  id: string;
  order_id: string;
  tracking_number: string;
  service: 'standard' | 'express';
  country: string;
  postal_code: string;
  status: ShipmentStatus;
  correlation_id: string;
}

const columns = 'id, order_id, tracking_number, service, country, postal_code, status, correlation_id';

function toShipmentRow(row: Row): ShipmentRow {
  return {
    id: row.id,
    orderId: row.order_id,
    trackingNumber: row.tracking_number,
    service: row.service,
    country: row.country,
    postalCode: row.postal_code,
    status: row.status,
    correlationId: row.correlation_id,
  };
}

/** Inserts a created shipment and its first history row; undefined when the order has one already. */
export async function insertShipment(
  tx: pg.PoolClient,
  shipment: NewShipment,
): Promise<ShipmentRow | undefined> {
  const { rows } = await tx.query<Row>(
    `INSERT INTO shipments (id, order_id, service, country, postal_code, weight_grams, status, next_step_at, correlation_id)
     VALUES ($1, $2, $3, $4, $5, $6, 'created', now() + make_interval(secs => $7 / 1000.0), $8)
     ON CONFLICT (order_id) DO NOTHING
     RETURNING ${columns}`,
    [
      shipment.id,
      shipment.orderId,
      shipment.service,
      shipment.country,
      shipment.postalCode,
      shipment.weightGrams,
      shipment.dispatchAfterMs,
      shipment.correlationId,
    ],
  );
  if (rows[0] === undefined) return undefined;
  await tx.query(`INSERT INTO shipment_history (shipment_id, status) VALUES ($1, 'created')`, [shipment.id]);
  return toShipmentRow(rows[0]);
}

/**
 * Locks up to `limit` shipments due to move on, longest overdue first, skipping those another
 * replica's ticker holds.
 */
export async function lockDueShipments(tx: pg.PoolClient, limit: number): Promise<ShipmentRow[]> {
  const { rows } = await tx.query<Row>(
    `SELECT ${columns} FROM shipments
      WHERE next_step_at <= now()
      ORDER BY next_step_at
      LIMIT $1
        FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  return rows.map(toShipmentRow);
}

/** Moves a locked shipment to `status`, due again after `nextStepAfterMs` (never, when null). */
export async function advanceShipment(
  tx: pg.PoolClient,
  id: string,
  status: ShipmentStatus,
  nextStepAfterMs: number | null,
): Promise<void> {
  await tx.query(
    `UPDATE shipments
        SET status = $2, updated_at = now(),
            next_step_at = now() + make_interval(secs => $3 / 1000.0)
      WHERE id = $1`,
    [id, status, nextStepAfterMs],
  );
  await tx.query('INSERT INTO shipment_history (shipment_id, status) VALUES ($1, $2)', [id, status]);
}

export async function findShipment(
  db: pg.Pool,
  id: string,
): Promise<(ShipmentRow & { history: { status: ShipmentStatus; at: Date }[] }) | undefined> {
  const { rows } = await db.query<Row & { history: { status: ShipmentStatus; at: string }[] }>(
    `SELECT ${columns},
            (SELECT json_agg(json_build_object('status', h.status, 'at', h.at) ORDER BY array_position(ARRAY['created', 'dispatched', 'delivered'], h.status))
               FROM shipment_history h WHERE h.shipment_id = s.id) AS history
       FROM shipments s WHERE id = $1`,
    [id],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    ...toShipmentRow(row),
    history: row.history.map((entry) => ({ status: entry.status, at: new Date(entry.at) })),
  };
}
