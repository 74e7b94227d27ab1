// Replicas natively (`npm start -- --replicas inventory=3`): a ZeroRPC service run as several
// processes, each on its own loopback address (127.0.0.2, 127.0.0.3, …) with the service's usual
// ports, all behind one name. The launcher writes the names into `.trio/hosts` (/etc/hosts format)
// and points the callers at `tcp://inventory:4242` with RPC_HOSTS_FILE, so that their ZeroRPC
// clients keep one connection per replica and spread calls over them (the clients look the name
// up again every second: a rolling deploy edits the file, `npm run deploy`). The replicas share the
// service's AMQP queues, so they compete for its events. In compose the same comes from DNS
// (`docker compose up --scale inventory=3`).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SelectionError } from './select.ts';
import type { ServiceSpec } from './services.ts';

/** The most replicas of one service (127.0.0.2 … 127.0.0.9 for the first start). */
export const maxReplicas = 8;

/** `--replicas inventory=3,shipping=2` (or `--replicas=…`, or several words) → service → count. */
export function parseReplicas(
  argv: readonly string[],
  all: readonly ServiceSpec[],
  env: NodeJS.ProcessEnv = process.env,
): Map<string, number> {
  const counts = new Map<string, number>();
  for (let index = 0; index < argv.length; index++) {
    const [flag, inline] = (argv[index] ?? '').split(/=(.*)/s, 2);
    if (flag !== '--replicas') continue;
    const words = inline === undefined ? [] : [inline];
    if (inline === undefined)
      while (index + 1 < argv.length && !(argv[index + 1] ?? '').startsWith('--'))
        words.push(argv[++index] ?? '');
    const pairs = words.flatMap((word) => word.split(',')).filter((pair) => pair.trim() !== '');
    if (pairs.length === 0)
      throw new SelectionError('--replicas needs <service>=<count>, e.g. --replicas inventory=3');
    for (const pair of pairs) {
      const [name = '', count = ''] = pair.trim().split('=', 2);
      const spec = all.find((service) => service.name === name);
      if (spec === undefined)
        throw new SelectionError(
          `--replicas: unknown service "${name}": the services are ${all.map((s) => s.name).join(', ')}`,
        );
      if (spec.rpcPort === undefined) {
        const rpc = all.filter((service) => service.rpcPort !== undefined).map((service) => service.name);
        throw new SelectionError(
          `--replicas: ${name} is called over REST, which needs a load balancer in front of its replicas; ` +
            `natively only the ZeroRPC services run as replicas: ${rpc.join(', ')}`,
        );
      }
      // A ZeroRPC service its callers were switched to REST (SHIPPING_TRANSPORT=rest) is a REST peer.
      const switched = `${name.toUpperCase().replace(/-/g, '_')}_TRANSPORT`;
      if (env[switched] === 'rest')
        throw new SelectionError(
          `--replicas: ${name} is called over REST (${switched}=rest), which needs a load balancer in front ` +
            `of its replicas; run it as replicas over ZeroRPC (${switched}=zerorpc, the default) or as one process`,
        );
      const n = Number(count);
      if (!Number.isInteger(n) || n < 1 || n > maxReplicas)
        throw new SelectionError(`--replicas ${name}=${count}: give a whole number from 1 to ${maxReplicas}`);
      counts.set(name, n);
    }
  }
  return counts;
}

/** The n-th loopback address of the replicas (0 → 127.0.0.2): 127.0.0.1 keeps the other services. */
export function replicaAddress(index: number): string {
  return `127.0.0.${index + 2}`;
}

/** The specs to start: a replicated service once per replica, each with its address. */
export function expandReplicas(
  started: readonly ServiceSpec[],
  counts: ReadonlyMap<string, number>,
): ServiceSpec[] {
  return started.flatMap((spec) => {
    const count = counts.get(spec.name);
    if (count === undefined) return [spec];
    return Array.from({ length: count }, (_, index) => ({ ...spec, address: replicaAddress(index) }));
  });
}

/** How a process is called in the log and the table: `inventory`, or `inventory.3` for 127.0.0.3. */
export function processLabel(spec: ServiceSpec): string {
  return spec.address === undefined ? spec.name : `${spec.name}.${spec.address.split('.').at(-1)}`;
}

export function hostsPath(root: string): string {
  return join(root, '.trio', 'hosts');
}

/** A replica's own settings: its address for the HTTP (admin) and ZeroRPC ports. */
export function replicaEnv(spec: ServiceSpec): Record<string, string> {
  return spec.address === undefined ? {} : { HTTP_HOST: spec.address, RPC_HOST: spec.address };
}

/** `front-end` → `FRONT_END_ADDR`: the variable that points a caller at a ZeroRPC service. */
function addressVariable(name: string): string {
  return `${name.toUpperCase().replace(/-/g, '_')}_ADDR`;
}

/**
 * A caller's settings when peers run as replicas: for each replicated service it calls (its env has
 * `<SERVICE>_ADDR`), the service's name instead of an address, looked up in `.trio/hosts`.
 */
export function callerEnv(
  root: string,
  env: Record<string, string>,
  replicated: readonly ServiceSpec[],
): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const spec of replicated) {
    const variable = addressVariable(spec.name);
    if (env[variable] !== undefined) overrides[variable] = `tcp://${spec.name}:${spec.rpcPort}`;
  }
  return Object.keys(overrides).length === 0 ? {} : { ...overrides, RPC_HOSTS_FILE: hostsPath(root) };
}

/** `.trio/hosts`: one line per routed replica (`127.0.0.2 inventory`), replaced atomically. */
export function writeHosts(root: string, routed: readonly { name: string; address: string }[]): void {
  const path = hostsPath(root);
  mkdirSync(dirname(path), { recursive: true });
  const lines = routed.map(({ name, address }) => `${address} ${name}`);
  writeFileSync(
    `${path}.partial`,
    `# Written by npm start (--replicas) and npm run deploy: the replicas that take calls.\n${lines.join('\n')}\n`,
  );
  renameSync(`${path}.partial`, path);
}

/** The first loopback replica address none of `taken` uses. */
export function freeAddress(taken: ReadonlySet<string>): string {
  for (let index = 0; index < 250; index++) {
    const address = replicaAddress(index);
    if (!taken.has(address)) return address;
  }
  throw new Error('no free loopback address for another replica');
}
