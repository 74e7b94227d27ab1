// SQL for reservations: one row per order. Whether a hold has lapsed is decided by the database's
// clock (`expires_at <= now()`), the same clock for every replica.
import type { LineItem } from '@trio/contracts/common';
import type pg from 'pg';

export type ReservationStatus = 'held' | 'committed' | 'released' | 'expired';

export interface ReservationRow {
  orderId: string;
  lines: LineItem[];
  status: ReservationStatus;
  expiresAt: Date;
  /** Held past its expiry, not swept yet. */
  lapsed: boolean;
}

interface Row {
  order_id: string;
  lines: LineItem[];
  status: ReservationStatus;
  expires_at: Date;
  lapsed: boolean;
}

const columns = 'order_id, lines, status, expires_at, (expires_at <= now()) AS lapsed';

function toReservationRow(row: Row): ReservationRow {
  return {
    orderId: row.order_id,
    lines: row.lines,
    status: row.status,
    expiresAt: row.expires_at,
    lapsed: row.lapsed,
  };
}

/**
 * Inserts a held reservation unless the order has one; undefined when it has. A concurrent insert
 * for the same order makes this wait for that transaction to end.
 */
export async function insertReservation(
  tx: pg.PoolClient,
  orderId: string,
  lines: readonly LineItem[],
  ttlSeconds: number,
): Promise<ReservationRow | undefined> {
  const { rows } = await tx.query<Row>(
    `INSERT INTO reservations (order_id, lines, status, expires_at)
     VALUES ($1, $2, 'held', now() + make_interval(secs => $3))
     ON CONFLICT (order_id) DO NOTHING
     RETURNING ${columns}`,
    [orderId, JSON.stringify(lines), ttlSeconds],
  );
  return rows[0] === undefined ? undefined : toReservationRow(rows[0]);
}

/** The order's reservation, locked until the transaction ends. */
export async function findReservationForUpdate(
  tx: pg.PoolClient,
  orderId: string,
): Promise<ReservationRow | undefined> {
  const { rows } = await tx.query<Row>(`SELECT ${columns} FROM reservations WHERE order_id = $1 FOR UPDATE`, [
    orderId,
  ]);
  return rows[0] === undefined ? undefined : toReservationRow(rows[0]);
}

/** Makes a locked reservation hold `lines` again, from now for `ttlSeconds`. */
export async function renewReservation(
  tx: pg.PoolClient,
  orderId: string,
  lines: readonly LineItem[],
  ttlSeconds: number,
): Promise<ReservationRow> {
  const { rows } = await tx.query<Row>(
    `UPDATE reservations
        SET lines = $2, status = 'held', expires_at = now() + make_interval(secs => $3), updated_at = now()
      WHERE order_id = $1
     RETURNING ${columns}`,
    [orderId, JSON.stringify(lines), ttlSeconds],
  );
  return toReservationRow(rows[0]!);
}

export async function setReservationStatus(
  tx: pg.PoolClient,
  orderIds: readonly string[],
  status: ReservationStatus,
): Promise<void> {
  await tx.query('UPDATE reservations SET status = $2, updated_at = now() WHERE order_id = ANY($1::uuid[])', [
    orderIds,
    status,
  ]);
}

/**
 * Locks up to `limit` lapsed holds, oldest first, skipping those another transaction holds (another
 * replica's sweeper, or a commit or release of that order in progress).
 */
export async function lockLapsedReservations(tx: pg.PoolClient, limit: number): Promise<ReservationRow[]> {
  const { rows } = await tx.query<Row>(
    `SELECT ${columns} FROM reservations
      WHERE status = 'held' AND expires_at <= now()
      ORDER BY expires_at
      LIMIT $1
        FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  return rows.map(toReservationRow);
}
