// Service discovery by name. An endpoint given by name (`tcp://inventory:4242`) may stand for
// several replicas (compose replicas, a Kubernetes headless Service): it is looked up now and then,
// and the client keeps one connection per address the name resolves to.
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP as isIp } from 'node:net';
import type { RateLimitedWarn } from './rate-limited-log.ts';

export type Lookup = (host: string) => Promise<string[]>;

export interface EndpointResolverOptions {
  /** The endpoints as configured. */
  endpoints: readonly string[];
  /** How often the named endpoints are looked up again; 0 never. */
  everyMs: number;
  lookup: Lookup | undefined;
  warnOnce: RateLimitedWarn;
  /** The concrete endpoints wanted now, called after each successful lookup. */
  onResolved(wanted: ReadonlySet<string>): void;
}

/** Looks the named endpoints up every `everyMs` (not at all when every endpoint is an address). */
export class EndpointResolver {
  readonly #options: EndpointResolverOptions;
  readonly #lookup: Lookup;
  #running: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: EndpointResolverOptions) {
    this.#options = options;
    this.#lookup = options.lookup ?? lookupAll;
    const named = options.endpoints.some((endpoint) => {
      const parsed = parseEndpoint(endpoint);
      return parsed !== undefined && !isIp(parsed.host);
    });
    if (named && options.everyMs > 0) {
      this.#refresh();
      this.#timer = setInterval(() => this.#refresh(), options.everyMs);
      this.#timer.unref();
    }
  }

  /** Stops looking up; resolves once a lookup under way has ended. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }

  #refresh(): void {
    this.#running ??= this.#resolve().finally(() => {
      this.#running = undefined;
    });
  }

  /**
   * The concrete endpoints of every configured one. A lookup that fails (or finds nothing) changes
   * nothing: the connections that worked go on working.
   */
  async #resolve(): Promise<void> {
    const wanted = new Set<string>();
    for (const endpoint of this.#options.endpoints) {
      const parsed = parseEndpoint(endpoint);
      if (parsed === undefined || isIp(parsed.host)) {
        wanted.add(endpoint);
        continue;
      }
      let addresses: string[];
      try {
        addresses = await this.#lookup(parsed.host);
      } catch (error) {
        this.#options.warnOnce(
          'resolve',
          { err: error, endpoint },
          'rpc client could not resolve an endpoint; keeping its connections',
        );
        return;
      }
      if (addresses.length === 0) return;
      for (const address of addresses)
        wanted.add(`tcp://${address.includes(':') ? `[${address}]` : address}:${parsed.port}`);
    }
    this.#options.onResolved(wanted);
  }
}

/** `tcp://host:port` → its parts; undefined for other transports (ipc://, inproc://). */
export function parseEndpoint(endpoint: string): { host: string; port: string } | undefined {
  const match = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)$/.exec(endpoint);
  return match === null ? undefined : { host: match[1]!.replace(/^\[|\]$/g, ''), port: match[2]! };
}

/** Every address of a name, IPv4 only when it has any (a server bound on 0.0.0.0 has no ::1). */
export async function lookupAll(host: string): Promise<string[]> {
  const addresses = await dnsLookup(host, { all: true });
  const v4 = addresses.filter((address) => address.family === 4).map((address) => address.address);
  return v4.length > 0 ? v4 : addresses.map((address) => address.address);
}
