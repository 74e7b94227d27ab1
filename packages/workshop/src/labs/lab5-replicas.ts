// Lab 5: service discovery and load balancing. `npm start -- --replicas inventory=3` runs three
// inventory processes on 127.0.0.2–4; the callers find every one and spread their calls, and a load
// run shows the clients follow when a replica is killed.
import { type Criterion, fail, pass } from '../criteria.ts';
import { errorCount, loadReportsSince } from '../facts.ts';
import { metricsOf, processesOf, total } from '../shop.ts';
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
    return { did: ['load runs from now on count for this lab'] };
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
    const served = await Promise.all(
      inventories.map(async (p) => {
        const samples = await metricsOf(p);
        return {
          p,
          calls:
            samples === undefined ? undefined : total(samples, 'rpc_server_request_duration_seconds_count'),
        };
      }),
    );
    const idle = served.filter((s) => !s.calls);
    const counts = served.map((s) => `${s.p.address}: ${s.calls ?? 'no /metrics'}`).join(', ');
    criteria.push(
      idle.length === 0
        ? pass(`every replica answered calls (${counts})`)
        : fail(
            `not every replica answered calls (${counts})`,
            `put load on the shop so that calls spread: ${load}`,
          ),
    );
    const reports = loadReportsSince(context.root, state.startedAt).filter(
      (r) => (r.steps.checkout?.count ?? 0) > 0,
    );
    const last = reports.at(-1);
    criteria.push(
      last === undefined
        ? fail('no load run with checkouts since `lab start 5`', load)
        : pass(
            `a load run with ${last.steps.checkout!.count} checkout(s) and ${errorCount(last)} error(s): ${last.path}`,
          ),
    );
    return criteria;
  },
};
