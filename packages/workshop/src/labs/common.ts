// Pieces of checks several labs share.
import type { LabContext } from '../context.ts';
import { type Criterion, fail, pass } from '../criteria.ts';
import { allReady, invoicedOrderSince } from '../facts.ts';
import { metricsOf, readShop, type Sample, type ShopProcess, type ShopState } from '../shop.ts';

/** The running shop from shop.json, or the criterion that says it is missing. */
export function runningShop(context: LabContext, fix: string): { state?: ShopState; criterion: Criterion } {
  const lookup = readShop(context.root);
  if (!lookup.found) return { criterion: fail(lookup.why, fix) };
  const { state } = lookup;
  return {
    state,
    criterion: pass(
      `a shop runs (${state.mode}, launcher pid ${state.launcherPid}, ${state.services.length} processes)`,
    ),
  };
}

/** A criterion whose facts come from PostgreSQL: a database that does not answer is a ✗ that says so. */
export async function fromDatabase(context: LabContext, read: () => Promise<Criterion>): Promise<Criterion> {
  try {
    return await read();
  } catch (error) {
    return fail(
      `could not read the shop's database (${redact(context.databaseUrl)}): ${(error as Error).message}`,
      'start PostgreSQL, or point DATABASE_URL at the database the shop uses (compose does not publish it: see "In compose" in docs/workshop/01-whole-app.md)',
    );
  }
}

export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

export function invoicedSinceStart(context: LabContext, since: string, where: string): Promise<Criterion> {
  return fromDatabase(context, () => invoicedOrderSince(context, since, where));
}

export function readyCriterion(processes: readonly ShopProcess[]): Promise<Criterion> {
  return allReady(
    processes,
    'wait for the readiness table to show every service ready; a service that keeps failing prints why in the log',
  );
}

/** A process's metrics, or the criterion saying they could not be read. */
export async function metricsOrFail(
  process: ShopProcess | undefined,
  name: string,
): Promise<{ samples?: Sample[]; criterion?: Criterion }> {
  if (process === undefined)
    return { criterion: fail(`no ${name} process in the shop`, 'start the whole shop: npm start') };
  const samples = await metricsOf(process);
  if (samples === undefined) {
    return {
      criterion: fail(
        `${name}'s /metrics did not answer at ${process.address}:${process.adminPort ?? process.httpPort}`,
        `start the shop (npm start) and wait until ${name} is ready`,
      ),
    };
  }
  return { samples };
}
