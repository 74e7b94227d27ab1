// Lab 3: cut a service out. `npm start -- --monolith --split recommendations`: recommendations runs
// in a process of its own (its own pid), the other seven still share one, and the storefront's
// calls to it now cross the network (its ZeroRPC server counts them).
import { type Criterion, fail, pass } from '../criteria.ts';
import { describeProcess, pidAlive, processesOf, total } from '../shop.ts';
import { metricsOrFail, readyCriterion, runningShop } from './common.ts';
import type { Lab } from './lab.ts';

const split =
  'stop the shop and start it again with recommendations cut out: npm start -- --monolith --split recommendations';

export const lab3: Lab = {
  number: 3,
  title: 'Cut a service out',
  page: 'docs/workshop/03-cut-a-service-out.md',
  minutes: 40,
  firstStep: split,
  async start() {
    return { did: ['nothing to reset: the check reads the running shop'] };
  },
  async check(context) {
    const shop = runningShop(context, split);
    if (shop.state === undefined) return [shop.criterion];
    const { state } = shop;
    const recommendations = processesOf(state, 'recommendations');
    const rest = state.services.filter((p) => p.name !== 'recommendations');
    const restPids = [...new Set(rest.map((p) => p.pid))];
    const own = recommendations[0];
    const criteria: Criterion[] = [
      state.mode === 'monolith'
        ? pass('the rest of the shop runs as a monolith')
        : fail(`the shop runs as ${state.mode}: every service is already its own process`, split),
    ];
    if (own === undefined) return [...criteria, fail('shop.json lists no recommendations', split)];
    criteria.push(
      restPids.length === 1 && own.pid !== restPids[0] && pidAlive(own.pid)
        ? pass(
            `recommendations runs in its own process (pid ${own.pid}); the other ${rest.length} share pid ${restPids[0]}`,
          )
        : fail(
            `recommendations is not alone in a process: ${describeProcess(own)}, the others in pid(s) ${restPids.join(', ')}`,
            split,
          ),
    );
    criteria.push(await readyCriterion([own]));
    const { samples, criterion } = await metricsOrFail(own, 'recommendations');
    if (criterion !== undefined) return [...criteria, criterion];
    const calls = total(samples!, 'rpc_server_request_duration_seconds_count');
    criteria.push(
      calls > 0
        ? pass(`recommendations answered ${calls} ZeroRPC call(s) over the network`)
        : fail(
            'recommendations has answered no call over ZeroRPC yet',
            'open a product page or the cart (the "bought together" panel asks recommendations), or run npm run load -- --duration 10s',
          ),
    );
    return criteria;
  },
};
