// What a running shop looks like, for the tools that work on it (the workshop's checkers, `npm run
// deploy`, `npm run trace`): `.trio/shop.json` at the repository's root, written by the launcher
// once the shop is ready and removed when it stops. A service run as several replicas appears once
// per replica; in the monolith every service has the same pid. The schemas below are the format:
// a reader validates with them, so a file half-written by another version is refused.
// `.trio/deploys.json` beside it records what each `npm run deploy` did (deploy.ts).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

export const ShopProcess = z.object({
  name: z.string(),
  pid: z.number().int().optional(),
  /** The loopback address it binds. */
  address: z.string(),
  httpPort: z.number().int(),
  adminPort: z.number().int().optional(),
  rpcPort: z.number().int().optional(),
  /** How often the launcher started it again after an unexpected exit. */
  restarts: z.number().int().optional(),
});
export type ShopProcess = z.infer<typeof ShopProcess>;

/** What `npm start -- --observe` runs beside the shop. */
export const ObserveState = z.object({
  /** Where the spans are appended (JSON lines), for `npm run trace`. */
  spansFile: z.string(),
  /** The OTLP/HTTP receiver writing it. */
  otlpEndpoint: z.string(),
  /** false: the user's own OTEL_EXPORTER_OTLP_ENDPOINT gets the spans instead. */
  exporting: z.boolean(),
  /** Prometheus scraping the services, when Debian's prometheus is installed. */
  prometheusUrl: z.string().optional(),
});
export type ObserveState = z.infer<typeof ObserveState>;

/** A process that exited while the shop ran (a crash, a `kill -9`): the supervisor restarts it. */
export const ProcessExit = z.object({
  name: z.string(),
  address: z.string(),
  pid: z.number().int().optional(),
  /** `code 1`, `signal SIGKILL`. */
  reason: z.string(),
  /** ISO time of the exit. */
  at: z.string(),
});
export type ProcessExit = z.infer<typeof ProcessExit>;

export const ShopState = z.object({
  /** Eight processes (or the ones selected), or the eight services in one. */
  mode: z.enum(['processes', 'monolith']),
  /** The launcher's own pid: a state whose launcher is gone is stale. */
  launcherPid: z.number().int(),
  readyMs: z.number(),
  services: z.array(ShopProcess),
  /** Set by `--observe`. */
  observe: ObserveState.optional(),
  /** Unexpected exits since the shop started, oldest first (the last 100). */
  exits: z.array(ProcessExit).optional(),
});
export type ShopState = z.infer<typeof ShopState>;

export function shopStatePath(root: string): string {
  return join(root, '.trio', 'shop.json');
}

/** Written beside it, then renamed: whoever waits for the file never reads it half-written. */
export function writeJsonAtomically(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.partial`, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(`${path}.partial`, path);
}

export function writeShopState(root: string, state: ShopState): void {
  writeJsonAtomically(shopStatePath(root), state);
}

export function removeShopState(root: string): void {
  rmSync(shopStatePath(root), { force: true });
}

/** Whether a process runs (signal 0; EPERM: it runs as another user). */
export function pidAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type ShopLookup = { found: true; state: ShopState } | { found: false; why: string };

/** The running shop's state, or why there is none (no file, not a shop state, its launcher gone). */
export function readShopState(root: string): ShopLookup {
  const path = shopStatePath(root);
  if (!existsSync(path))
    return { found: false, why: `${path} is missing: no shop started by npm start runs` };
  const read = readJson(path, ShopState);
  if (!read.ok) return { found: false, why: `${path} is not a shop state: ${read.why}` };
  if (!pidAlive(read.value.launcherPid))
    return { found: false, why: `${path} is stale: its launcher (pid ${read.value.launcherPid}) is gone` };
  return { found: true, state: read.value };
}

function readJson<S extends z.ZodType>(
  path: string,
  schema: S,
): { ok: true; value: z.output<S> } | { ok: false; why: string } {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return { ok: false, why: `not JSON: ${(error as Error).message}` };
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, why: parsed.error.message };
}

/** What one `npm run deploy` did: every replica replaced, or rolled back at the first unhealthy one. */
export const DeployRecord = z.object({
  service: z.string(),
  /** `--bad`: the broken version (its /readyz never answers). */
  bad: z.boolean(),
  /** ISO times. */
  startedAt: z.string(),
  endedAt: z.string(),
  /** `failed`: the deploy stopped for another reason (no shop, the launcher refused). */
  result: z.enum(['deployed', 'rolled-back', 'failed']),
  /** old → new, for each replica replaced before the end. */
  replaced: z.array(
    z.object({
      old: z.object({ address: z.string(), pid: z.number().int().optional() }),
      new: z.object({ address: z.string(), pid: z.number().int().optional() }),
    }),
  ),
  /** Why it was rolled back or failed: the health check that failed, the refusal. */
  problem: z.string().optional(),
});
export type DeployRecord = z.infer<typeof DeployRecord>;

export function deploysPath(root: string): string {
  return join(root, '.trio', 'deploys.json');
}

/** Every recorded deploy, oldest first; none when the file is missing or unreadable. */
export function readDeploys(root: string): DeployRecord[] {
  const path = deploysPath(root);
  if (!existsSync(path)) return [];
  const read = readJson(path, z.array(DeployRecord));
  return read.ok ? read.value : [];
}

/** Appends one deploy's record (the last 50 are kept). */
export function recordDeploy(root: string, record: DeployRecord): void {
  writeJsonAtomically(deploysPath(root), [...readDeploys(root), record].slice(-50));
}
