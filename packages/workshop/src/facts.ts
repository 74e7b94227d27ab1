// The facts several labs check, each read from where it lives: the shop's processes (readiness),
// billing's and shipping's rows in PostgreSQL, the load generator's reports.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { z } from 'zod';
import type { LabContext } from './context.ts';
import { type Criterion, fail, pass } from './criteria.ts';
import { describeProcess, readiness, type ShopProcess } from './shop.ts';

/** One criterion: every listed process answers /readyz with 200. */
export async function allReady(processes: readonly ShopProcess[], fix: string): Promise<Criterion> {
  const results = await Promise.all(processes.map(async (p) => ({ p, ...(await readiness(p)) })));
  const down = results.filter((result) => !result.ready);
  if (down.length === 0) return pass(`${processes.length} process(es) ready: ${names(processes)}`);
  if (down.length === processes.length && processes.length > 1) {
    return fail(
      `no service answers (${describeProcess(down[0]!.p)}: ${down[0]!.detail}, and the others)`,
      'start the shop: npm start (or docker compose up --build), and wait for "Trio Shop is ready"',
    );
  }
  return fail(
    `not ready: ${down.map((result) => `${describeProcess(result.p)} ${result.detail}`).join('; ')}`,
    fix,
  );
}

function names(processes: readonly ShopProcess[]): string {
  return [...new Set(processes.map((p) => p.name))].join(', ');
}

/** Runs one query on the shop's database; the error says which database did not answer. */
export async function query<T>(context: LabContext, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: context.databaseUrl, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end().catch(() => {});
  }
}

export interface OrderRow {
  id: string;
  state: string;
  reason: string | null;
  created_at: Date;
  shipment: boolean;
}

/** Orders placed since `since`, newest first, with whether shipping holds a shipment for each. */
export async function ordersSince(context: LabContext, since: string): Promise<OrderRow[]> {
  return query<OrderRow>(
    context,
    `SELECT o.id, o.state, o.reason, o.created_at,
            EXISTS (SELECT 1 FROM shipping.shipments s WHERE s.order_id = o.id) AS shipment
       FROM billing.orders o WHERE o.created_at >= $1 ORDER BY o.created_at DESC LIMIT 200`,
    [since],
  );
}

export const placeOrderFix =
  'place an order on the storefront (http://localhost:8080/: sign in, add a product, check out with card ' +
  '4242 4242 4242 4242) and wait until the order page says confirmed, or run `npm run load -- --duration 10s`';

/** At least one order placed since the lab started reached `invoiced`. */
export async function invoicedOrderSince(
  context: LabContext,
  since: string,
  where: string,
): Promise<Criterion> {
  const orders = await ordersSince(context, since);
  const invoiced = orders.filter((order) => order.state === 'invoiced');
  if (invoiced.length > 0) return pass(`${invoiced.length} order(s) placed ${where} reached invoiced`);
  const seen =
    orders.length === 0 ? 'none placed' : orders.map((o) => `${o.id.slice(0, 8)} ${o.state}`).join(', ');
  return fail(`no order placed ${where} has reached invoiced (${seen})`, placeOrderFix);
}

const StepCounts = z.object({ count: z.number(), errors: z.number().optional() });
const LoadSummary = z.object({
  tool: z.literal('trio-load'),
  startedAt: z.string(),
  endedAt: z.string(),
  requests: z.object({ sent: z.number(), answered: z.number() }),
  steps: z.record(z.string(), StepCounts.extend({ p50: z.number(), p99: z.number() })),
  errors: z.record(z.string(), z.number()),
  orders: z.number(),
  /** Per interval: `t` is its end in seconds since the start; the answers of each step in it. */
  timeline: z.array(z.object({ t: z.number(), steps: z.record(z.string(), StepCounts) })).default([]),
});
export type LoadReport = z.infer<typeof LoadSummary> & { path: string };

/** Every `summary.json` of `npm run load` under load-reports/ (two levels down) from runs begun since `since`, oldest first. */
export function loadReportsSince(root: string, since: string): LoadReport[] {
  const found: LoadReport[] = [];
  const visit = (dir: string, depth: number) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (entry === 'summary.json') {
        const parsed = LoadSummary.safeParse(readJson(path));
        if (parsed.success && parsed.data.startedAt >= since) found.push({ ...parsed.data, path });
      } else if (depth > 0 && statSync(path).isDirectory()) visit(path, depth - 1);
    }
  };
  visit(join(root, 'load-reports'), 2);
  return found.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/** Answers to `step` in the intervals that began at `offsetSeconds` into the run or later. */
export function answeredAfter(report: LoadReport, step: string, offsetSeconds: number): number {
  let sum = 0;
  report.timeline.forEach((point, index) => {
    const begins = index === 0 ? 0 : report.timeline[index - 1]!.t;
    if (begins >= offsetSeconds) sum += point.steps[step]?.count ?? 0;
  });
  return sum;
}

export function errorCount(report: LoadReport): number {
  return Object.values(report.errors).reduce((sum, count) => sum + count, 0);
}

/** A file's JSON, or undefined when it is not (a run still writing it, a file of something else). */
function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}
