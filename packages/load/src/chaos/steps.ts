// The chaos run's schedule: each step injects one fault, holds it while the checkout load runs,
// then clears it. Fault flags are written to the same OpenFeature flag the services follow and
// `npm run fault` writes (docs/faults.md); the rest act on processes and connections
// (connections.ts).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describeFaults } from '@trio/service-runtime/fault-args';
import { createFlagStore } from '@trio/service-runtime/fault-flags';
import type { FaultSet } from '@trio/service-runtime/faults';
import {
  closeBrokerConnections,
  killRedisConnections,
  killService,
  type Outcome,
  terminatePostgres,
} from './connections.ts';

export interface ChaosStep {
  /** What the table shows: `latency=1500ms rate=0.5`, `kill -9`, `pg_terminate_backend`. */
  fault: string;
  /** The service it is aimed at, or `shop`. */
  target: string;
  inject(): Promise<Outcome>;
  /**
   * Takes the fault away (flags); nothing for one-shot faults. Answers how often the fault fired
   * meanwhile (the service's faults_injected_total), when it can tell.
   */
  clear?(): Promise<number | undefined>;
  /** How long to hold it, when not the run's --hold. */
  holdMs?: number;
  /** How often it fired so far (undefined: cannot tell); the run holds a fault until it fired once. */
  firing?(): Promise<number | undefined>;
}

/** What the run reads from a service while a flag is set; undefined when the service does not answer. */
export interface FaultProbes {
  /** Its faults_injected_total, per kind (its /metrics). */
  counts(service: string): Promise<Record<string, number> | undefined>;
  /** Every service's faults as this one follows them now (its operator page, /faults). */
  following(service: string): Promise<Record<string, unknown> | undefined>;
}

/** The faults_injected_total samples of a Prometheus text exposition, per kind. */
export function parseFaultCounts(metrics: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const match of metrics.matchAll(/^faults_injected_total\{([^}]*)\} (\S+)$/gm)) {
    const kind = /kind="([^"]+)"/.exec(match[1] ?? '')?.[1];
    if (kind !== undefined) counts[kind] = (counts[kind] ?? 0) + Number(match[2]);
  }
  return counts;
}

/** Reads a service's probes over HTTP: `adminUrl(service)` is where its /metrics and /faults are. */
export function httpFaultProbes(adminUrl: (service: string) => string | undefined): FaultProbes {
  const get = async (service: string, path: string, accept: string): Promise<Response | undefined> => {
    const base = adminUrl(service);
    if (base === undefined) return undefined;
    const response = await fetch(`${base}${path}`, {
      headers: { accept },
      signal: AbortSignal.timeout(3_000),
    }).catch(() => undefined);
    return response?.ok === true ? response : undefined;
  };
  return {
    async counts(service) {
      const response = await get(service, '/metrics', 'text/plain');
      return response === undefined ? undefined : parseFaultCounts(await response.text().catch(() => ''));
    },
    async following(service) {
      const response = await get(service, '/faults', 'application/json');
      const body = (await response?.json().catch(() => undefined)) as
        | { faults?: Record<string, unknown> }
        | undefined;
      return body?.faults;
    },
  };
}

const canonical = (value: unknown) =>
  JSON.stringify(Object.entries(value ?? {}).sort(([a], [b]) => a.localeCompare(b)));

/** Until the service follows `set` (or 10 s passed): the hold starts when the fault is on, even on a slow machine. */
async function followed(probes: FaultProbes, service: string, set: FaultSet): Promise<string> {
  const started = performance.now();
  while (performance.now() - started < 10_000) {
    if (canonical((await probes.following(service))?.[service]) === canonical(set))
      return `followed after ${((performance.now() - started) / 1000).toFixed(1)} s`;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return 'not seen followed within 10 s';
}

/**
 * How often the least frequent of `set`'s kinds fired between two readings (a restart in between
 * resets the counters): 0 when one of them never did, so `drop-heartbeats latency=6s` counts only
 * if the heartbeats were dropped, not merely the calls delayed.
 */
function firedBetween(
  set: FaultSet,
  before: Record<string, number> | undefined,
  after: Record<string, number> | undefined,
): number | undefined {
  if (before === undefined || after === undefined) return undefined;
  const deltas = Object.keys(set)
    .filter((name) => name !== 'rate')
    .map((kind) => {
      const now = after[kind] ?? 0;
      const then = before[kind] ?? 0;
      return now >= then ? now - then : now;
    });
  return Math.min(...deltas);
}

export type FlagStore = ReturnType<typeof createFlagStore>;

export function openFlags(redisUrl: string, keyPrefix: string): FlagStore {
  return createFlagStore({ url: redisUrl, keyPrefix });
}

/**
 * A fault flag for one service, set for the step and removed after it. How often it fired: the
 * service's faults_injected_total for the set's kinds, before and after; for `crash`, which takes
 * its process (and its counters) down, whether a process of the service took the flag away.
 */
export function flagStep(
  flags: FlagStore,
  service: string,
  set: FaultSet,
  probes?: FaultProbes,
  holdMs?: number,
): ChaosStep {
  let before: Record<string, number> | undefined;
  return {
    fault: describeFaults(set),
    target: service,
    ...(holdMs === undefined ? {} : { holdMs }),
    async inject() {
      before = await probes?.counts(service);
      await flags.set('faults', service, set);
      // A crash takes the service (and its page) down at once: nothing to wait for.
      if (probes === undefined || set.crash === true) return { detail: 'fault flag set' };
      return { detail: `fault flag set, ${await followed(probes, service, set)}` };
    },
    async firing() {
      if (set.crash === true)
        return ((await flags.get('faults'))[service] as FaultSet | undefined)?.crash ? 0 : 1;
      return firedBetween(set, before, await probes?.counts(service));
    },
    async clear() {
      const left = (await flags.get('faults'))[service] as FaultSet | undefined;
      await flags.remove('faults', service);
      if (set.crash === true) return left?.crash === true ? 0 : 1;
      return firedBetween(set, before, await probes?.counts(service));
    },
  };
}

/**
 * Every fault of the flag table, each on a service where a checkout meets it. A server sends a
 * heartbeat only for a call running longer than its period (5 s), so `drop-heartbeats` comes with
 * a latency that makes some of shipping's calls that long, and is held for 7 s: long enough for a
 * call started early in it to miss a heartbeat while the flag is still set.
 */
export function flagSchedule(
  flags: FlagStore,
  options: { crash: boolean; probes?: FaultProbes },
): ChaosStep[] {
  const step = (service: string, set: FaultSet, holdMs?: number) =>
    flagStep(flags, service, set, options.probes, holdMs);
  const steps = [
    step('payment', { latency: 1_500, rate: 0.5 }),
    step('inventory', { 'rpc-error': 0.3 }),
    step('payment', { 'http-error': 0.3 }),
    step('shipping', { 'consumer-slow': 500 }),
    step('inventory', { reject: 0.3 }),
    // Not recommendations: the checkout mix never asks it (the product page does), so it never fired.
    step('shipping', { hang: 0.5 }),
    step('shipping', { 'drop-heartbeats': true, latency: 6_000, rate: 0.5 }, 7_000),
  ];
  if (options.crash) steps.push(step('recommendations', { crash: true }));
  return steps;
}

/** The services the launcher runs now, by name: its children, whose arguments name their main.js. */
export async function shopProcesses(launcherPid: number): Promise<Map<string, number>> {
  const { stdout } = await promisify(execFile)('ps', ['-o', 'pid=,args=', '--ppid', String(launcherPid)]);
  const found = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const match = /^\s*(\d+)\s.*services\/([\w-]+)\/dist\/main\.js/.exec(line);
    if (match !== null) found.set(match[2]!, Number(match[1]));
  }
  return found;
}

export interface ShopHandles {
  databaseUrl: string;
  redisUrl: string;
  /** The shop's processes now (their pids); the test's own process when it runs in-process. */
  pids(): Promise<number[]>;
  /** Services to kill -9, with their pid now; none when the shop does not run under the launcher. */
  killable?(): Promise<Map<string, number>>;
}

/** Faults below the services: PostgreSQL backends, broker and Redis connections, and kill -9 of each. */
export async function infrastructureSchedule(shop: ShopHandles): Promise<ChaosStep[]> {
  const steps: ChaosStep[] = [
    {
      fault: 'pg_terminate_backend',
      target: 'shop',
      inject: async () => terminatePostgres(shop.databaseUrl, await shop.pids()),
    },
    {
      fault: 'broker connections closed',
      target: 'shop',
      inject: async () => closeBrokerConnections(await shop.pids()),
    },
    {
      fault: 'Redis connections killed',
      target: 'shop',
      inject: async () => killRedisConnections(await shop.pids(), shop.redisUrl),
    },
  ];
  if (shop.killable !== undefined) {
    const killable = shop.killable;
    for (const name of (await killable()).keys()) {
      steps.push({
        fault: 'kill -9',
        target: name,
        inject: async () => killService(name, (await killable()).get(name)),
      });
    }
  }
  return steps;
}

/** The two lists interleaved, so that every kind of fault meets the load early. */
export function interleave<T>(a: readonly T[], b: readonly T[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i < a.length) out.push(a[i]!);
    if (i < b.length) out.push(b[i]!);
  }
  return out;
}
