// The running shop as the checkers see it from outside: `.trio/shop.json` (written by the launcher;
// its format and reader are packages/launcher/src/state.ts), each process's /readyz and /metrics.
// Without a shop.json (a shop in compose) the standard ports on 127.0.0.1 are assumed, as compose
// publishes them (the launcher's table of services and ports).
import { ServiceName } from '@trio/contracts/common';
import { services } from '@trio/launcher/services';
import type { ShopProcess, ShopState } from '@trio/launcher/state';

export {
  pidAlive,
  readShopState as readShop,
  type ShopLookup,
  type ShopProcess,
  type ShopState,
  shopStatePath,
} from '@trio/launcher/state';

/** The eight services, as the contracts name them. */
export const shopServices = ServiceName.options;

/** The standard ports (README "Ports"), for a shop without shop.json: compose publishes them. */
export const standardProcesses: readonly ShopProcess[] = services.map(
  ({ name, httpPort, adminPort, rpcPort }) => ({
    name,
    address: '127.0.0.1',
    httpPort,
    ...(adminPort === undefined ? {} : { adminPort }),
    ...(rpcPort === undefined ? {} : { rpcPort }),
  }),
);

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
