// Lab 1: the whole app in one file. The shop runs (natively or in compose), an order placed since
// the lab started went all the way (invoiced), and the order.confirmed event reached shipping.
import { type Criterion, fail, pass } from '../criteria.ts';
import { ordersSince, placeOrderFix } from '../facts.ts';
import { readShop, shopServices, standardProcesses } from '../shop.ts';
import { fromDatabase, invoicedSinceStart, readyCriterion } from './common.ts';
import type { Lab } from './lab.ts';

export const lab1: Lab = {
  number: 1,
  title: 'The whole app in one file',
  page: 'docs/workshop/01-whole-app.md',
  minutes: 40,
  firstStep:
    'read fig.yml and docker-compose.yml beside docs/architecture.md, then run `npm start` (or `docker compose up --build`)',
  async start() {
    return { did: ['orders placed from now on count for this lab'] };
  },
  async check(context, state) {
    const lookup = readShop(context.root);
    const processes = lookup.found ? lookup.state.services : standardProcesses;
    const criteria: Criterion[] = [];
    const missing = shopServices.filter((name) => !processes.some((p) => p.name === name));
    criteria.push(
      missing.length === 0
        ? pass(
            lookup.found
              ? 'the eight services run under npm start'
              : 'no shop.json: checking the standard ports (compose)',
          )
        : fail(
            `the shop runs without ${missing.join(', ')}`,
            'stop it and start the whole shop: npm start (no --only/--except)',
          ),
    );
    criteria.push(await readyCriterion(processes));
    criteria.push(await invoicedSinceStart(context, state.startedAt, 'since `lab start 1`'));
    criteria.push(
      await fromDatabase(context, async () => {
        const shipped = (await ordersSince(context, state.startedAt)).filter(
          (o) => o.state === 'invoiced' && o.shipment,
        );
        return shipped.length > 0
          ? pass(`order ${shipped[0]!.id} reached shipping through order.confirmed (a shipment exists)`)
          : fail(
              'no order placed since the lab started has a shipment yet',
              `${placeOrderFix}; shipping creates the shipment when order.confirmed reaches it`,
            );
      }),
    );
    return criteria;
  },
};
