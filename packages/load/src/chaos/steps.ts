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
  /** Takes the fault away (flags); nothing for one-shot faults. */
  clear?(): Promise<void>;
}

export type FlagStore = ReturnType<typeof createFlagStore>;

export function openFlags(redisUrl: string, keyPrefix: string): FlagStore {
  return createFlagStore({ url: redisUrl, keyPrefix });
}

/** A fault flag for one service, set for the step and removed after it. */
export function flagStep(flags: FlagStore, service: string, set: FaultSet): ChaosStep {
  return {
    fault: describeFaults(set),
    target: service,
    async inject() {
      await flags.set('faults', service, set);
      return { detail: 'fault flag set' };
    },
    async clear() {
      await flags.remove('faults', service);
    },
  };
}

/** Every fault of the flag table, each on a service where a checkout meets it. */
export function flagSchedule(flags: FlagStore, options: { crash: boolean }): ChaosStep[] {
  const steps = [
    flagStep(flags, 'payment', { latency: 1_500, rate: 0.5 }),
    flagStep(flags, 'inventory', { 'rpc-error': 0.3 }),
    flagStep(flags, 'payment', { 'http-error': 0.3 }),
    flagStep(flags, 'shipping', { 'consumer-slow': 500 }),
    flagStep(flags, 'inventory', { reject: 0.3 }),
    flagStep(flags, 'recommendations', { hang: 0.5 }),
    flagStep(flags, 'shipping', { 'drop-heartbeats': true }),
  ];
  if (options.crash) steps.push(flagStep(flags, 'recommendations', { crash: true }));
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
