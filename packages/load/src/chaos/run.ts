// A chaos run: the load generator's checkout mix runs (runLoad, as `npm run load` does) while the
// steps inject their faults one after the other, each held for `holdMs` and followed by `gapMs` of
// recovery. Then the load stops, the invariants are checked from every service's own data
// (@trio/load/invariants), with one more: every order final within `finalWithinMs` of the last
// fault. The report holds both tables; `ok` is false on any violation.
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventDeliveryOptions } from '../event-delivery.ts';
import { checkInvariants, type InvariantCheck, type InvariantReport } from '../invariants.ts';
import type { LoadOptions } from '../options.ts';
import { runLoad } from '../run.ts';
import { poisonFault } from './poison.ts';
import type { ChaosStep } from './steps.ts';

export interface ChaosOptions {
  load: LoadOptions;
  steps: readonly ChaosStep[];
  /** Load before the first fault. */
  warmupMs: number;
  holdMs: number;
  gapMs: number;
  /** How long every order has after the last fault to reach a final state (the issue's 30 s). */
  finalWithinMs: number;
  deadLetters?: () => Promise<Record<string, number>>;
  /** Check the events written during the run: each consumed once per queue or dead-lettered. */
  events?: Omit<EventDeliveryOptions, 'since'>;
  /** A line per fault as it happens. */
  say?: (line: string) => void;
}

export interface FaultRow {
  fault: string;
  target: string;
  /** Seconds after the load started. */
  at: number;
  heldMs: number;
  detail: string;
  skipped: boolean;
  /**
   * How often the fault fired in the target (its faults_injected_total; for a flag of several
   * kinds, the least frequent), for a flag that can tell.
   */
  fired?: number;
}

export interface ChaosReport {
  ok: boolean;
  faults: FaultRow[];
  invariants: InvariantReport;
  orders: number;
  /** Requests sent, and errors the shoppers met (answers other than the expected, time-outs). */
  requests: { sent: number; errors: number };
  /** From the last fault cleared to every order final (or the end of the wait). */
  finalAfterLastFaultMs: number;
}

/** The schedule's planned length: the warm-up, then each step's hold and gap. */
export function chaosDurationMs(
  options: Pick<ChaosOptions, 'steps' | 'warmupMs' | 'holdMs' | 'gapMs'>,
): number {
  return options.steps.reduce(
    (total, step) => total + (step.holdMs ?? options.holdMs) + options.gapMs,
    options.warmupMs,
  );
}

/** Injects every step in turn; answers the rows and when the last fault was cleared. */
async function injectAll(
  options: ChaosOptions,
  started: number,
  arrivals: Promise<void>,
): Promise<{ rows: FaultRow[]; lastFault: number }> {
  const rows: FaultRow[] = [];
  const say = options.say ?? (() => {});
  // The warm-up counts from the first shoppers' arrival: preparing the logged-in shoppers (a
  // password hash each) can take longer than the warm-up on a busy machine, and a fault on profiles
  // during it would fail the run before it began.
  await arrivals;
  await sleep(options.warmupMs);
  let lastFault = performance.now();
  for (const step of options.steps) {
    const at = (performance.now() - started) / 1000;
    let outcome: { detail: string; skipped?: boolean };
    try {
      outcome = await step.inject();
    } catch (error) {
      outcome = { detail: `not injected: ${(error as Error).message}`, skipped: true };
    }
    say(`${at.toFixed(1).padStart(6)} s  ${step.target.padEnd(16)} ${step.fault}: ${outcome.detail}`);
    const injected = performance.now();
    await sleep(step.holdMs ?? options.holdMs);
    // A fault that met no traffic proved nothing: held on until it fired once (a loaded machine
    // sends fewer requests), at most three holds more.
    const holdUntil = performance.now() + 3 * (step.holdMs ?? options.holdMs);
    while (step.firing !== undefined && performance.now() < holdUntil && (await step.firing()) === 0) {
      await sleep(250);
    }
    const fired = await step.clear?.().catch((error: unknown) => {
      say(`clearing ${step.fault} failed: ${String(error)}`);
      return undefined;
    });
    // A one-shot fault (kill -9, terminated backends) happened when injected; a flag, when cleared.
    lastFault = step.clear === undefined ? injected : performance.now();
    rows.push({
      fault: step.fault,
      target: step.target,
      at,
      heldMs: step.clear === undefined ? 0 : Math.round(performance.now() - injected),
      detail: outcome.detail,
      skipped: outcome.skipped === true,
      ...(fired === undefined ? {} : { fired }),
    });
    await sleep(options.gapMs);
  }
  return { rows, lastFault };
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  // New shoppers arrive until the last step's recovery ends (a slow step, rabbitmqctl say, makes the
  // schedule longer than planned); the duration is only a bound.
  const load = { ...options.load, durationMs: chaosDurationMs(options) + 120_000 };
  const started = performance.now();
  const since = new Date();
  const stop = new AbortController();
  const { promise: arrivals, resolve: arrived } = Promise.withResolvers<void>();
  const injecting = injectAll(options, started, arrivals).finally(() => stop.abort());
  const [result, { rows: faults, lastFault }] = await Promise.all([
    runLoad(load, { signal: stop.signal, onArrivals: arrived }),
    injecting,
  ]);
  const invariants = await checkInvariants({
    databaseUrl: load.databaseUrl,
    orderIds: result.orders,
    settleMs: Math.max(load.settleMs, options.finalWithinMs),
    ...(options.deadLetters === undefined ? {} : { deadLetters: options.deadLetters }),
    ...(options.events === undefined ? {} : { events: { ...options.events, since } }),
  });
  const finalAfterLastFaultMs = Math.round(performance.now() - lastFault);
  const final = invariants.checks.find((check) => check.name === 'every order in a final state');
  const inTime: InvariantCheck = {
    name: `every order final within ${options.finalWithinMs / 1000} s of the last fault`,
    ok: final?.ok === true && finalAfterLastFaultMs <= options.finalWithinMs,
    detail: `${result.orders.length} orders; the check ended ${(finalAfterLastFaultMs / 1000).toFixed(1)} s after the last fault was cleared`,
  };
  const silent = faults.filter((row) => !row.skipped && row.fired === 0);
  const counted = faults.filter((row) => row.fired !== undefined);
  const fired: InvariantCheck = {
    name: 'every fault flag injected fired',
    ok: silent.length === 0,
    detail:
      `${counted.length - silent.length} of ${counted.length} counted in faults_injected_total` +
      (silent.length === 0
        ? ''
        : `; never fired: ${silent.map((row) => `${row.target} ${row.fault}`).join(', ')}`),
  };
  const poison = faults.find((row) => row.fault === poisonFault);
  const poisoned: InvariantCheck[] =
    poison === undefined
      ? []
      : [
          {
            name: 'the poison message dead-lettered, then replayed and purged (npm run dlq)',
            ok: !poison.skipped,
            detail: poison.detail,
          },
        ];
  const checks = [inTime, ...(counted.length === 0 ? [] : [fired]), ...poisoned, ...invariants.checks];
  const errors = [...result.recorder.errors.values()].reduce((sum, count) => sum + count, 0);
  return {
    ok: checks.every((check) => check.ok),
    faults,
    invariants: { ...invariants, ok: checks.every((check) => check.ok), checks },
    orders: result.orders.length,
    requests: { sent: result.recorder.sent, errors },
    finalAfterLastFaultMs,
  };
}

const pad = (text: string, width: number) =>
  text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);

/** The two tables a person reads: faults injected, invariants held. */
export function chaosTable(report: ChaosReport): string {
  const lines = [
    `faults injected (${report.faults.filter((row) => !row.skipped).length} of ${report.faults.length}):`,
    `  ${pad('at', 8)}${pad('target', 19)}${pad('fault', 38)}${pad('held', 8)}${pad('fired', 7)}result`,
    ...report.faults.map(
      (row) =>
        `  ${pad(`${row.at.toFixed(1)} s`, 8)}${pad(row.target, 19)}${pad(row.fault, 38)}` +
        `${pad(row.heldMs === 0 ? '-' : `${(row.heldMs / 1000).toFixed(1)} s`, 8)}` +
        `${pad(row.fired === undefined ? '-' : String(row.fired), 7)}${row.detail}`,
    ),
    '',
    `invariants (${report.orders} orders, ${report.requests.sent} requests, ${report.requests.errors} errors met by shoppers):`,
    ...report.invariants.checks.map(
      (check) => `  ${check.ok ? 'held    ' : 'VIOLATED'}  ${check.name}: ${check.detail}`,
    ),
    '',
    report.ok ? 'every invariant held' : 'AN INVARIANT WAS VIOLATED',
  ];
  return lines.join('\n');
}
