// Lab 4: move a call between transports. The participant measures the same call (shipping's quote)
// over REST, ZeroRPC and AMQP request/reply with `npm run bench:transports`, saving the table where
// the check reads it, follows the quote in the running shop over ZeroRPC, then moves the live
// shop's quote to REST by configuration (`SHIPPING_TRANSPORT=rest npm start`). The check reads the
// move where it shows: shipping's /metrics in the running shop count quotes answered on its REST
// route (POST /quotes), which only billing and the front-end call, and only with that setting.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { shippingRoutes } from '@trio/contracts/shipping';
import { z } from 'zod';
import type { LabContext } from '../context.ts';
import { type Criterion, fail, pass } from '../criteria.ts';
import { labStateDir } from '../lab-state.ts';
import { readShop, type Sample, standardProcesses, total } from '../shop.ts';
import { invoicedSinceStart, metricsOrFail } from './common.ts';
import type { Lab } from './lab.ts';

/** Where the lab's step saves the benchmark's table (`--json`). */
export const transportsFile = (root: string) => join(labStateDir(root), 'transports.json');
const bench = 'npm run bench:transports -- --json .trio/workshop/transports.json';
const transports = ['REST', 'ZeroRPC', 'AMQP request/reply'] as const;

const Row = z.object({
  transport: z.string(),
  calls: z.number(),
  callsPerSecond: z.number(),
  p50Ms: z.number(),
  p99Ms: z.number(),
  errors: z.number(),
});

function benchCriterion(context: LabContext, startedAt: string): Criterion {
  const path = transportsFile(context.root);
  if (!existsSync(path))
    return fail('no benchmark of the three transports saved since `lab start 4`', `run ${bench}`);
  if (statSync(path).mtime.toISOString() < startedAt)
    return fail('the saved benchmark is older than `lab start 4`', `run it again: ${bench}`);
  let rows: z.infer<typeof Row>[];
  try {
    rows = z.array(Row).parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return fail(`${path} is not a table written by bench:transports`, `run ${bench}`);
  }
  const missing = transports.filter(
    (name) => !rows.some((row) => row.transport === name && row.calls > 0 && row.errors === 0),
  );
  if (missing.length > 0)
    return fail(
      `the benchmark has no error-free measurement of ${missing.join(', ')}`,
      `run ${bench} with nothing else on the machine's fixed ports`,
    );
  const p50s = rows.map((row) => `${row.transport} ${row.p50Ms.toFixed(2)} ms`).join(', ');
  return pass(`the same quote measured over the three transports (p50: ${p50s})`);
}

const restStart = 'restart the shop with `SHIPPING_TRANSPORT=rest npm start`';

/** Whether the running shop's shipping answered quotes over REST, from its /metrics. */
function liveQuoteOverRest(samples: readonly Sample[]): Criterion {
  const rest = total(
    samples,
    'http_server_request_duration_seconds_count',
    (labels) => labels.route === shippingRoutes.quote.path && labels.status === '200',
  );
  const rpc = total(
    samples,
    'rpc_server_request_duration_seconds_count',
    (labels) => labels.method === 'quote',
  );
  if (rest > 0) {
    return pass(
      `in the running shop, shipping answered ${rest} quote(s) over REST (POST ${shippingRoutes.quote.path}) and ${rpc} over ZeroRPC`,
    );
  }
  if (rpc > 0) {
    return fail(
      `the running shop's quotes travel over ZeroRPC (${rpc} answered), none over REST`,
      `${restStart}, ask for a quote on the checkout form and place an order`,
    );
  }
  return fail(
    'the running shop has answered no quote yet',
    `${restStart}, ask for a quote on the checkout form (or place an order), then look at shipping’s /metrics`,
  );
}

export const lab4: Lab = {
  number: 4,
  title: 'Move a call between transports',
  page: 'docs/workshop/04-transports.md',
  minutes: 45,
  firstStep: `run \`${bench}\` and compare the three rows, then move the live quote with \`SHIPPING_TRANSPORT=rest npm start\``,
  async start() {
    return { did: ['benchmarks and orders from now on count for this lab'] };
  },
  async check(context, state) {
    const criteria: Criterion[] = [benchCriterion(context, state.startedAt)];
    const lookup = readShop(context.root);
    const processes = lookup.found ? lookup.state.services : standardProcesses;
    const shipping = processes.find((p) => p.name === 'shipping');
    const { samples, criterion } = await metricsOrFail(shipping, 'shipping');
    if (criterion !== undefined) return [...criteria, criterion];
    criteria.push(
      liveQuoteOverRest(samples!),
      await invoicedSinceStart(context, state.startedAt, 'since `lab start 4`'),
    );
    return criteria;
  },
};
