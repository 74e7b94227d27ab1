// The JSON summary of a run: settings, per-step latencies (from the intended send time), errors by
// kind, outcomes, the timeline and the invariants check. The HTML report is drawn from it alone.
import type { InvariantReport } from './invariants.ts';
import type { RunResult } from './run.ts';
import type { StepSummary, TimelinePoint } from './stats.ts';

/** Steps in the order a shopper meets them; others (if any) follow. */
export const stepOrder = [
  'home',
  'category',
  'search',
  'product',
  'register',
  'login',
  'api.product',
  'cart.add',
  'quote',
  'checkout',
  'cart.remove',
  'orders',
  'order',
];

export interface LoadSummary {
  tool: 'trio-load';
  target: string;
  mode: string;
  settings: {
    rate?: number;
    users?: number;
    rampSeconds: number;
    durationSeconds: number;
    maxShoppers?: number;
    thinkSeconds: number;
    mix: Record<string, number>;
    cards: Record<string, number>;
    distinctAddresses: boolean;
  };
  startedAt: string;
  endedAt: string;
  elapsedSeconds: number;
  shoppers: { started: number; finished: number; skipped: number };
  requests: { sent: number; answered: number };
  steps: Record<string, StepSummary>;
  errors: Record<string, number>;
  outcomes: Record<string, number>;
  orders: number;
  /** Visits still running after the drain time were cut. */
  cut: boolean;
  invariants: InvariantReport | { skipped: string };
  timeline: TimelinePoint[];
}

/** A latency in ms, rounded for people: 0.42, 4.2, 42, 420. */
export function formatMs(value: number | undefined): string {
  if (value === undefined) return '–';
  return value < 1 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

export function describeMode(result: Pick<RunResult, 'options'>): string {
  const { options } = result;
  const ramp = options.rampMs > 0 ? `, ramp ${options.rampMs / 1000} s` : '';
  const load =
    options.rate !== undefined
      ? `open loop, ${options.rate} shoppers/s${ramp}`
      : `closed loop, ${options.users} shoppers${ramp}`;
  return `${load}, ${options.durationMs / 1000} s`;
}

export function sortedSteps(names: Iterable<string>): string[] {
  const rank = (name: string) => (stepOrder.includes(name) ? stepOrder.indexOf(name) : stepOrder.length);
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function summarize(result: RunResult, invariants: LoadSummary['invariants']): LoadSummary {
  const { options, recorder } = result;
  const steps: Record<string, StepSummary> = {};
  for (const name of sortedSteps(recorder.steps.keys()))
    steps[name] = recorder.summary(name, result.elapsedMs);
  const byCount = (map: Map<string, number>) => Object.fromEntries([...map].sort((a, b) => b[1] - a[1]));
  return {
    tool: 'trio-load',
    target: result.target,
    mode: describeMode(result),
    settings: {
      ...(options.rate === undefined ? {} : { rate: options.rate }),
      ...(options.users === undefined ? {} : { users: options.users }),
      rampSeconds: options.rampMs / 1000,
      durationSeconds: options.durationMs / 1000,
      ...(options.maxShoppers === undefined ? {} : { maxShoppers: options.maxShoppers }),
      thinkSeconds: options.thinkMs / 1000,
      mix: options.mix,
      cards: options.cards,
      distinctAddresses: result.distinctAddresses,
    },
    startedAt: result.startedAt,
    endedAt: result.endedAt,
    elapsedSeconds: Math.round(result.elapsedMs) / 1000,
    shoppers: {
      started: recorder.shoppersStarted,
      finished: recorder.shoppersFinished,
      skipped: recorder.skipped,
    },
    requests: { sent: recorder.sent, answered: recorder.answered },
    steps,
    errors: byCount(recorder.errors),
    outcomes: byCount(recorder.outcomes),
    orders: result.orders.length,
    cut: result.cut,
    invariants,
    timeline: recorder.timeline,
  };
}
