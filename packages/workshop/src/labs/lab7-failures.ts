// Lab 7: when things fail. Billing killed mid-checkout and restarted (its pid changed since `lab
// start 7`) with every order since then final; payment made slow (it counted injected latency); an
// event of inventory's dead-lettered and replayed (inventory counted a dead letter, its DLQ is empty
// again); and no fault left behind.
import { brokerQueue } from '../context.ts';
import { type Criterion, fail, pass } from '../criteria.ts';
import { ordersSince } from '../facts.ts';
import { clearFaults, faultsSet, queueDepth } from '../infra.ts';
import { pidAlive, processesOf, readShop, total } from '../shop.ts';
import { fromDatabase, metricsOrFail, runningShop } from './common.ts';
import type { Lab } from './lab.ts';

const finalStates = ['invoiced', 'failed', 'cancelled'];
const dlq = 'inventory.orders';

export const lab7: Lab = {
  number: 7,
  title: 'When things fail',
  page: 'docs/workshop/07-when-things-fail.md',
  minutes: 50,
  firstStep:
    'npm run fault -- set payment latency=5s, start a checkout, and kill -9 billing (its pid is in .trio/shop.json) while it waits',
  async start(context) {
    const cleared = await clearFaults(context);
    const lookup = readShop(context.root);
    const billing = lookup.found ? processesOf(lookup.state, 'billing')[0]?.pid : undefined;
    return {
      did: [
        cleared ? 'cleared the fault flags' : 'no fault flags were set',
        billing === undefined
          ? "no running shop: start it, then run lab start 7 again (the check needs billing's pid)"
          : `recorded billing's pid ${billing}`,
      ],
      baseline: billing === undefined ? {} : { billingPid: billing },
    };
  },
  async check(context, state) {
    const shop = runningShop(context, 'start the shop: npm start, then npm run lab -- start 7');
    if (shop.state === undefined) return [shop.criterion];
    const before = state.baseline.billingPid as number | undefined;
    const billing = processesOf(shop.state, 'billing')[0];
    const criteria: Criterion[] = [
      before === undefined
        ? fail(
            'lab start 7 recorded no billing pid (no shop ran)',
            'npm run lab -- start 7 while the shop runs',
          )
        : billing?.pid !== undefined && billing.pid !== before && pidAlive(billing.pid)
          ? pass(`billing was killed and restarted (pid ${before} → ${billing.pid})`)
          : fail(
              `billing still runs as pid ${before}: it was not killed`,
              `while a checkout waits for the slow payment: kill -9 ${before}`,
            ),
      await fromDatabase(context, async () => {
        const orders = await ordersSince(context, state.startedAt);
        const open = orders.filter((o) => !finalStates.includes(o.state));
        if (orders.length === 0)
          return fail(
            'no order placed since `lab start 7`',
            'place an order while payment is slow, then kill billing',
          );
        return open.length === 0
          ? pass(
              `all ${orders.length} order(s) placed since the lab started are final (${orders.map((o) => o.state).join(', ')})`,
            )
          : fail(
              `${open.length} order(s) not final yet: ${open.map((o) => `${o.id} ${o.state}`).join(', ')}`,
              "wait: the restarted billing's sweeper resumes each saga from its row (npm run fault -- clear payment if payment is still slow)",
            );
      }),
    ];
    const payment = await metricsOrFail(processesOf(shop.state, 'payment')[0], 'payment');
    const latency =
      payment.samples === undefined
        ? 0
        : total(payment.samples, 'faults_injected_total', (l) => l.kind === 'latency');
    criteria.push(
      payment.criterion ??
        (latency > 0
          ? pass(`payment was slowed down for ${latency} request(s)`)
          : fail('payment was never slow', 'npm run fault -- set payment latency=5s, then check out')),
    );
    const inventory = await metricsOrFail(processesOf(shop.state, 'inventory')[0], 'inventory');
    const dead =
      inventory.samples === undefined
        ? 0
        : total(inventory.samples, 'events_dead_lettered_total', (l) => (l.queue ?? '').endsWith(dlq));
    criteria.push(
      inventory.criterion ??
        (dead > 0
          ? pass(`inventory dead-lettered ${dead} event(s) of ${dlq}`)
          : fail(
              `inventory has dead-lettered no event of ${dlq}`,
              'npm run fault -- set inventory reject=1, place an order, wait ~40 s (three retries), then npm run dlq -- list inventory.orders',
            )),
    );
    const waiting = await queueDepth(context, brokerQueue(context, `${dlq}.dlq`));
    criteria.push(replayCriterion(waiting, dead));
    const faults = Object.keys(await faultsSet(context));
    criteria.push(
      faults.length === 0
        ? pass('no fault left set')
        : fail(`faults still set on ${faults.join(', ')}`, 'npm run fault -- clear'),
    );
    return criteria;
  },
};

/** The dead letters were replayed: some were dead-lettered, and none waits in the DLQ now. */
function replayCriterion(waiting: number | undefined, dead: number): Criterion {
  const replay = 'npm run fault -- clear inventory, then npm run dlq -- replay inventory.orders';
  if (waiting === undefined)
    return fail(`${dlq}.dlq does not exist (inventory never started here?)`, 'start the shop: npm start');
  if (waiting > 0) return fail(`${dlq}.dlq holds ${waiting} message(s) not replayed`, replay);
  if (dead === 0)
    return fail(
      `nothing of ${dlq} was dead-lettered, so nothing was replayed yet`,
      `first dead-letter one (above), then ${replay}`,
    );
  return pass(`${dlq}.dlq is empty again: the dead letters were replayed`);
}
