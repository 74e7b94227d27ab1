// Lab 2: a monolith first. `npm start -- --monolith` runs the eight services in one Node process:
// shop.json says `mode: 'monolith'` and lists every service with that one pid; a checkout works.
import { type Criterion, fail, pass } from '../criteria.ts';
import { pidAlive, type ShopState, shopServices, total } from '../shop.ts';
import { invoicedSinceStart, metricsOrFail, readyCriterion, runningShop } from './common.ts';
import type { Lab } from './lab.ts';

const startMonolith = 'stop the shop (Ctrl-C) and start it as one process: npm start -- --monolith';

export const lab2: Lab = {
  number: 2,
  title: 'A monolith first',
  page: 'docs/workshop/02-monolith.md',
  minutes: 45,
  firstStep: startMonolith,
  async start() {
    return { did: ['orders placed from now on count for this lab'] };
  },
  async check(context, state) {
    const shop = runningShop(context, startMonolith);
    if (shop.state === undefined) return [shop.criterion];
    const criteria: Criterion[] = [
      shop.state.mode === 'monolith'
        ? pass('the shop runs as a monolith (shop.json: mode monolith)')
        : fail(`the shop runs as ${shop.state.mode}, not as a monolith`, startMonolith),
      await onePidCriterion(shop.state),
      await readyCriterion(shop.state.services),
      await invoicedSinceStart(context, state.startedAt, 'since `lab start 2`'),
    ];
    return criteria;
  },
};

/** Every one of the eight services is listed, all with one live pid; with its resident memory. */
async function onePidCriterion(state: ShopState): Promise<Criterion> {
  const missing = shopServices.filter((name) => !state.services.some((p) => p.name === name));
  if (missing.length > 0) return fail(`shop.json lists no ${missing.join(', ')}`, startMonolith);
  const pids = [...new Set(state.services.map((p) => p.pid))];
  if (pids.length !== 1) {
    const listed = state.services.map((p) => `${p.name} ${p.pid ?? '?'}`).join(', ');
    return fail(`the services run in ${pids.length} processes (${listed}), not one`, startMonolith);
  }
  if (!pidAlive(pids[0])) return fail(`the monolith's pid ${pids[0]} is not running`, startMonolith);
  const { samples } = await metricsOrFail(state.services[0], state.services[0]!.name);
  const rss = samples === undefined ? undefined : total(samples, 'process_resident_memory_bytes') / 2 ** 20;
  const memory = rss === undefined || rss === 0 ? '' : `, resident memory ${rss.toFixed(0)} MB`;
  return pass(`the eight services share one process, pid ${pids[0]}${memory}`);
}
