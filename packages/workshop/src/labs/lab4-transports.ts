// Lab 4: move a call between transports. With SHIPPING_TRANSPORT=rest both callers of the shipping
// quote (billing and the front-end) ask shipping over REST: shipping's HTTP metrics count quote
// requests, its ZeroRPC server none, and a checkout still goes through.
import { type Criterion, fail, pass } from '../criteria.ts';
import { readShop, standardProcesses, total } from '../shop.ts';
import { invoicedSinceStart, metricsOrFail } from './common.ts';
import type { Lab } from './lab.ts';

const restart = 'stop the shop and start it with the quote over REST: SHIPPING_TRANSPORT=rest npm start';

export const lab4: Lab = {
  number: 4,
  title: 'Move a call between transports',
  page: 'docs/workshop/04-transports.md',
  minutes: 45,
  firstStep: 'run `npm run bench:transports`, then restart the shop with SHIPPING_TRANSPORT=rest',
  async start() {
    return { did: ['orders placed from now on count for this lab'] };
  },
  async check(context, state) {
    const lookup = readShop(context.root);
    const processes = lookup.found ? lookup.state.services : standardProcesses;
    const shipping = processes.find((p) => p.name === 'shipping');
    const { samples, criterion } = await metricsOrFail(shipping, 'shipping');
    if (criterion !== undefined) return [criterion];
    const rest = total(
      samples!,
      'http_server_request_duration_seconds_count',
      (labels) => /quote/i.test(labels.route ?? '') && (labels.status ?? '').startsWith('2'),
    );
    const rpc = total(
      samples!,
      'rpc_server_request_duration_seconds_count',
      (labels) => labels.method === 'quote',
    );
    const criteria: Criterion[] = [
      rest > 0
        ? pass(`shipping answered ${rest} quote(s) over REST`)
        : fail(
            'shipping has answered no quote over REST',
            `${restart}, then ask for a quote (the cart's checkout form) or place an order`,
          ),
      rpc === 0
        ? pass('no quote reached shipping over ZeroRPC: every caller switched')
        : fail(
            `shipping still answered ${rpc} quote(s) over ZeroRPC: a caller still uses it`,
            `${restart} (the variable must reach billing and the front-end; the launcher passes your environment on)`,
          ),
      await invoicedSinceStart(context, state.startedAt, 'since `lab start 4`'),
    ];
    return criteria;
  },
};
