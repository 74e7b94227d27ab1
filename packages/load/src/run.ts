// A load run: reads the live catalogue, then starts virtual shoppers, either on a schedule (open
// loop: arrivals per second with a linear ramp, each timed from its intended start, whatever the
// shop's answers) or as N shoppers each starting a new visit when the last one ends (closed loop).
// New arrivals stop at the duration or the shopper count; visits still running get `drainMs`, then
// are cut (and counted as cut). Every interval the recorder closes a timeline point.
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { addressCount, createConnections, createShopperClient, shopperAddress } from './client.ts';
import { type LoadOptions, resolveTarget } from './options.ts';
import {
  type Catalogue,
  loadCatalogue,
  prepareShopper,
  type ScenarioContext,
  scenarios,
  weightedRotation,
} from './scenarios.ts';
import { Recorder, type TimelinePoint } from './stats.ts';
import { StepFailed, startVisit } from './visit.ts';

export interface RunResult {
  options: LoadOptions;
  /** The target as loaded (its host resolved to a loopback address). */
  target: string;
  distinctAddresses: boolean;
  startedAt: string;
  endedAt: string;
  elapsedMs: number;
  recorder: Recorder;
  catalogue: Catalogue;
  /** Order ids the shop answered checkouts with. */
  orders: string[];
  /** Whether visits still running after the drain time were cut. */
  cut: boolean;
}

export interface RunHooks {
  /** Called at the end of every interval (1 s). */
  onTick?(point: TimelinePoint, recorder: Recorder, elapsedMs: number): void;
  /** Aborting it stops new arrivals; the run then drains as at its end. */
  signal?: AbortSignal;
  intervalMs?: number;
  /** Called once the prepared shoppers are ready, as the first arrivals start. */
  onArrivals?(): void;
}

/** Milliseconds after the start at which arrival `n` (from 0) is due: a linear ramp, then the rate. */
export function arrivalAt(n: number, ratePerSecond: number, rampMs: number): number {
  const rampSeconds = rampMs / 1000;
  const duringRamp = (ratePerSecond * rampSeconds) / 2;
  if (n < duringRamp) return Math.sqrt((2 * rampSeconds * n) / ratePerSecond) * 1000;
  return rampMs + ((n - duringRamp) / ratePerSecond) * 1000;
}

const sleepUnless = (ms: number, signal: AbortSignal | undefined) =>
  sleep(ms, undefined, signal === undefined ? {} : { signal }).then(
    () => true,
    () => false,
  );

export async function runLoad(options: LoadOptions, hooks: RunHooks = {}): Promise<RunResult> {
  const { target, distinctAddresses } = await resolveTarget(options);
  const connections = createConnections();
  const recorder = new Recorder();
  const catalogue = await loadCatalogue(
    createShopperClient(target, connections, undefined, options.timeoutMs),
  );
  const context: ScenarioContext = {
    catalogue,
    recorder,
    cards: options.cards,
    accounts: [],
    buyers: [],
    orders: [],
    ready: [],
  };
  // Each run starts at a random place among the 16.5 million addresses, so that runs one after
  // another (a saturation sweep) do not bring the same shoppers back to profiles' per-address
  // registration limit: in a real sale, each new shopper is a new address.
  let shopperIndex = randomInt(addressCount);
  const nextAddress = () => (distinctAddresses ? shopperAddress(shopperIndex++) : undefined);
  if (options.mix.checkout > 0) {
    // Logged-in shoppers for the checkout scenario, a few at a time (registering hashes a password).
    for (let made = 0; made < options.accounts; made += 4) {
      const batch = Array.from({ length: Math.min(4, options.accounts - made) }, () =>
        prepareShopper(createShopperClient(target, connections, nextAddress(), options.timeoutMs)),
      );
      context.ready.push(...(await Promise.all(batch)));
    }
  }
  hooks.onArrivals?.();
  let cut = false;
  let stopped = false;
  const visitContext = { recorder, thinkMs: options.thinkMs, isCut: () => cut };
  const running = new Set<Promise<void>>();

  const nextScenario = weightedRotation(options.mix);
  function launch(intendedStart: number): Promise<void> {
    recorder.shoppersStarted++;
    const scenario = nextScenario();
    // The checkout scenario is one of the shoppers made before the run, each in one visit at a time.
    const prepared = scenario === 'checkout' ? context.ready.pop() : undefined;
    if (scenario === 'checkout' && prepared === undefined) {
      recorder.shoppersFinished++;
      recorder.error('checkout: every prepared shopper busy (raise --accounts)');
      return Promise.resolve();
    }
    const client = prepared ?? createShopperClient(target, connections, nextAddress(), options.timeoutMs);
    const visit = scenarios[scenario](startVisit(client, intendedStart, visitContext), context)
      .catch((error: unknown) => {
        if (!(error instanceof StepFailed)) recorder.error(`${scenario}: ${(error as Error).message}`);
      })
      .finally(() => {
        if (prepared !== undefined) context.ready.push(prepared);
        recorder.shoppersFinished++;
        running.delete(visit);
      });
    running.add(visit);
    return visit;
  }

  const start = performance.now();
  const startedAt = new Date().toISOString();
  const elapsed = () => performance.now() - start;
  const ticker = setInterval(() => {
    const point = recorder.flush(elapsed(), running.size);
    hooks.onTick?.(point, recorder, elapsed());
  }, hooks.intervalMs ?? 1000);
  const signal = hooks.signal;
  signal?.addEventListener('abort', () => {
    stopped = true;
  });
  const more = () =>
    !stopped && (options.maxShoppers === undefined || recorder.shoppersStarted < options.maxShoppers);

  try {
    if (options.rate !== undefined) {
      const rate = options.rate;
      for (let n = 0; more(); n++) {
        const due = arrivalAt(n, rate, options.rampMs);
        if (due >= options.durationMs) break;
        const wait = start + due - performance.now();
        if (wait > 0 && !(await sleepUnless(wait, signal))) break;
        if (running.size >= options.maxInFlight) {
          recorder.skipped++;
          recorder.error('arrival skipped: too many shoppers running');
          continue;
        }
        void launch(start + due);
      }
    } else {
      const users = options.users ?? 1;
      const end = start + options.durationMs;
      const loops = Array.from({ length: users }, async (_, i) => {
        if (!(await sleepUnless((options.rampMs * i) / users, signal))) return;
        while (more() && performance.now() < end) await launch(performance.now());
      });
      await Promise.race([Promise.all(loops), sleepUnless(options.durationMs, signal)]);
      stopped = true;
    }
    stopped = true;
    // The drain's timer is cancelled once every visit ended: left running, it would hold the
    // process (a test file, the CLI) open for the rest of `drainMs`.
    const drainTimer = new AbortController();
    const drained = await Promise.race([
      Promise.all(running).then(() => true),
      sleepUnless(options.drainMs, drainTimer.signal).then(() => false),
    ]);
    drainTimer.abort();
    if (!drained) {
      cut = true;
      connections.close();
      await Promise.allSettled([...running]);
    }
  } finally {
    clearInterval(ticker);
    connections.close();
  }
  const elapsedMs = elapsed();
  hooks.onTick?.(recorder.flush(elapsedMs, running.size), recorder, elapsedMs);
  return {
    options,
    target,
    distinctAddresses,
    startedAt,
    endedAt: new Date().toISOString(),
    elapsedMs,
    recorder,
    catalogue,
    orders: context.orders,
    cut,
  };
}
