// `npm start` as a user runs it, for the test files that need the whole shop in processes of its
// own: the launcher as a process, the built services as its children, on the file's own database,
// Redis database and exchange (the ports are the shop's fixed ones: run under the heavy lock,
// nothing else may listen on 3001-3008, 4242-4244 and 8080 meanwhile). Launch it, wait for it to be
// ready (its report: the state .trio/shop.json holds), kill it and everything it started after a
// failure.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ServiceName } from '@trio/contracts/common';
import { registerQueues } from '@trio/shop-testing/peers';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import { waitFor } from '@trio/testing/wait';
import { createClient } from 'redis';
import type { ShopState } from '../../src/state.ts';

// The source, as the other packages' tests run theirs (the services it starts are built).
export const launcherPath = fileURLToPath(new URL('../../src/start.ts', import.meta.url));
/** Where the launcher writes `.trio/` (shop.json, hosts, deploys.json, its control socket). */
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const faultCli = fileURLToPath(new URL('../../../service-runtime/src/fault-cli.ts', import.meta.url));

export interface Launch {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  report: string;
}

export interface LaunchedShop {
  infra(): TestInfra;
  /** The environment every launch (and the fault CLI) gets: the file's database, Redis and exchange. */
  env(): Record<string, string>;
  /** The launcher with this file's environment, `extra` on top, and `args`. */
  launch(extra?: Record<string, string>, args?: string[]): Launch;
  /** `npm run fault -- …` against this file's shop: the CLI itself, as a process; answers its stdout. */
  fault(...args: string[]): string;
}

/**
 * Registers the file's before/after: its own database, exchange and Redis database `redisDb`
 * (flushed afterwards); the getters answer once `before` has run.
 */
export function useLaunchedShop(redisDb: number): LaunchedShop {
  let infra: TestInfra;
  let env: Record<string, string>;
  before(async () => {
    infra = await createTestInfra();
    registerQueues(infra, ServiceName.options);
    env = {
      DATABASE_URL: infra.db.url,
      REDIS_URL: `redis://127.0.0.1:6379/${redisDb}`,
      AMQP_URL: infra.broker.url,
      EVENTS_EXCHANGE: infra.broker.exchange('events'),
      NO_COLOR: '1',
      // Other test files share the PostgreSQL server meanwhile.
      DATABASE_POOL_SIZE: '3',
    };
  });
  after(async () => {
    const redis = await createClient({ url: `redis://127.0.0.1:6379/${redisDb}` }).connect();
    await redis.flushDb();
    await redis.close();
    await infra?.drop();
  });
  return {
    infra: () => infra,
    env: () => env,
    launch: (extra = {}, args = []) => launch({ ...env, ...extra }, args),
    fault: (...args) =>
      execFileSync(process.execPath, [faultCli, ...args], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
      }),
  };
}

/** The launcher (from source) with `env` over the test's own, writing its report to a new file. */
export function launch(env: Record<string, string>, args: string[] = []): Launch {
  const report = join(mkdtempSync(join(tmpdir(), 'trio-start-')), 'report.json');
  const child = spawn(process.execPath, [launcherPath, ...args, '--report', report], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that a failed test can kill the launcher and its services at once.
    detached: true,
  });
  let output = '';
  const add = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited, report };
}

/** Waits until the shop is ready: the state it reported (what .trio/shop.json holds). */
export async function ready(run: Launch): Promise<ShopState> {
  await waitFor(
    'every service to be ready',
    // The report is written after the last line, but that line comes through a pipe: wait for both.
    () => (existsSync(run.report) && /Trio Shop is ready/.test(run.output())) || run.child.exitCode !== null,
    90_000,
  );
  assert.ok(existsSync(run.report), `the launcher stopped early:\n${run.output()}`);
  return JSON.parse(readFileSync(run.report, 'utf8')) as ShopState;
}

/** After a failure: the launcher and every service it started, at once. */
export function killGroup(run: Launch): void {
  try {
    process.kill(-(run.child.pid ?? 0), 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Runs `body` against a launch; a failure carries the launcher's last lines, and kills it all. */
export async function withLaunch<T>(run: Launch, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    const tail = run.output().split('\n').slice(-120).join('\n');
    process.stdout.write(`# the launcher's last lines:\n${tail.replace(/^/gm, '# ')}\n`);
    throw error;
  } finally {
    killGroup(run);
  }
}

/** A counter's value summed over its series, from a service's /metrics (0 when it has none yet). */
export async function metric(url: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labels !== '' && !line.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** `faults_injected_total{kind}` of the service whose metrics are on `port` (0 when none yet). */
export function faultsInjected(port: number, kind: string): Promise<number> {
  return metric(`http://127.0.0.1:${port}/metrics`, 'faults_injected_total', `kind="${kind}"`);
}
