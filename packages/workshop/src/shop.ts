// The running shop as the checkers see it from outside: `.trio/shop.json` (written by the launcher,
// packages/launcher/src/state.ts), each process's /readyz and /metrics. Without a shop.json (a shop
// in compose) the standard ports on 127.0.0.1 are assumed, as compose publishes them.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceName } from '@trio/contracts/common';
import { z } from 'zod';

/** The eight services, as the contracts name them. */
export const shopServices = ServiceName.options;

const ShopProcess = z.object({
  name: z.string(),
  pid: z.number().int().optional(),
  address: z.string(),
  httpPort: z.number().int(),
  adminPort: z.number().int().optional(),
  rpcPort: z.number().int().optional(),
});
export type ShopProcess = z.infer<typeof ShopProcess>;

/** The launcher's `ShopState`, validated: a file half-written by another version is refused. */
export const ShopState = z.object({
  mode: z.enum(['processes', 'monolith']),
  launcherPid: z.number().int(),
  readyMs: z.number(),
  services: z.array(ShopProcess),
});
export type ShopState = z.infer<typeof ShopState>;

export function shopStatePath(root: string): string {
  return join(root, '.trio', 'shop.json');
}

export type ShopLookup = { found: true; state: ShopState } | { found: false; why: string };

export function readShop(root: string): ShopLookup {
  const path = shopStatePath(root);
  if (!existsSync(path))
    return { found: false, why: `${path} is missing: no shop started by npm start runs` };
  let text: unknown;
  try {
    text = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return { found: false, why: `${path} is not JSON: ${(error as Error).message}` };
  }
  const parsed = ShopState.safeParse(text);
  if (!parsed.success) return { found: false, why: `${path} is not a shop state: ${parsed.error.message}` };
  if (!pidAlive(parsed.data.launcherPid)) {
    return { found: false, why: `${path} is stale: its launcher (pid ${parsed.data.launcherPid}) is gone` };
  }
  return { found: true, state: parsed.data };
}

/** The standard ports (README "Ports"), for a shop without shop.json: compose publishes them. */
export const standardProcesses: readonly ShopProcess[] = [
  { name: 'catalog', address: '127.0.0.1', httpPort: 3001 },
  { name: 'profiles', address: '127.0.0.1', httpPort: 3002 },
  { name: 'payment', address: '127.0.0.1', httpPort: 3003 },
  { name: 'billing', address: '127.0.0.1', httpPort: 3004 },
  { name: 'inventory', address: '127.0.0.1', httpPort: 3005, rpcPort: 4242 },
  { name: 'shipping', address: '127.0.0.1', httpPort: 3006, rpcPort: 4243 },
  { name: 'recommendations', address: '127.0.0.1', httpPort: 3007, rpcPort: 4244 },
  { name: 'front-end', address: '127.0.0.1', httpPort: 8080, adminPort: 3008 },
];

export function pidAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Where a process serves /healthz, /readyz and /metrics. */
export function adminUrl(process: ShopProcess): string {
  return `http://${process.address}:${process.adminPort ?? process.httpPort}`;
}

export function describeProcess(process: ShopProcess): string {
  return `${process.name} (${process.address}:${process.adminPort ?? process.httpPort}, pid ${process.pid ?? '?'})`;
}

export function processesOf(state: ShopState, name: string): ShopProcess[] {
  return state.services.filter((process) => process.name === name);
}

/** The /readyz status, or the reason there was none. */
export async function readiness(process: ShopProcess): Promise<{ ready: boolean; detail: string }> {
  try {
    const response = await fetch(`${adminUrl(process)}/readyz`, { signal: AbortSignal.timeout(3_000) });
    await response.body?.cancel();
    return { ready: response.status === 200, detail: `/readyz answered ${response.status}` };
  } catch (error) {
    return {
      ready: false,
      detail: `/readyz did not answer (${(error as Error).cause ?? (error as Error).message})`,
    };
  }
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A process's /metrics in Prometheus's text format, one sample per line; undefined without an answer. */
export async function metricsOf(process: ShopProcess): Promise<Sample[] | undefined> {
  try {
    const response = await fetch(`${adminUrl(process)}/metrics`, { signal: AbortSignal.timeout(3_000) });
    if (response.status !== 200) return undefined;
    return parseMetrics(await response.text());
  } catch {
    return undefined;
  }
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = sampleLine.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(labelPair)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of a metric's samples whose labels pass `where`. */
export function total(
  samples: readonly Sample[],
  name: string,
  where: (labels: Record<string, string>) => boolean = () => true,
): number {
  return samples
    .filter((sample) => sample.name === name && where(sample.labels))
    .reduce((sum, sample) => sum + sample.value, 0);
}
