// `npm run saturation -w @trio/load`: issue 14's saturation figure, the highest checkout rate the
// running shop sustains with the checkout's p99 at or under 1 s and nothing failing but declines.
// Starts nothing of the shop (point it at one: `npm run shop -w @trio/load`, or npm start). Runs
// the checkout benchmark (logged-in shoppers, one line, success card, no think time) open-loop at
// each rate in turn, from the lowest, and stops at the first rate that misses; each run's summary
// and report stay in OUT/<rate>. Figures, not assertions: it always exits 0 once the runs are done.
//   npm run saturation -w @trio/load -- [--target http://127.0.0.1:18080]
//     [--database-url postgres://postgres@127.0.0.1:5432/trio_load] [--rates 4,8,12,16,20,30,40,50]
//     [--duration 30s] [--accounts N] [--out load-reports/saturation/<time>]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'http://127.0.0.1:18080' },
    'database-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/trio_load' },
    rates: { type: 'string', default: '4,8,12,16,20,30,40,50' },
    duration: { type: 'string', default: '30s' },
    // Logged-in shoppers prepared before each run (registrations cost CPU): by default enough for
    // `rate` new shoppers a second each busy for up to 4 s.
    accounts: { type: 'string' },
    'p99-ms': { type: 'string', default: '1000' },
    out: { type: 'string' },
  },
});
const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(
  values.out ?? join(here, '../../../load-reports/saturation', new Date().toISOString().replace(/[:.]/g, '')),
);
const rates = values.rates.split(',').map(Number);
const p99Limit = Number(values['p99-ms']);

interface Summary {
  steps: Record<string, { count: number; errors: number; p50: number; p99: number; rate: number }>;
  errors: Record<string, number>;
  outcomes: Record<string, number>;
  invariants?: { ok: boolean };
}

/** Why a run misses the target, or undefined when it holds. */
function miss(summary: Summary): string | undefined {
  const checkout = summary.steps.checkout;
  if (checkout === undefined || checkout.count === 0) return 'no checkout answered';
  if (checkout.p99 > p99Limit) return `checkout p99 ${checkout.p99.toFixed(0)} ms > ${p99Limit} ms`;
  const errors = Object.entries(summary.errors).filter(([, count]) => count > 0);
  if (errors.length > 0) return `errors: ${errors.map(([kind, count]) => `${kind} ${count}`).join(', ')}`;
  // A decline is the card's answer and out_of_stock the catalogue's (repeated runs sell the
  // demo stock out), not the shop failing under load; every other failed order counts.
  const answers = ['confirmed', 'declined', 'out_of_stock'];
  const failed = Object.entries(summary.outcomes).filter(
    ([outcome, count]) => count > 0 && !answers.some((answer) => outcome.includes(answer)),
  );
  if (failed.length > 0) return `failed: ${failed.map(([kind, count]) => `${kind} ${count}`).join(', ')}`;
  if (summary.invariants?.ok === false) return 'an invariant broke';
  return undefined;
}

mkdirSync(out, { recursive: true });
console.log(
  `checkout saturation against ${values.target}: ${values.duration} per rate, p99 ≤ ${p99Limit} ms\n`,
);
console.log(
  `${'rate/s'.padStart(7)}${'answered/s'.padStart(12)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}  verdict`,
);
let best: number | undefined;
for (const rate of rates) {
  const dir = join(out, String(rate));
  const run = spawnSync(
    process.execPath,
    [
      join(here, '../dist/cli.js'),
      ...['--target', values.target, '--database-url', values['database-url']],
      ...['--mix', 'checkout=1', '--think', '0', '--cards', 'success=1'],
      ...['--accounts', values.accounts ?? String(Math.max(20, Math.ceil(rate * 4)))],
      ...['--rate', `${rate}/s`, '--duration', values.duration, '--progress', 'off', '--out', dir],
    ],
    { encoding: 'utf8' },
  );
  let summary: Summary;
  try {
    summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
  } catch {
    console.log(
      `${String(rate).padStart(7)}  the run wrote no summary (exit ${run.status}): ${run.stderr.slice(-300)}`,
    );
    break;
  }
  const checkout = summary.steps.checkout;
  const why = miss(summary);
  console.log(
    `${String(rate).padStart(7)}${(checkout?.rate ?? 0).toFixed(1).padStart(12)}` +
      `${(checkout?.p50 ?? 0).toFixed(0).padStart(9)}${(checkout?.p99 ?? 0).toFixed(0).padStart(9)}  ${why ?? '✔'}`,
  );
  if (why !== undefined) break;
  best = rate;
}
console.log(
  `\nsaturation: ${best === undefined ? `below ${rates[0]}` : `${best}`} checkouts/s (target ≥ 50/s); runs in ${out}`,
);
