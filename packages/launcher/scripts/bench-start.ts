// The launcher's benchmark (`npm run bench`): the time from `npm start`'s launch of the services to
// every /readyz answering, and each service's resident memory once idle, against a raw baseline
// measured in the same run: eight bare Node processes that answer /readyz as soon as they listen.
// Targets (issue 8): ready within 5 s after the build, 600 MB for all eight together.
// Uses the shop's ports and the infrastructure at the configured URLs (a database of its own).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '@trio/testing/infra';
import { services } from '../src/services.ts';

const idleMs = 5_000;

/**
 * Resident memory of a process: RSS (every page it has in memory, shared ones included) and PSS
 * (shared pages divided among the processes sharing them, such as the Node binary's code that all
 * eight map): the sum of PSS is what the eight really take together.
 */
function memoryMb(pid: number): { rss: number; pss: number } {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0) / 1024;
  return { rss: field('Rss'), pss: field('Pss') };
}

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function exit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

/** Eight bare processes, one per service port: how fast Node alone gets there, and how small. */
async function baseline(): Promise<{ readyMs: number; memory: { rss: number; pss: number }[] }> {
  const script = `require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.argv[1]), '127.0.0.1')`;
  const started = Date.now();
  const children = services.map((service) =>
    spawn(process.execPath, ['-e', script, String(service.httpPort)], { stdio: 'ignore' }),
  );
  const answers = (port: number) =>
    fetch(`http://127.0.0.1:${port}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
  await waitUntil(
    async () => (await Promise.all(services.map((service) => answers(service.httpPort)))).every(Boolean),
    30_000,
  );
  const readyMs = Date.now() - started;
  await new Promise((resolve) => setTimeout(resolve, idleMs));
  const memory = children.map((child) => memoryMb(child.pid!));
  await Promise.all(children.map(exit));
  return { readyMs, memory };
}

async function shop(): Promise<{ readyMs: number; memory: { rss: number; pss: number }[] }> {
  const database = await createTestDatabase();
  const report = join(mkdtempSync(join(tmpdir(), 'trio-bench-')), 'report.json');
  const launcher = spawn(
    process.execPath,
    [fileURLToPath(new URL('../dist/start.js', import.meta.url)), '--report', report],
    { env: { ...process.env, DATABASE_URL: database.url, NO_COLOR: '1' }, stdio: 'ignore' },
  );
  try {
    await waitUntil(() => existsSync(report) || launcher.exitCode !== null, 120_000);
    if (!existsSync(report)) throw new Error('the launcher stopped before the shop was ready');
    const { readyMs, services: running } = JSON.parse(readFileSync(report, 'utf8')) as {
      readyMs: number;
      services: { name: string; pid: number }[];
    };
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    const memory = services.map((service) =>
      memoryMb(running.find((entry) => entry.name === service.name)!.pid),
    );
    return { readyMs, memory };
  } finally {
    await exit(launcher);
    await database.drop();
  }
}

/** The shop's ports something already listens on (a running shop, say): the benchmark needs them free. */
async function portsInUse(): Promise<string[]> {
  const ports = services.flatMap((service) => [
    { name: service.name, port: service.httpPort },
    ...(service.rpcPort === undefined ? [] : [{ name: `${service.name} (ZeroRPC)`, port: service.rpcPort }]),
  ]);
  const taken = await Promise.all(
    ports.map(
      ({ port }) =>
        new Promise<boolean>((resolve) => {
          const socket = connect({ host: '127.0.0.1', port });
          const answer = (inUse: boolean) => {
            socket.destroy();
            resolve(inUse);
          };
          socket.once('connect', () => answer(true)).once('error', () => answer(false));
          socket.setTimeout(1_000, () => answer(false));
        }),
    ),
  );
  return ports.filter((_, index) => taken[index]).map(({ name, port }) => `${port} (${name})`);
}

const busy = await portsInUse();
if (busy.length > 0) {
  console.error(
    `The launcher benchmark starts the shop itself on the shop's ports, and these are in use: ${busy.join(', ')}.\n` +
      'Stop the running shop (Ctrl-C in its terminal, or `docker compose down`) and run `npm run bench` again.',
  );
  process.exit(2);
}

const raw = await baseline();
// Twice: the first start migrates and seeds a new database; the second is a restart.
const first = await shop();
const ours = await shop();
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
console.log('npm start, from launching the services to every /readyz answering');
console.log(`  first start (migrations, seed): ${(first.readyMs / 1000).toFixed(2)} s`);
console.log(`  restart:                        ${(ours.readyMs / 1000).toFixed(2)} s   target ≤ 5 s`);
console.log(
  `  raw baseline (8 bare Node processes): ${(raw.readyMs / 1000).toFixed(2)} s → ${(ours.readyMs / raw.readyMs).toFixed(1)}x`,
);
console.log(`resident memory after ${idleMs / 1000} s idle (restart): RSS, and PSS (shared pages split)`);
services.forEach((service, index) => {
  const ours_ = ours.memory[index]!;
  const raw_ = raw.memory[index]!;
  console.log(
    `  ${service.name.padEnd(16)} RSS ${ours_.rss.toFixed(0).padStart(4)} MB  PSS ${ours_.pss.toFixed(0).padStart(4)} MB   raw RSS ${raw_.rss.toFixed(0)} MB  PSS ${raw_.pss.toFixed(0)} MB`,
  );
});
const total = (key: 'rss' | 'pss', run: { memory: { rss: number; pss: number }[] }) =>
  sum(run.memory.map((entry) => entry[key]));
console.log(
  `  all eight: PSS ${total('pss', ours).toFixed(0)} MB (target ≤ 600 MB; raw ${total('pss', raw).toFixed(0)} MB → ${(total('pss', ours) / total('pss', raw)).toFixed(1)}x), ` +
    `RSS summed ${total('rss', ours).toFixed(0)} MB (raw ${total('rss', raw).toFixed(0)} MB)`,
);
