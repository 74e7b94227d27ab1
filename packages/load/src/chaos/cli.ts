#!/usr/bin/env node
// `npm run chaos`: issue 18's chaos suite against a native shop under the launcher (supervised,
// fault flags on). By default it starts one itself on a database of its own (trio_chaos) and a fault
// flag prefix of its own, and stops it at the end; `--report FILE` attaches to a shop already
// started with `npm start -- --report FILE` instead. While the load generator's checkout mix runs,
// it injects every fault flag in turn, terminates the shop's PostgreSQL backends, closes its broker
// and Redis connections and kills -9 each service; then it checks the invariants and prints the
// tables. Exits 1 when an invariant is violated, 2 on bad arguments or a shop that would not start.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { parseDuration, parseOptions } from '../options.ts';
import { deadLetterCounts } from './connections.ts';
import { deadLetteredIds, poisonStep } from './poison.ts';
import { chaosDurationMs, chaosTable, runChaos } from './run.ts';
import {
  flagSchedule,
  httpFaultProbes,
  infrastructureSchedule,
  interleave,
  openFlags,
  shopProcesses,
} from './steps.ts';

const root = resolve(fileURLToPath(new URL('../../../../', import.meta.url)));
const usage = `npm run chaos -- [options] [-- load options]
  --report FILE      attach to a shop started with \`npm start -- --report FILE\` (its fault flags:
                     FAULTS_KEY_PREFIX, default none) instead of starting one
  --database NAME    the database of the shop it starts (default trio_chaos)
  --warmup 5s        load before the first fault
  --hold 4s          how long each fault stays
  --gap 4s           recovery time after each fault
  --final-within 30s every order must be final this long after the last fault
  after --: the load generator's options (default --mix checkout=1 --rate 3/s --think 200ms
  --cards success=80,decline=15,slow=5 --accounts 40 --timeout 20s --drain 30s)`;

/** A service as the launcher's report lists it. */
interface ReportedService {
  name: string;
  pid: number;
  httpPort: number;
  adminPort?: number;
}

interface Shop {
  launcherPid: number;
  services: ReportedService[];
  databaseUrl: string;
  faultPrefix: string;
  stop(): Promise<void>;
}

async function waitForReport(file: string, child: ChildProcess | undefined): Promise<ReportedService[]> {
  const until = Date.now() + 180_000;
  while (!existsSync(file)) {
    if (child !== undefined && child.exitCode !== null)
      throw new Error(`the launcher exited (${child.exitCode})`);
    if (Date.now() > until) throw new Error('the shop was not ready within 3 minutes');
    await new Promise((done) => setTimeout(done, 250));
  }
  return (JSON.parse(readFileSync(file, 'utf8')) as { services: ReportedService[] }).services;
}

async function launcherOf(pid: number): Promise<number> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
}

/** A shop under the launcher on its own database and fault prefix; stopped with SIGTERM. */
async function startShop(database: string): Promise<Shop> {
  const base = 'postgres://postgres@127.0.0.1:5432';
  const admin = new pg.Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (rowCount === 0) await admin.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
  await admin.end();
  const dir = mkdtempSync(join(tmpdir(), 'trio-chaos-'));
  const report = join(dir, 'report.json');
  const faultPrefix = `chaos-${process.pid}:`;
  const databaseUrl = `${base}/${database}`;
  const child = spawn(process.execPath, [join(root, 'packages/launcher/dist/start.js'), '--report', report], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      FAULTS_ENABLED: 'true',
      FAULTS_KEY_PREFIX: faultPrefix,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((done) => child.once('exit', done));
  process.stderr.write(`starting the shop under the launcher (database ${database})…\n`);
  const services = await waitForReport(report, child);
  return {
    launcherPid: child.pid!,
    services,
    databaseUrl,
    faultPrefix,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function attach(file: string): Promise<Shop> {
  const services = await waitForReport(file, undefined);
  return {
    launcherPid: await launcherOf(services[0]!.pid),
    services,
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    faultPrefix: process.env.FAULTS_KEY_PREFIX ?? '',
    stop: async () => {},
  };
}

async function main(argv: string[]): Promise<number> {
  const split = argv.indexOf('--');
  const { values } = parseArgs({
    args: split === -1 ? argv : argv.slice(0, split),
    options: {
      report: { type: 'string' },
      database: { type: 'string', default: 'trio_chaos' },
      warmup: { type: 'string', default: '5s' },
      hold: { type: 'string', default: '4s' },
      gap: { type: 'string', default: '4s' },
      'final-within': { type: 'string', default: '30s' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const redisUrl = process.env.FAULTS_REDIS_URL || process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const shop = values.report === undefined ? await startShop(values.database) : await attach(values.report);
  const flags = openFlags(redisUrl, shop.faultPrefix);
  // Each service's /metrics and /faults: on its admin port where it has one (the storefront), else its HTTP port.
  const adminUrl = (name: string) => {
    const service = shop.services.find((candidate) => candidate.name === name);
    return service && `http://127.0.0.1:${service.adminPort ?? service.httpPort}`;
  };
  try {
    const processes = () => shopProcesses(shop.launcherPid);
    const exchange = process.env.EVENTS_EXCHANGE || 'trio.events';
    const amqpUrl = process.env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672';
    // The services' own rule (@trio/events): queues of another exchange than the shop's get its name first.
    const queuePrefix = exchange === 'trio.events' ? '' : `${exchange}.`;
    const steps = interleave(
      [
        ...flagSchedule(flags, { crash: true, probes: httpFaultProbes(adminUrl) }),
        poisonStep({ amqpUrl, exchange, queuePrefix }),
      ],
      await infrastructureSchedule({
        databaseUrl: shop.databaseUrl,
        redisUrl,
        pids: async () => [...(await processes()).values()],
        killable: processes,
      }),
    );
    const deadLetters = await deadLetterCounts(queuePrefix).then(
      () => () => deadLetterCounts(queuePrefix),
      () => undefined,
    );
    if (deadLetters === undefined) console.error('rabbitmqctl did not answer: the DLQ check is left out');
    const load = parseOptions([
      ...[
        '--mix',
        'checkout=1',
        '--rate',
        '3/s',
        '--think',
        '200ms',
        '--accounts',
        '40',
        '--progress',
        'off',
      ],
      ...['--cards', 'success=80,decline=15,slow=5', '--timeout', '20s', '--drain', '30s'],
      ...['--database-url', shop.databaseUrl],
      ...(split === -1 ? [] : argv.slice(split + 1)),
    ]);
    const timing = {
      warmupMs: parseDuration(values.warmup),
      holdMs: parseDuration(values.hold),
      gapMs: parseDuration(values.gap),
    };
    console.error(
      `chaos: ${steps.length} faults, planned over ${(chaosDurationMs({ steps, ...timing }) / 1000).toFixed(0)} s of checkout load ` +
        `at ${load.rate ?? load.users}/s against ${load.target}, then the invariants`,
    );
    const report = await runChaos({
      load,
      steps,
      ...timing,
      finalWithinMs: parseDuration(values['final-within']),
      ...(deadLetters === undefined ? {} : { deadLetters }),
      events: { queuePrefix, deadLettered: deadLetteredIds(amqpUrl) },
      say: (line) => console.error(line),
    });
    console.log(chaosTable(report));
    return report.ok ? 0 : 1;
  } finally {
    await flags.remove('faults').catch(() => false);
    await flags.close();
    await shop.stop();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(`chaos: ${error instanceof Error ? error.message : String(error)}\n${usage}`);
  process.exitCode = 2;
}
