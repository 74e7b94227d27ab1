// The shop's invariants after a run, each read from the data of the service that owns it (one
// PostgreSQL schema per service): every order in a final state (billing), no stock reservation of
// those orders still held (inventory), a captured payment for every confirmed order and none for
// the others, and no authorization left open (payment). It waits up to `settleMs` for sagas still
// running. Exported for any suite that needs them after a run (the load test, a chaos run).
// Shop-wide checks read every row, not only the run's: invoice numbers without gaps, stock never
// below zero, no reservation held past its expiry, every event of the run consumed once per queue or
// dead-lettered (event-delivery.ts), and, when the caller can read the broker, every dead-letter
// queue empty.
import pg from 'pg';
import { checkEventDelivery, type EventDeliveryOptions } from './event-delivery.ts';

export interface InvariantOptions {
  databaseUrl: string;
  /** The orders to check (those a run placed): other traffic on the same shop is left alone. */
  orderIds: readonly string[];
  /** How long to wait for orders still in flight to reach a final state (default 30 s). */
  settleMs?: number;
  /** Schema names, if the services do not use their own names. */
  schemas?: { billing?: string; inventory?: string; payment?: string };
  /** Messages in each dead-letter queue of the shop (see chaos/infra.ts); the check is left out without it. */
  deadLetters?: () => Promise<Record<string, number>>;
  /** Check every event written since `events.since` was consumed once per queue or dead-lettered (event-delivery.ts). */
  events?: EventDeliveryOptions;
  /** A reservation held this long past its expiry counts as held past its TTL (default 5 s: the sweep's pace). */
  ttlGraceMs?: number;
}

export interface InvariantCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface InvariantReport {
  ok: boolean;
  orders: number;
  /** Orders per saga state, as billing has them. */
  states: Record<string, number>;
  checks: InvariantCheck[];
  /** How long the check waited for orders to settle. */
  settledMs: number;
}

export const finalStates = ['invoiced', 'failed', 'cancelled'] as const;
/** States past the confirmation: their payment must be captured. */
const confirmedStates = ['confirmed', 'paid', 'invoiced'];

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

type Schemas = { billing: string; inventory: string; payment: string };

/** Every check once, as the services' data stand now. */
async function readChecks(
  client: pg.Client,
  { billing, inventory, payment }: Schemas,
  ids: string[],
): Promise<{ states: Record<string, number>; checks: InvariantCheck[] }> {
  const { rows: orders } = await client.query<{ id: string; state: string }>(
    `SELECT id, state FROM ${billing}.orders WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  const states: Record<string, number> = {};
  for (const order of orders) states[order.state] = (states[order.state] ?? 0) + 1;
  const unfinished = orders.filter((order) => !(finalStates as readonly string[]).includes(order.state));
  const confirmed = new Set(
    orders.filter((order) => confirmedStates.includes(order.state)).map((order) => order.id),
  );

  const held = await client.query<{ order_id: string }>(
    `SELECT order_id FROM ${inventory}.reservations WHERE order_id = ANY($1::uuid[]) AND status = 'held'`,
    [ids],
  );
  const payments = await client.query<{ order_id: string; status: string; captured_amount: string }>(
    `SELECT order_id, status, captured_amount FROM ${payment}.payments WHERE order_id = ANY($1::uuid[])`,
    [ids],
  );
  const captured = new Set(
    payments.rows.filter((row) => Number(row.captured_amount) > 0).map((row) => row.order_id),
  );
  const capturedTwice = payments.rows.filter((row) => Number(row.captured_amount) > 0).length - captured.size;
  const open = payments.rows.filter((row) => row.status === 'authorized');
  const failed = new Set(
    orders
      .filter((order) => order.state === 'failed' || order.state === 'cancelled')
      .map((order) => order.id),
  );
  const failedNotVoided = payments.rows.filter(
    (row) => failed.has(row.order_id) && row.status !== 'voided' && row.status !== 'refunded',
  );
  const capturedNotConfirmed = [...captured].filter((id) => !confirmed.has(id));
  const confirmedNotCaptured = [...confirmed].filter((id) => !captured.has(id));
  const unknown = ids.length - orders.length;
  const sample = (list: readonly string[]) => (list.length === 0 ? '' : `: ${list.slice(0, 3).join(', ')}`);

  const checks: InvariantCheck[] = [
    {
      name: 'every order placed is known to billing',
      ok: unknown === 0,
      detail: `${orders.length} of ${ids.length} orders found`,
    },
    {
      name: 'every order in a final state',
      ok: unfinished.length === 0,
      detail: `${unfinished.length} not final${sample(unfinished.map((order) => `${order.id} ${order.state}`))}`,
    },
    {
      name: 'no stock reservation left held',
      ok: held.rows.length === 0,
      detail: `${held.rows.length} held${sample(held.rows.map((row) => row.order_id))}`,
    },
    {
      name: 'payments captured = confirmed orders',
      ok: capturedNotConfirmed.length === 0 && confirmedNotCaptured.length === 0 && capturedTwice === 0,
      detail:
        `${captured.size} captured, ${confirmed.size} confirmed; ${capturedNotConfirmed.length} captured but not ` +
        `confirmed${sample(capturedNotConfirmed)}; ${confirmedNotCaptured.length} confirmed but not captured` +
        `${sample(confirmedNotCaptured)}; ${capturedTwice} captured twice`,
    },
    {
      name: 'no payment authorization left open',
      ok: open.length === 0,
      detail: `${open.length} authorized, neither captured nor voided${sample(open.map((row) => row.order_id))}`,
    },
    {
      name: 'every authorization of a failed order voided',
      ok: failedNotVoided.length === 0,
      detail: `${failed.size} failed or cancelled; ${failedNotVoided.length} with a payment not voided${sample(
        failedNotVoided.map((row) => `${row.order_id} ${row.status}`),
      )}`,
    },
  ];
  return { states, checks };
}

/** The checks over every row of the shop: invoices, stock, reservations, dead letters. */
async function readShopChecks(
  client: pg.Client,
  { billing, inventory }: Schemas,
  options: InvariantOptions,
): Promise<InvariantCheck[]> {
  const invoices = await client.query<{ year: number; count: string; max: number; distinct: string }>(
    `SELECT year, count(*) AS count, max(sequence) AS max, count(DISTINCT sequence) AS distinct
       FROM ${billing}.invoices GROUP BY year ORDER BY year`,
  );
  const gaps = invoices.rows.filter(
    (row) => Number(row.count) !== row.max || Number(row.distinct) !== row.max,
  );
  const stock = await client.query<{ sku: string; on_hand: number; reserved: number }>(
    `SELECT sku, on_hand, reserved FROM ${inventory}.stock WHERE on_hand < 0 OR reserved < 0 OR reserved > on_hand`,
  );
  const overdue = await client.query<{ order_id: string }>(
    `SELECT order_id FROM ${inventory}.reservations
      WHERE status = 'held' AND expires_at < now() - make_interval(secs => $1::float8 / 1000)`,
    [options.ttlGraceMs ?? 5_000],
  );
  const checks: InvariantCheck[] = [
    {
      name: 'invoices numbered without gaps',
      ok: gaps.length === 0,
      detail:
        invoices.rows.map((row) => `${row.year}: ${row.count} invoices, numbers 1–${row.max}`).join('; ') ||
        'no invoices',
    },
    {
      name: 'stock never below zero',
      ok: stock.rows.length === 0,
      detail: `${stock.rows.length} products below zero or over-reserved${stock.rows
        .slice(0, 3)
        .map((row) => ` ${row.sku} on hand ${row.on_hand} reserved ${row.reserved}`)
        .join(',')}`,
    },
    {
      name: 'no reservation held past its TTL',
      ok: overdue.rows.length === 0,
      detail: `${overdue.rows.length} held past their expiry`,
    },
  ];
  if (options.events !== undefined) checks.push(await checkEventDelivery(client, options.events));
  if (options.deadLetters !== undefined) {
    const counts = await options.deadLetters();
    const full = Object.entries(counts).filter(([, count]) => count > 0);
    checks.push({
      name: 'dead-letter queues empty',
      ok: full.length === 0,
      detail: `${Object.keys(counts).length} DLQs; ${full.map(([queue, count]) => `${queue}: ${count}`).join(', ') || 'all empty'}`,
    });
  }
  return checks;
}

export async function checkInvariants(options: InvariantOptions): Promise<InvariantReport> {
  const schemas = {
    billing: quote(options.schemas?.billing ?? 'billing'),
    inventory: quote(options.schemas?.inventory ?? 'inventory'),
    payment: quote(options.schemas?.payment ?? 'payment'),
  };
  const ids = [...new Set(options.orderIds)];
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    // Sagas, releases and captures still in flight settle through events: read again until every
    // check holds or `settleMs` has passed.
    const started = performance.now();
    const settleMs = options.settleMs ?? 30_000;
    const readAll = async () => {
      const orders = await readChecks(client, schemas, ids);
      return { ...orders, checks: [...orders.checks, ...(await readShopChecks(client, schemas, options))] };
    };
    let read = await readAll();
    while (!read.checks.every((check) => check.ok) && performance.now() - started < settleMs) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      read = await readAll();
    }
    return {
      ok: read.checks.every((check) => check.ok),
      orders: ids.length,
      states: read.states,
      checks: read.checks,
      settledMs: Math.round(performance.now() - started),
    };
  } finally {
    await client.end();
  }
}
