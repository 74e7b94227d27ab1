// Lab 5: service discovery and load balancing. `npm start -- --replicas inventory=3` runs three
// inventory processes on 127.0.0.2–4; the callers find every one and spread their calls, the three
// compete for inventory's AMQP queue, and a load run shows the clients follow when a replica is
// killed: the launcher records the exit in .trio/shop.json (and restarts it), the load run's
// timeline shows checkouts answered after it, and none failed.
import { type Criterion, fail, pass } from '../criteria.ts';
import { answeredAfter, type LoadReport, loadReportsSince } from '../facts.ts';
import {
  metricsOf,
  pidAlive,
  processesOf,
  type Sample,
  type ShopProcess,
  type ShopState,
  total,
} from '../shop.ts';
import { readyCriterion, runningShop } from './common.ts';
import type { Lab } from './lab.ts';

const replicas = 'stop the shop and start it with three inventories: npm start -- --replicas inventory=3';
const load =
  'run npm run load -- --duration 60s and, meanwhile, kill -9 one inventory replica (its pid is in .trio/shop.json)';

export const lab5: Lab = {
  number: 5,
  title: 'Service discovery and load balancing',
  page: 'docs/workshop/05-discovery-and-load-balancing.md',
  minutes: 45,
  firstStep: replicas,
  async start() {
    return { did: ['load runs and replica kills from now on count for this lab'] };
  },
  async check(context, state) {
    const shop = runningShop(context, replicas);
    if (shop.state === undefined) return [shop.criterion];
    const inventories = processesOf(shop.state, 'inventory');
    const addresses = new Set(inventories.map((p) => p.address));
    const criteria: Criterion[] = [
      inventories.length >= 3 && addresses.size === inventories.length
        ? pass(`${inventories.length} inventory replicas on ${[...addresses].join(', ')}`)
        : fail(
            `${inventories.length} inventory process(es) on ${addresses.size} address(es); the lab needs three`,
            replicas,
          ),
    ];
    if (inventories.length === 0) return criteria;
    criteria.push(await readyCriterion(inventories));
    const metrics = await Promise.all(inventories.map(async (p) => ({ p, samples: await metricsOf(p) })));
    criteria.push(
      spread(metrics, 'rpc_server_request_duration_seconds_count', {
        what: 'ZeroRPC calls',
        fix: `put load on the shop so that calls spread: ${load}`,
      }),
      spread(metrics, 'events_consumed_total', {
        what: 'deliveries from the queue inventory.orders (competing consumers)',
        fix: 'place a few orders (npm run load -- --duration 20s): each replica consumes the queue, and the broker hands each event to one of them',
      }),
      ...killUnderLoad(shop.state, loadReportsSince(context.root, state.startedAt), state.startedAt),
    );
    return criteria;
  },
};

/** One metric over the replicas: at least two of them must have a count. */
function spread(
  metrics: readonly { p: ShopProcess; samples: Sample[] | undefined }[],
  metric: string,
  { what, fix }: { what: string; fix: string },
): Criterion {
  const counts = metrics.map(({ p, samples }) => ({
    p,
    count: samples === undefined ? undefined : total(samples, metric),
  }));
  const shown = counts.map(({ p, count }) => `${p.address}: ${count ?? 'no /metrics'}`).join(', ');
  const busy = counts.filter(({ count }) => (count ?? 0) > 0).length;
  return busy >= 2
    ? pass(`${what} spread over ${busy} replicas (${shown})`)
    : fail(`${what} reached ${busy} replica(s) (${shown}); at least two must have some`, fix);
}

const clock = (iso: string) => iso.slice(11, 19);

/**
 * The replica kill: an inventory exit recorded since the lab started, during a load run with
 * checkouts; the replica restarted (a new pid at its address); checkouts answered after the kill
 * and none failed. The first kill that passes wins; otherwise the last one says what is missing.
 */
function killUnderLoad(state: ShopState, reports: readonly LoadReport[], since: string): Criterion[] {
  const kills = (state.exits ?? []).filter((exit) => exit.name === 'inventory' && exit.at >= since);
  const withCheckouts = reports.filter((r) => (r.steps.checkout?.count ?? 0) > 0);
  if (kills.length === 0) {
    return [
      fail(
        'no inventory replica exited since `lab start 5` (.trio/shop.json records no exit: the launcher writes one when a replica dies)',
        load,
      ),
      withCheckouts.length === 0
        ? fail('no load run with checkouts since `lab start 5`', load)
        : pass(`${withCheckouts.length} load run(s) with checkouts since \`lab start 5\``),
    ];
  }
  let last: Criterion[] = [];
  for (const kill of kills) {
    const victim = `${kill.address} (pid ${kill.pid ?? '?'}, ${kill.reason} at ${clock(kill.at)})`;
    const now = processesOf(state, 'inventory').find((p) => p.address === kill.address);
    const restarted =
      now !== undefined && now.pid !== kill.pid && pidAlive(now.pid)
        ? pass(`the replica killed at ${victim} was restarted (pid ${now.pid})`)
        : fail(
            `the replica killed at ${victim} does not run again (${now === undefined ? 'no inventory at that address' : `pid ${now.pid ?? '?'}`})`,
            'the launcher restarts a replica that dies: look for "restarting it" in its log',
          );
    const run = withCheckouts.find((r) => r.startedAt <= kill.at && kill.at <= r.endedAt);
    last = [restarted, run === undefined ? notDuring(victim, withCheckouts) : followed(victim, kill.at, run)];
    if (last.every((criterion) => criterion.ok)) return last;
  }
  return last;
}

function notDuring(victim: string, runs: readonly LoadReport[]): Criterion {
  const ranges = runs.map((r) => `${clock(r.startedAt)}–${clock(r.endedAt)}`).join(', ');
  return fail(
    `the kill of ${victim} was not during a load run with checkouts (${runs.length === 0 ? 'none since `lab start 5`' : `runs: ${ranges}`})`,
    load,
  );
}

/** The load run over the kill: checkouts answered after it, none failed. */
function followed(victim: string, at: string, run: LoadReport): Criterion {
  const offset = (Date.parse(at) - Date.parse(run.startedAt)) / 1000;
  const after = answeredAfter(run, 'checkout', offset);
  const failed = run.steps.checkout?.errors ?? 0;
  const over = `the load run over the kill of ${victim} (${run.path})`;
  if (failed > 0)
    return fail(
      `${over}: ${failed} checkout(s) failed`,
      'the callers should retry a call the dead replica never answered; see "What to observe", then run it again',
    );
  if (after === 0)
    return fail(
      `${over}: no checkout was answered after the kill (${offset.toFixed(1)} s into the run)`,
      `kill the replica earlier in the run, so that the clients have time to follow: ${load}`,
    );
  return pass(
    `${over}: ${run.steps.checkout!.count} checkout(s), ${after} answered after the kill (${offset.toFixed(1)} s in), none failed`,
  );
}
