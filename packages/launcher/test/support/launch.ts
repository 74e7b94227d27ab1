// `npm start` as a user runs it, for the test files that need the whole shop in processes of its
// own: the launcher as a process, the eight built services as its children, on the file's own
// database, Redis database and exchange (the ports are the shop's fixed ones: run under the heavy
// lock, nothing else may listen on 3001-3008, 4242-4244 and 8080 meanwhile).
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

// The source, as the other packages' tests run theirs (the services it starts are built).
const launcher = fileURLToPath(new URL('../../src/start.ts', import.meta.url));
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
  launch(extra?: Record<string, string>, args?: string[]): Launch;
  /** `npm run fault -- …` against this file's shop: the CLI itself, as a process; answers its stdout. */
  fault(...args: string[]): string;
}

/** Registers the file's before/after: its own database, exchange and Redis database `redisDb`. */
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
    launch(extra = {}, args = []) {
      const report = join(mkdtempSync(join(tmpdir(), 'trio-start-')), 'report.json');
      const child = spawn(process.execPath, [launcher, ...args, '--report', report], {
        env: { ...process.env, ...env, ...extra },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, so that a failed test can kill the launcher and its services at once.
        detached: true,
      });
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      return { child, output: () => output, exited, report };
    },
    fault: (...args) =>
      execFileSync(process.execPath, [faultCli, ...args], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
      }),
  };
}

export async function ready(
  run: Launch,
): Promise<{ readyMs: number; services: { name: string; pid: number }[] }> {
  await waitFor(
    'every service to be ready',
    // The report is written after the last line, but that line comes through a pipe: wait for both.
    () => (existsSync(run.report) && /Trio Shop is ready/.test(run.output())) || run.child.exitCode !== null,
    90_000,
  );
  assert.ok(existsSync(run.report), `the launcher stopped early:\n${run.output()}`);
  return JSON.parse(readFileSync(run.report, 'utf8'));
}

/** After a failure: the launcher and every service it started, at once. */
export function killGroup(run: Launch): void {
  try {
    process.kill(-run.child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** `faults_injected_total{kind}` of the service whose metrics are on `port` (0 when none yet). */
export async function faultsInjected(port: number, kind: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(
    new RegExp(`^faults_injected_total\\{kind="${kind}"[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0,
  );
}
