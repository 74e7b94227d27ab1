// Lab 6: build, ship, run, then a rolling deploy. `lab start 6` records inventory's pids; after
// `npm run deploy -- inventory` every one of them is replaced, every replica is ready, and a load run
// over the deploy met no error; `npm run deploy -- inventory --bad` was rolled back. Both deploys
// are read from `.trio/deploys.json`, where `npm run deploy` records each outcome. Where a container
// engine answers, the image must exist too.
import { spawnSync } from 'node:child_process';
import { type DeployRecord, readDeploys } from '@trio/launcher/state';
import { type Criterion, fail, pass, skip } from '../criteria.ts';
import { errorCount, type LoadReport, loadReportsSince } from '../facts.ts';
import { pidAlive, processesOf, readShop } from '../shop.ts';
import { readyCriterion, runningShop } from './common.ts';
import type { Lab } from './lab.ts';

const deploy =
  'in one terminal npm run load -- --duration 90s; in another, while it runs, npm run deploy -- inventory';

export const lab6: Lab = {
  number: 6,
  title: 'Build, ship, run, and a rolling deploy',
  page: 'docs/workshop/06-build-ship-run.md',
  minutes: 60,
  firstStep: 'npm run images, then (with the shop running) npm run lab -- start 6 again before the deploy',
  async start(context) {
    const lookup = readShop(context.root);
    if (!lookup.found)
      return { did: [`no running shop: ${lookup.why}; start it, then run lab start 6 again`] };
    const pids = processesOf(lookup.state, 'inventory').map((p) => p.pid);
    return {
      did: [`recorded inventory's pids before the deploy: ${pids.join(', ')}`],
      baseline: { inventoryPids: pids },
    };
  },
  async check(context, state) {
    const before = (state.baseline.inventoryPids as number[] | undefined) ?? [];
    const criteria: Criterion[] = [imageCriterion(context.containerCli)];
    if (before.length === 0) {
      return [
        ...criteria,
        fail(
          'lab start 6 recorded no inventory pids (the shop was not running)',
          'start the shop, then npm run lab -- start 6',
        ),
      ];
    }
    const shop = runningShop(
      context,
      'start the shop again: npm start (with the replicas of lab 5 if you like)',
    );
    if (shop.state === undefined) return [...criteria, shop.criterion];
    const now = processesOf(shop.state, 'inventory');
    const kept = now.filter((p) => p.pid !== undefined && before.includes(p.pid));
    criteria.push(
      kept.length === 0 && now.length >= before.length && now.every((p) => pidAlive(p.pid))
        ? pass(
            `every inventory process was replaced (pids ${before.join(', ')} → ${now.map((p) => p.pid).join(', ')})`,
          )
        : fail(
            `inventory was not (wholly) redeployed: ${kept.length} of ${now.length} process(es) still run from before (pids ${kept.map((p) => p.pid).join(', ') || 'none'}), ${now.length} now, ${before.length} before`,
            'npm run deploy -- inventory',
          ),
    );
    criteria.push(await readyCriterion(now));
    const deploys = readDeploys(context.root).filter(
      (record) => record.service === 'inventory' && record.startedAt >= state.startedAt,
    );
    const good = deploys.filter((record) => !record.bad && record.result === 'deployed').at(-1);
    criteria.push(goodDeploy(good, deploys), rolledBack(deploys));
    const reports = loadReportsSince(context.root, state.startedAt);
    const last = good === undefined ? reports.at(-1) : reports.filter((r) => during(r, good)).at(-1);
    if (last === undefined) {
      const when = good === undefined ? 'since `lab start 6`' : `during the deploy (${span(good)})`;
      return [...criteria, fail(`no load run ${when}`, deploy)];
    }
    const errors = errorCount(last);
    criteria.push(
      errors === 0 && last.requests.answered > 0
        ? pass(
            `the load run over the deploy answered ${last.requests.answered} request(s), none failed: ${last.path}`,
          )
        : fail(
            `the last load run (${last.path}) met ${errors} failed request(s) of ${last.requests.sent}: ${Object.keys(last.errors).join(', ')}`,
            `${deploy}; a failed request means a replica stopped while it still had work`,
          ),
    );
    return criteria;
  },
};

const clock = (iso: string) => iso.slice(11, 19);
const span = (record: DeployRecord) => `${clock(record.startedAt)}–${clock(record.endedAt)}`;
const during = (report: LoadReport, record: DeployRecord) =>
  report.startedAt <= record.startedAt && record.endedAt <= report.endedAt;

/** What .trio/deploys.json holds since the lab started, for a ✗. */
function recorded(deploys: readonly DeployRecord[]): string {
  if (deploys.length === 0) return '.trio/deploys.json records no deploy of inventory since `lab start 6`';
  const each = deploys.map(
    (r) => `${r.bad ? '--bad ' : ''}${r.result} at ${clock(r.endedAt)}${r.problem ? ` (${r.problem})` : ''}`,
  );
  return `.trio/deploys.json records: ${each.join('; ')}`;
}

function goodDeploy(good: DeployRecord | undefined, deploys: readonly DeployRecord[]): Criterion {
  if (good === undefined)
    return fail(`no rolling deploy of inventory completed (${recorded(deploys)})`, deploy);
  const replaced = good.replaced.map((r) => `${r.old.pid ?? '?'} → ${r.new.pid ?? '?'}`).join(', ');
  return pass(
    `npm run deploy -- inventory replaced ${good.replaced.length} replica(s) (${span(good)}: pids ${replaced})`,
  );
}

function rolledBack(deploys: readonly DeployRecord[]): Criterion {
  const bad = deploys.filter((record) => record.bad && record.result === 'rolled-back').at(-1);
  return bad === undefined
    ? fail(
        `no bad version was rolled back (${recorded(deploys)})`,
        'npm run deploy -- inventory --bad: its new replica never becomes ready, and the deploy must stop it before any caller knows it',
      )
    : pass(
        `the bad version was rolled back at ${clock(bad.endedAt)}: ${bad.problem ?? 'no reason recorded'}`,
      );
}

/** Whether `npm run images` built inventory's image; skipped without a container engine. */
function imageCriterion(cli: string): Criterion {
  const inspected = spawnSync(
    cli,
    ['image', 'inspect', '--format', '{{.Id}}', 'trio-shop/inventory:latest'],
    {
      encoding: 'utf8',
      timeout: 10_000,
    },
  );
  if (inspected.error !== undefined)
    return skip(`build and ship: no ${cli} command here (the native part is checked)`);
  if (inspected.status === 0)
    return pass(`the image trio-shop/inventory:latest is built (${inspected.stdout.trim().slice(0, 19)})`);
  if (/Cannot connect|daemon/i.test(inspected.stderr))
    return skip('build and ship: no container engine answers (the native part is checked)');
  return fail(
    'the image trio-shop/inventory:latest is not built',
    'npm run images (then REGISTRY=127.0.0.1:5000 npm run ship)',
  );
}
