// What a running shop looks like, for the tools that work on it (the workshop's checkers, `npm run
// deploy`, `npm run trace`): `.trio/shop.json` at the repository's root, written by the launcher
// once the shop is ready and removed when it stops. A service run as several replicas appears once
// per replica; in the monolith every service has the same pid.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface ShopProcess {
  name: string;
  pid: number | undefined;
  /** The loopback address it binds. */
  address: string;
  httpPort: number;
  adminPort?: number;
  rpcPort?: number;
}

/** What `npm start -- --observe` runs beside the shop. */
export interface ObserveState {
  /** Where the spans are appended (JSON lines), for `npm run trace`. */
  spansFile: string;
  /** The OTLP/HTTP receiver writing it. */
  otlpEndpoint: string;
  /** false: the user's own OTEL_EXPORTER_OTLP_ENDPOINT gets the spans instead. */
  exporting: boolean;
  /** Prometheus scraping the services, when Debian's prometheus is installed. */
  prometheusUrl?: string;
}

export interface ShopState {
  /** Eight processes (or the ones selected), or the eight services in one. */
  mode: 'processes' | 'monolith';
  /** The launcher's own pid: a state whose launcher is gone is stale. */
  launcherPid: number;
  readyMs: number;
  services: ShopProcess[];
  /** Set by `--observe`. */
  observe?: ObserveState;
}

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
