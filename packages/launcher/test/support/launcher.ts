// The launcher as a user runs it (`npm start`), for the tests that need the whole shop in
// processes of its own, on the shop's fixed ports: launch it, wait for it to be ready (its report,
// the state .trio/shop.json holds), kill it and everything it started after a failure.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestInfra } from '@trio/testing/infra';
import { waitFor } from '@trio/testing/wait';
import type { ShopState } from '../../src/state.ts';
import { useLaunchedShop } from './launch.ts';

export const launcherPath = fileURLToPath(new URL('../../src/start.ts', import.meta.url));
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

export interface Launch {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  report: string;
}

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

export async function ready(run: Launch): Promise<ShopState> {
  await waitFor(
    'every service to be ready',
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

export { alive } from '../../src/deploy.ts';

/**
 * The test file's own database, exchange and Redis database (`redisDb`, flushed afterwards) for a
 * shop the launcher starts; the getters answer once `before` has run.
 */
export function useLaunchedShopInfra(redisDb: number): {
  infra: () => TestInfra;
  env: () => Record<string, string>;
} {
  const shop = useLaunchedShop(redisDb);
  return { infra: shop.infra, env: shop.env };
}

/** A counter's value summed over its series, from a service's /metrics. */
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
