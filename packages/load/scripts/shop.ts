// The whole shop natively, as `npm start` runs it (one process per service, each from its built
// dist/main.js with its .env.example), but on ports shifted by an offset (8080 → 18080 by default),
// its own database, Redis key prefixes and exchange: a shop to measure on a machine where another
// one may hold the standard ports. `--cpu-prof DIR` writes each service's CPU profile into DIR on
// stop (Ctrl-C); DIR and --logs are relative to the repository's root. Prints each service's
// resident memory when ready and when stopping.
//   npm run shop -w @trio/load -- [--offset 10000] [--cpu-prof DIR] [--database trio_load] [--log-level warn]
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readinessPort, serviceDir, serviceEnv, services, stopOrder } from '@trio/launcher/services';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    offset: { type: 'string', default: '10000' },
    'cpu-prof': { type: 'string' },
    database: { type: 'string', default: 'trio_load' },
    logs: { type: 'string', default: 'load-reports/shop-logs' },
    // Every service's LOG_LEVEL (their .env.example say info): to measure what logging costs.
    'log-level': { type: 'string' },
  },
});
const offset = Number(values.offset);
const root = resolve(import.meta.dirname, '../../..');
const logs = resolve(root, values.logs);
const fixedPorts = new Set(services.flatMap((spec) => [spec.httpPort, spec.adminPort, spec.rpcPort]));
const shift = (value: string) =>
  value.replace(/127\.0\.0\.1:(\d+)/g, (whole, port: string) =>
    fixedPorts.has(Number(port)) ? `127.0.0.1:${Number(port) + offset}` : whole,
  );

const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const databaseUrl = new URL(server);
databaseUrl.pathname = `/${values.database}`;
const admin = new pg.Client({ connectionString: server });
await admin.connect();
const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [values.database]);
if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${values.database.replaceAll('"', '')}"`);
await admin.end();

mkdirSync(logs, { recursive: true });
const children = new Map<string, ChildProcess>();
for (const spec of services) {
  const env = serviceEnv(root, spec.name, { DATABASE_URL: databaseUrl.href, LOG_LEVEL: values['log-level'] });
  for (const key of Object.keys(env)) env[key] = shift(env[key]!);
  for (const key of ['HTTP_PORT', 'ADMIN_PORT', 'RPC_PORT']) {
    if (env[key] !== undefined) env[key] = String(Number(env[key]) + offset);
  }
  if (env.REDIS_KEY_PREFIX !== undefined) env.REDIS_KEY_PREFIX = `load:${env.REDIS_KEY_PREFIX}`;
  if (env.EVENTS_EXCHANGE !== undefined) env.EVENTS_EXCHANGE = 'trio.load.events';
  const profile =
    values['cpu-prof'] === undefined
      ? []
      : ['--cpu-prof', `--cpu-prof-dir=${resolve(root, values['cpu-prof'], spec.name)}`];
  const child = spawn(process.execPath, [...profile, join(serviceDir(root, spec.name), 'dist', 'main.js')], {
    cwd: serviceDir(root, spec.name),
    env: {
      PATH: process.env.PATH ?? '',
      ...(process.env.NODE_EXTRA_CA_CERTS === undefined
        ? {}
        : { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS }),
      ...(process.env.SSL_CERT_FILE === undefined ? {} : { SSL_CERT_FILE: process.env.SSL_CERT_FILE }),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(join(logs, `${spec.name}.log`));
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  child.once('exit', (code) => {
    children.delete(spec.name);
    if (!stopping) console.error(`${spec.name} exited (${code}); see ${logs}/${spec.name}.log`);
  });
  children.set(spec.name, child);
}

const rssMb = (pid: number | undefined) => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
};
const memory = () => [...children].map(([name, child]) => `${name} ${rssMb(child.pid)} MB`).join(', ');

let stopping = false;
async function ready(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;
  } catch {
    return false;
  }
}
const deadline = Date.now() + 120_000;
for (const spec of services) {
  while (!(await ready(readinessPort(spec) + offset))) {
    if (Date.now() > deadline || !children.has(spec.name)) {
      console.error(`${spec.name} did not become ready; see ${logs}/${spec.name}.log`);
      // The services already started must not outlive this script, holding the shop's ports.
      await stop(1);
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }
}
console.log(`shop ready at http://127.0.0.1:${8080 + offset}/ (resident memory: ${memory()})`);

async function stop(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`stopping (resident memory: ${memory()})`);
  for (const group of stopOrder) {
    await Promise.all(
      group.map(async (name) => {
        const child = children.get(name);
        if (child === undefined) return;
        const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
        child.kill('SIGTERM');
        await exited;
      }),
    );
  }
  process.exit(code);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
