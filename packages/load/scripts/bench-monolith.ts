// `npm run bench:monolith` (lab 2): the same shop as eight processes and as one, side by side: the
// time from launch to ready, resident memory once idle (summed over the processes), and checkout
// latency under a short closed-loop load run (@trio/load). Starts the shop itself, on the shop's
// ports and loopback, on a database of its own; each mode is measured on a restart, after a first
// start has migrated and seeded that database. Target (issue 17): monolith idle RSS ≤ 250 MB.
//
//   npm run bench:monolith [-- --duration 20s --users 4]
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTestDatabase } from '@trio/testing/infra';
import { runAndReport } from '../src/main.ts';
import { parseOptions } from '../src/options.ts';

/** What the launcher's report (.trio/shop.json) says, as far as this needs it. */
interface ShopState {
  readyMs: number;
  services: { name: string; pid: number | undefined }[];
}

const { values } = parseArgs({
  options: { duration: { type: 'string', default: '20s' }, users: { type: 'string', default: '4' } },
});
const idleMs = 5_000;
const targetRssMb = 250;
const launcher = fileURLToPath(new URL('../../launcher/dist/start.js', import.meta.url));

interface Measured {
  readyMs: number;
  processes: number;
  rssMb: number;
  pssMb: number;
  checkouts: number;
  failed: number;
  p50: number | undefined;
  p99: number | undefined;
}

/** Resident memory of a process from /proc: RSS, and PSS (its shared pages divided among their sharers). */
function memoryMb(pid: number): { rss: number; pss: number } {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
  return { rss: kb('Rss') / 1024, pss: kb('Pss') / 1024 };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** The launcher with `args`, until its report says the shop is ready. */
async function launch(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; state: ShopState }> {
  const report = join(mkdtempSync(join(tmpdir(), 'trio-bench-monolith-')), 'shop.json');
  const child = spawn(process.execPath, [launcher, ...args, '--report', report], { env, stdio: 'ignore' });
  const deadline = Date.now() + 120_000;
  while (!existsSync(report)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop(child);
      throw new Error(`npm start ${args.join(' ')} did not get ready`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, state: JSON.parse(readFileSync(report, 'utf8')) as ShopState };
}

async function measure(args: string[], env: NodeJS.ProcessEnv): Promise<Measured> {
  const { child, state } = await launch(args, env);
  try {
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    const pids = [...new Set(state.services.map((service) => service.pid))].filter(
      (pid) => pid !== undefined,
    );
    const memory = pids.map(memoryMb);
    const out = mkdtempSync(join(tmpdir(), 'trio-bench-load-'));
    const options = parseOptions(
      [
        ...['--users', values.users, '--duration', values.duration, '--think', '0s'],
        ...['--mix', 'checkout=1', '--cards', 'success=1', '--accounts', values.users],
        ...['--no-invariants', '--progress', 'off', '--out', out],
      ],
      env,
    );
    const { summary } = await runAndReport(options);
    rmSync(out, { recursive: true, force: true });
    const checkout = summary.steps.checkout;
    return {
      readyMs: state.readyMs,
      processes: pids.length,
      rssMb: memory.reduce((total, each) => total + each.rss, 0),
      pssMb: memory.reduce((total, each) => total + each.pss, 0),
      checkouts: checkout?.count ?? 0,
      failed: checkout?.errors ?? 0,
      p50: checkout?.p50,
      p99: checkout?.p99,
    };
  } finally {
    await stop(child);
  }
}

if ((await fetch('http://127.0.0.1:8080/').catch(() => undefined)) !== undefined) {
  console.error(
    'bench:monolith starts the shop itself on its ports, and something answers on 8080: stop the running shop first.',
  );
  process.exit(2);
}

const database = await createTestDatabase();
const env = { ...process.env, DATABASE_URL: database.url, NO_COLOR: '1' };
try {
  // Migrations and the demo data, once, so that both modes are measured on a restart.
  const first = await launch([], env);
  await stop(first.child);
  const modes = [
    { label: 'eight processes', result: await measure([], env) },
    { label: 'monolith', result: await measure(['--monolith'], env) },
  ];
  const column = (text: string) => text.padStart(18);
  const row = (label: string, cell: (result: Measured) => string, note = '') =>
    console.log(`  ${label.padEnd(28)}${modes.map((mode) => column(cell(mode.result))).join('')}  ${note}`);
  const ms = (value: number | undefined) => (value === undefined ? '–' : `${value.toFixed(1)} ms`);
  console.log(
    `\nnpm start vs npm start -- --monolith (idle ${idleMs / 1000} s; checkout: ${values.users} shoppers, ${values.duration}, no think time)`,
  );
  console.log(`  ${''.padEnd(28)}${modes.map((mode) => column(mode.label)).join('')}`);
  row('processes', (result) => String(result.processes));
  row('start → ready (restart)', (result) => `${(result.readyMs / 1000).toFixed(2)} s`);
  row(
    'idle RSS, summed',
    (result) => `${result.rssMb.toFixed(0)} MB`,
    `target: monolith ≤ ${targetRssMb} MB`,
  );
  row('idle PSS, summed', (result) => `${result.pssMb.toFixed(0)} MB`, '(shared pages counted once)');
  row('checkouts (failed)', (result) => `${result.checkouts} (${result.failed})`);
  row('checkout p50', (result) => ms(result.p50));
  row('checkout p99', (result) => ms(result.p99));
  const monolithRss = modes[1]!.result.rssMb;
  console.log(
    `\n  monolith idle RSS ${monolithRss.toFixed(0)} MB: ${monolithRss <= targetRssMb ? 'within' : 'OVER'} the ${targetRssMb} MB target`,
  );
} finally {
  await database.drop();
}
