// Reservations: an order's hold on stock, from `reserve` until it is committed (sold), released,
// or expires. Each use case runs in one transaction that locks the order's reservation first and
// then its stock rows (moveStock, in sku order), so that commits, releases, reserves and the
// sweeper never wait for each other in a cycle.
//
// A hold that ended (released or expired) holds nothing, so reserving the same order again holds
// the stock afresh; one that still holds (or was sold) is answered as it is: a retry is harmless.
import type { LineItem } from '@trio/contracts/common';
import type { Reservation } from '@trio/contracts/inventory';
import { inTransaction } from '@trio/events/transaction';
import type pg from 'pg';
import {
  findReservationForUpdate,
  insertReservation,
  lockLapsedReservations,
  type ReservationRow,
  renewReservation,
  setReservationStatus,
} from '../data-access/reservations.ts';
import { outOfStock, reservationConflict, reservationExpired, reservationNotFound } from './errors.ts';
import { type InventoryDeps, moveStock, type StockSettings } from './stock.ts';

export type CommitOutcome = 'committed' | 'already_committed' | 'released' | 'expired' | 'not_found';
export type ReleaseOutcome = 'released' | 'already_released' | 'expired' | 'committed' | 'not_found';

const hold = (line: LineItem) => ({ sku: line.sku, onHand: 0, reserved: line.qty });
const giveBack = (line: LineItem) => ({ sku: line.sku, onHand: 0, reserved: -line.qty });
const sell = (line: LineItem) => ({ sku: line.sku, onHand: -line.qty, reserved: -line.qty });

const stillHolds = (reservation: ReservationRow) =>
  reservation.status === 'committed' || (reservation.status === 'held' && !reservation.lapsed);

/** The same skus and quantities, in any order (a sku appears once per reservation). */
function sameLines(a: readonly LineItem[], b: readonly LineItem[]): boolean {
  const key = (lines: readonly LineItem[]) =>
    JSON.stringify(lines.map(({ sku, qty }) => `${sku}×${qty}`).sort());
  return key(a) === key(b);
}

function toReservation(row: ReservationRow): Reservation {
  return { orderId: row.orderId, lines: row.lines, expiresAt: row.expiresAt.toISOString() };
}

/** All lines or nothing; throws OutOfStock naming every short sku. */
export async function reserve(
  deps: InventoryDeps,
  orderId: string,
  lines: LineItem[],
  ttlSeconds: number,
): Promise<Reservation> {
  return inTransaction(deps.db, async (tx) => {
    const fresh = await insertReservation(tx, orderId, lines, ttlSeconds);
    if (fresh !== undefined) {
      // A throw rolls the new reservation back with everything else.
      const short = await moveStock(tx, lines.map(hold), deps);
      if (short.length > 0) throw outOfStock(short);
      return toReservation(fresh);
    }
    const existing = (await findReservationForUpdate(tx, orderId))!;
    if (stillHolds(existing)) {
      if (!sameLines(existing.lines, lines)) throw reservationConflict(orderId);
      return toReservation(existing);
    }
    // A lapsed hold the sweeper has not reached yet still counts as reserved: give it back here.
    const lapsed = existing.status === 'held' ? existing.lines.map(giveBack) : [];
    const short = await moveStock(tx, [...lapsed, ...lines.map(hold)], deps);
    if (short.length > 0) throw outOfStock(short);
    return toReservation(await renewReservation(tx, orderId, lines, ttlSeconds));
  });
}

/** Turns a hold into a sale, inside the caller's transaction (an RPC call's, or an event's). */
export async function commitReservation(
  tx: pg.PoolClient,
  orderId: string,
  settings: StockSettings,
): Promise<CommitOutcome> {
  const reservation = await findReservationForUpdate(tx, orderId);
  if (reservation === undefined) return 'not_found';
  if (reservation.status === 'committed') return 'already_committed';
  if (reservation.status !== 'held') return reservation.status;
  if (reservation.lapsed) {
    // Past its time, the stock is no longer the order's, even if the sweeper has not run yet.
    await endHold(tx, [reservation], 'expired', settings);
    return 'expired';
  }
  await moveStock(tx, reservation.lines.map(sell), settings);
  await setReservationStatus(tx, [orderId], 'committed');
  return 'committed';
}

/** Gives a hold's stock back. A sale is not undone: a committed reservation stays committed. */
export async function releaseReservation(
  tx: pg.PoolClient,
  orderId: string,
  settings: StockSettings,
): Promise<ReleaseOutcome> {
  const reservation = await findReservationForUpdate(tx, orderId);
  if (reservation === undefined) return 'not_found';
  if (reservation.status === 'released') return 'already_released';
  if (reservation.status !== 'held') return reservation.status;
  await endHold(tx, [reservation], 'released', settings);
  return 'released';
}

/** The RPC method: committing twice is fine; a hold that ended cannot be sold. */
export async function commit(deps: InventoryDeps, orderId: string) {
  const outcome = await inTransaction(deps.db, (tx) => commitReservation(tx, orderId, deps));
  if (outcome === 'expired') throw reservationExpired(orderId);
  if (outcome === 'not_found' || outcome === 'released') {
    throw reservationNotFound(orderId, outcome === 'released' ? 'released' : undefined);
  }
  return { orderId, status: 'committed' as const };
}

/** The RPC method: `released` says whether stock went back on sale. */
export async function release(deps: InventoryDeps, orderId: string) {
  const outcome = await inTransaction(deps.db, (tx) => releaseReservation(tx, orderId, deps));
  return { orderId, released: outcome === 'released' };
}

/**
 * Expires up to `limit` lapsed holds in one transaction and returns how many. Replicas sweeping at
 * once split the work: each skips the reservations another has locked.
 */
export async function expireLapsedReservations(deps: InventoryDeps, limit: number): Promise<number> {
  return inTransaction(deps.db, async (tx) => {
    const lapsed = await lockLapsedReservations(tx, limit);
    if (lapsed.length > 0) await endHold(tx, lapsed, 'expired', deps);
    return lapsed.length;
  });
}

async function endHold(
  tx: pg.PoolClient,
  reservations: readonly ReservationRow[],
  status: 'released' | 'expired',
  settings: StockSettings,
): Promise<void> {
  await moveStock(
    tx,
    reservations.flatMap((reservation) => reservation.lines.map(giveBack)),
    settings,
  );
  await setReservationStatus(
    tx,
    reservations.map((reservation) => reservation.orderId),
    status,
  );
}
