#!/usr/bin/env node
// `npm run deploy -- <service> [--bad] [--ready-timeout 30s] [--settle 2s]`: a rolling deploy of a
// running native shop's replicas (`npm start -- --replicas inventory=3`), one replica at a time:
//
//   1. the launcher starts a new replica (the code as built now) on a free loopback address;
//   2. its /readyz must answer within --ready-timeout, or the deploy is rolled back: the new
//      replica is stopped before any caller knew of it, and the old ones keep serving (exit 1);
//   3. it is routed in and the old one out (`.trio/hosts`); the callers look the name up again
//      every second, so after --settle (2 s) they send it nothing new;
//   4. the old replica is stopped gracefully (SIGTERM: calls in flight finish), and the next one.
//
// It reads `.trio/shop.json` (which replicas run) and asks the launcher through its control
// channel (control.ts). `--bad` deploys a broken version (a wrong broker setting): its /readyz
// never answers, and it is rolled back.
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { controlRequest, ReplicaInfo, Routed, Stopped } from './control.ts';
import {
  type DeployRecord,
  pidAlive,
  readShopState,
  recordDeploy,
  type ShopState,
  shopStatePath,
} from './state.ts';

export class DeployError extends Error {}

export interface DeployOptions {
  root: string;
  service: string;
  bad: boolean;
  readyTimeoutMs: number;
  /** After routing: time for every caller to look the name up again (they read .trio/hosts every second). */
  settleMs: number;
  say(line: string): void;
}

export interface Replacement {
  old: { address: string; pid: number | undefined };
  new: { address: string; pid: number | undefined };
}

async function readyz(address: string, port: number): Promise<string | undefined> {
  try {
    const response = await fetch(`http://${address}:${port}/readyz`, { signal: AbortSignal.timeout(1_000) });
    const text = await response.text();
    return response.ok ? undefined : `/readyz answered ${response.status} ${text.slice(0, 300)}`;
  } catch (error) {
    return `/readyz did not answer (${(error as Error).cause ?? (error as Error).message})`;
  }
}

/** Waits for the replica's /readyz; the reason it never came, or undefined once it answers 200. */
async function waitReady(replica: ReplicaInfo, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last = 'not asked yet';
  while (Date.now() < deadline) {
    if (!pidAlive(replica.pid)) return `it exited before it was ready (last: ${last})`;
    const problem = await readyz(replica.address, replica.httpPort);
    if (problem === undefined) return undefined;
    last = problem;
    await sleep(250);
  }
  return `not ready within ${(timeoutMs / 1000).toFixed(0)} s: ${last}`;
}

function runningShop(root: string): ShopState {
  const lookup = readShopState(root);
  if (!lookup.found) throw new DeployError(`${lookup.why}: is the shop running (npm start)?`);
  return lookup.state;
}

/** A deploy stopped at an unhealthy replica, which never took traffic. */
class RolledBack extends DeployError {
  /** The failed health check. */
  readonly problem: string;

  constructor(message: string, problem: string) {
    super(message);
    this.problem = problem;
  }
}

/**
 * Replaces every replica of the service, one by one; throws a DeployError after a rollback. The
 * outcome is recorded in `.trio/deploys.json` (state.ts), where the workshop's lab 6 looks for it.
 */
export async function deploy(options: DeployOptions): Promise<Replacement[]> {
  const startedAt = new Date().toISOString();
  const done: Replacement[] = [];
  const record = (result: DeployRecord['result'], problem?: string) =>
    recordDeploy(options.root, {
      service: options.service,
      bad: options.bad,
      startedAt,
      endedAt: new Date().toISOString(),
      result,
      replaced: done,
      ...(problem === undefined ? {} : { problem }),
    });
  try {
    await replaceAll(options, done);
  } catch (error) {
    const rolledBack = error instanceof RolledBack;
    record(rolledBack ? 'rolled-back' : 'failed', rolledBack ? error.problem : (error as Error).message);
    throw error;
  }
  record('deployed');
  return done;
}

async function replaceAll(options: DeployOptions, done: Replacement[]): Promise<void> {
  const { root, service, say } = options;
  const state = runningShop(root);
  const olds = state.services.filter((each) => each.name === service);
  if (olds.length === 0)
    throw new DeployError(`${service} is not running in this shop (${shopStatePath(root)})`);
  const call = <S extends z.ZodType>(method: 'GET' | 'POST', path: string, body: unknown, schema: S) =>
    controlRequest(root, method, path, body, schema).catch((error: Error) => {
      throw new DeployError(error.message);
    });
  const known = await call(
    'GET',
    `/replicas?service=${encodeURIComponent(service)}`,
    undefined,
    z.array(ReplicaInfo),
  );
  say(
    `deploying ${service}: ${olds.length} replica${olds.length > 1 ? 's' : ''} (${olds.map((o) => `${o.address} pid ${o.pid}`).join(', ')}), one at a time`,
  );
  for (const [index, old] of olds.entries()) {
    if (!known.some((replica) => replica.address === old.address))
      throw new DeployError(`the launcher runs no ${service} replica at ${old.address} any more`);
    const step = `[${index + 1}/${olds.length}]`;
    const fresh = await call('POST', '/replicas', { service, bad: options.bad }, ReplicaInfo);
    say(`${step} started ${fresh.label} (pid ${fresh.pid}) on ${fresh.address}; waiting for its /readyz…`);
    const started = Date.now();
    const problem = await waitReady(fresh, options.readyTimeoutMs);
    if (problem !== undefined) {
      say(`${step} ${fresh.label} is not healthy: ${problem}`);
      await call('POST', '/replicas/stop', { service, address: fresh.address }, Stopped);
      throw new RolledBack(
        `rolled back: ${fresh.label} never took traffic and was stopped; ${service} keeps its replicas ` +
          `(${olds
            .slice(index)
            .map((o) => o.address)
            .join(', ')} old, ${done.map((d) => d.new.address).join(', ') || 'none'} new)`,
        `${fresh.label} ${problem}`,
      );
    }
    say(
      `${step} ${fresh.label} ready in ${((Date.now() - started) / 1000).toFixed(1)} s; routing it in, ${old.address} out`,
    );
    await call('POST', '/route', { service, add: [fresh.address], remove: [old.address] }, Routed);
    await sleep(options.settleMs);
    say(
      `${step} the callers have had ${(options.settleMs / 1000).toFixed(0)} s to follow; stopping ${old.address} (pid ${old.pid}) gracefully…`,
    );
    const stopped = await call('POST', '/replicas/stop', { service, address: old.address }, Stopped);
    say(
      `${step} ${old.address} stopped (${stopped.signal === null ? `code ${stopped.code}` : `signal ${stopped.signal}`})`,
    );
    done.push({
      old: { address: old.address, pid: old.pid },
      new: { address: fresh.address, pid: fresh.pid },
    });
  }
  say(
    `deployed ${service}: ${done.map((d) => `${d.old.address} pid ${d.old.pid} → ${d.new.address} pid ${d.new.pid}`).join(', ')}`,
  );
}

/** `30s`, `500ms`, `2m` or milliseconds. */
function duration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (match === null) throw new DeployError(`${text} is not a duration (e.g. 30s)`);
  return Math.round(Number(match[1]) * ({ ms: 1, s: 1_000, m: 60_000 }[match[2] ?? 'ms'] ?? 1));
}

async function main(): Promise<void> {
  const root = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      bad: { type: 'boolean', default: false },
      'ready-timeout': { type: 'string', default: '30s' },
      settle: { type: 'string', default: '2s' },
    },
  });
  const [service] = positionals;
  if (service === undefined || positionals.length > 1)
    throw new DeployError('usage: npm run deploy -- <service> [--bad] [--ready-timeout 30s] [--settle 2s]');
  await deploy({
    root,
    service,
    bad: values.bad,
    readyTimeoutMs: duration(values['ready-timeout']),
    settleMs: duration(values.settle),
    say: (line) => process.stdout.write(`deploy: ${line}\n`),
  });
}

if (import.meta.main) {
  await main().catch((error: unknown) => {
    process.stderr.write(`deploy: ${error instanceof DeployError ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
