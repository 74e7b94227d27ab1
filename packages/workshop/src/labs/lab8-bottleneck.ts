// Lab 8: find the bottleneck. `lab start 8` makes one hop slow (as a slow dependency would); the
// participant records traces (`npm start -- --observe`), measures under load, finds the hop with
// `npm run trace`, removes the cause and measures again: the second run must be clearly faster.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Criterion, fail, pass } from '../criteria.ts';
import { type LoadReport, loadReportsSince } from '../facts.ts';
import { faultsSet, setFault } from '../infra.ts';
import type { Lab } from './lab.ts';

/** The hop made slow, and how: every shipping quote waits this long first. */
export const plantedHop = { service: 'shipping', faults: ['latency=300ms'] };
const measure = 'npm run load -- --mix checkout=1 --think 0 --rate 3/s --duration 30s';

export function spansPath(root: string): string {
  return join(root, '.trio', 'traces', 'spans.jsonl');
}

export const lab8: Lab = {
  number: 8,
  title: 'Find the bottleneck',
  page: 'docs/workshop/08-find-the-bottleneck.md',
  minutes: 50,
  firstStep: `restart the shop with traces: npm start -- --observe; then measure: ${measure}`,
  async start(context) {
    await setFault(context, plantedHop.service, plantedHop.faults);
    return {
      did: ['made one hop of the checkout slow (which one is for you to find)'],
      baseline: { planted: plantedHop.service },
    };
  },
  async check(context, state) {
    const criteria: Criterion[] = [];
    const spans = spansPath(context.root);
    const recorded = existsSync(spans) && statSync(spans).mtime.toISOString() >= state.startedAt;
    const lines = recorded
      ? readFileSync(spans, 'utf8')
          .split('\n')
          .filter((line) => line.trim() !== '').length
      : 0;
    criteria.push(
      lines > 0
        ? pass(`${lines} span(s) recorded in ${spans}`)
        : fail(
            `no spans recorded since the lab started (${spans})`,
            'npm start -- --observe, place an order, then npm run trace -- <orderId>',
          ),
    );
    const planted = String(state.baseline.planted ?? plantedHop.service);
    const faults = await faultsSet(context);
    criteria.push(
      faults[planted] === undefined
        ? pass(`the slow hop (${planted}) is fixed`)
        : fail(
            'the slow hop is still slow',
            'read the trace of one checkout (npm run trace -- <orderId>): which span takes longest? Find what makes it slow and undo it',
          ),
    );
    const reports = loadReportsSince(context.root, state.startedAt).filter(
      (r) => slowestStep(r) !== undefined,
    );
    const first = reports[0];
    const last = reports.at(-1);
    if (first === undefined || last === undefined || first === last) {
      criteria.push(
        fail(
          `${reports.length} load run(s) since the lab started; two are needed, before and after the change`,
          measure,
        ),
      );
      return criteria;
    }
    const step = slowestStep(first)!;
    const before = first.steps[step]!.p50;
    const after = last.steps[step]?.p50;
    criteria.push(
      after !== undefined && after <= before * 0.8
        ? pass(`${step} p50 ${before.toFixed(0)} ms → ${after.toFixed(0)} ms (${first.path} → ${last.path})`)
        : fail(
            `${step} p50 ${before.toFixed(0)} ms → ${after?.toFixed(0) ?? 'not measured'} ms: not at least 20 % faster`,
            `fix the slowest hop, then measure again with the same settings: ${measure}`,
          ),
    );
    return criteria;
  },
};

/** The step with the highest median of a run, among those that ran. */
function slowestStep(report: LoadReport): string | undefined {
  const ran = Object.entries(report.steps).filter(([, s]) => s.count > 0);
  return ran.sort((a, b) => b[1].p50 - a[1].p50)[0]?.[0];
}
