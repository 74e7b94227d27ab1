// Faults on demand: what an operator switched on for this service (`npm run fault -- set …`),
// read through OpenFeature from the `faults` flag (see redis-flags.ts), and the decisions the
// transports' hooks take from it: the HTTP middleware (http.ts), the ZeroRPC server's handler
// wrapper (@trio/rpc), the AMQP consumer's (@trio/events). Only present when the service's config
// says FAULTS_ENABLED=true, which production refuses unless FAULTS_IN_PRODUCTION=true (config.ts).
import { NOOP_PROVIDER, OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { createFlagStore, type FlagStore, RedisFlagProvider } from './redis-flags.ts';

/** The OpenFeature flag holding every service's faults, one value per service (its targeting key). */
export const faultsFlag = 'faults';

const Rate = z.number().min(0).max(1);
const Ms = z.number().int().min(0).max(600_000);

/** One service's faults, as the CLI writes them (durations in ms, rates from 0 to 1). */
export const FaultSet = z
  .object({
    /** Added to each HTTP request and ZeroRPC call (of `rate` of them). */
    latency: Ms.optional(),
    /** The share of requests and calls `latency` applies to; 1 by default. */
    rate: Rate.optional(),
    /** The share of HTTP requests answered 503 fault_injected. */
    'http-error': Rate.optional(),
    /** The share of ZeroRPC calls answered ERR FaultInjected. */
    'rpc-error': Rate.optional(),
    /** The share of HTTP requests and ZeroRPC calls held without an answer while the fault is set. */
    hang: Rate.optional(),
    /** The service exits (code 1) once: the first of its processes to see it removes it. */
    crash: z.literal(true).optional(),
    /** Added before each event the service's consumers handle. */
    'consumer-slow': Ms.optional(),
    /** The share of events the service's consumers fail (then retried, dead-lettered at the last attempt). */
    reject: Rate.optional(),
    /** The ZeroRPC server sends no heartbeats: its callers lose long calls. */
    'drop-heartbeats': z.literal(true).optional(),
  })
  .strict();
export type FaultSet = z.infer<typeof FaultSet>;

/** The error an injected failure throws: 503 over HTTP, ERR FaultInjected over ZeroRPC. */
export function injectedFault(transport: string): AppError {
  return new AppError('fault_injected', `A fault was injected into this ${transport} (npm run fault)`, {
    status: 503,
  });
}

export type FaultKind = Exclude<keyof FaultSet, 'rate'>;

export interface Faults {
  /** The faults set now (empty when none). */
  current(): FaultSet;
  /** Every service's faults, as this one last read them (for the operator page). */
  all(): Record<string, FaultSet>;
  /** True with probability `rate` (0 or undefined: never). */
  roll(rate: number | undefined): boolean;
  /**
   * What every request and call goes through first: held while `hang` is set (for its share of
   * them), then delayed by `latency` (for `rate` of them). Counts what it injected.
   */
  holdAndDelay(): Promise<void>;
  /** Counts an injected fault (faults_injected_total{kind}). */
  injected(kind: FaultKind): void;
  close(): Promise<void>;
}

export interface FaultsOptions {
  service: string;
  redisUrl: string;
  keyPrefix?: string;
  log: Logger;
  registry: Registry;
  /** How the `crash` fault exits; process.exit by default. */
  exit?: (code: number) => void;
  refreshMs?: number;
  random?: () => number;
}

/** Starts following the service's faults (in the background: none apply until Redis answered). */
export function createFaults(options: FaultsOptions): Faults {
  const { service, log } = options;
  const random = options.random ?? Math.random;
  const provider = new RedisFlagProvider({
    url: options.redisUrl,
    keyPrefix: options.keyPrefix,
    refreshMs: options.refreshMs,
  });
  provider.watch(faultsFlag);
  // A domain per service host: tests run several services in one process, each with its own provider.
  const domain = `${service}:${crypto.randomUUID()}`;
  const client = OpenFeature.getClient(domain);
  const counter = new Counter({
    name: 'faults_injected_total',
    help: 'Faults injected into this service on demand (npm run fault)',
    labelNames: ['kind'] as const,
    registers: [options.registry],
  });
  let current: FaultSet = {};
  let closed = false;

  async function reload(): Promise<void> {
    const value = await client.getObjectValue(faultsFlag, {}, { targetingKey: service });
    const parsed = FaultSet.safeParse(value);
    const next = parsed.success ? parsed.data : {};
    if (!parsed.success) log.warn({ faults: value }, 'fault flag ignored: not a fault set');
    if (JSON.stringify(next) !== JSON.stringify(current)) {
      log.warn({ faults: next }, Object.keys(next).length === 0 ? 'faults cleared' : 'faults set');
    }
    current = next;
    if (current.crash === true && !closed) {
      // One-shot: the process that removes it crashes, so a restarted one (or a replica) does not.
      const store = createFlagStore({ url: options.redisUrl, keyPrefix: options.keyPrefix });
      try {
        const taken = await takeCrash(store, service);
        if (taken) {
          counter.inc({ kind: 'crash' });
          log.fatal('crashing on demand (fault: crash)');
          (options.exit ?? process.exit)(1);
        }
      } finally {
        await store.close();
      }
    }
  }

  provider.events.addHandler(
    ProviderEvents.ConfigurationChanged,
    () => void reload().catch((error: unknown) => log.warn({ err: error }, 'reading the faults failed')),
  );
  void OpenFeature.setProviderAndWait(domain, provider)
    .then(reload)
    .catch((error: unknown) => log.warn({ err: error }, 'the faults provider did not start'));
  log.warn({ service }, 'fault injection is enabled (FAULTS_ENABLED): npm run fault -- list');

  const roll = (rate: number | undefined) => rate !== undefined && rate > 0 && random() < rate;
  return {
    current: () => current,
    all: () =>
      Object.fromEntries(
        Object.entries(provider.values(faultsFlag)).flatMap(([name, value]) => {
          const parsed = FaultSet.safeParse(value);
          return parsed.success ? [[name, parsed.data]] : [];
        }),
      ),
    roll,
    async holdAndDelay() {
      if (roll(current.hang)) {
        counter.inc({ kind: 'hang' });
        while (!closed && (current.hang ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const delay = current.latency !== undefined && roll(current.rate ?? 1) ? current.latency : 0;
      if (delay > 0) {
        counter.inc({ kind: 'latency' });
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    },
    injected: (kind) => counter.inc({ kind }),
    async close() {
      closed = true;
      // The SDK closes the provider it replaces; closing it here too makes sure before resolving.
      await OpenFeature.setProviderAndWait(domain, NOOP_PROVIDER).catch(() => {});
      await provider.onClose();
    },
  };
}

/** Removes `crash` from the service's fault set; true for the one caller that removed it. */
async function takeCrash(store: FlagStore, service: string): Promise<boolean> {
  const all = await store.get(faultsFlag);
  const set = all[service] as FaultSet | undefined;
  if (set?.crash !== true) return false;
  const { crash: _crash, ...rest } = set;
  return store.replace(faultsFlag, service, set, rest);
}
