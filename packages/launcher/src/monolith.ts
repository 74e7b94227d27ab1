// `npm start -- --monolith`: the same eight services' code in ONE Node process (docs/monolith.md).
// Nothing in a service changes: the launcher only configures them differently. Each service in the
// monolith gets SERVE_IN_PROCESS=true (its routes and ZeroRPC methods are also served to callers in
// the process, at `inproc://<service>`) and its peers' addresses pointed there (CATALOG_URL=
// inproc://catalog, INVENTORY_ADDR=inproc://inventory), so a call that crosses a service boundary
// goes through the same typed clients, contracts and identity checks, without a socket. Every
// service still listens on its own ports (the storefront on 8080), so tools and tests see no change.
//
//   npm start -- --monolith                            # all eight in one process
//   npm start -- --monolith --split recommendations    # all but recommendations, which runs on its own
//
// A split service runs as its own process, as `npm start` runs it, and is reached over its real
// transport (REST or ZeroRPC on its port); the monolith's services keep serving their ports for it.
// Events go through the in-process bus (AMQP_URL=inproc://events) when every service is inside, and
// through RabbitMQ, for every service, as soon as one is split out (eventsInProcess).
// This module is the plan (which process runs what, with which settings); monolith-main.ts is the
// process itself.
import { join } from 'node:path';
import { SelectionError } from './select.ts';
import { type ServiceSpec, serviceEnv, services, stopOrder } from './services.ts';
import type { ShopProcess } from './state.ts';

/** The name of the one process in the launcher's table, logs and stop order. */
export const monolithName = 'monolith';

/** The monolith as the launcher runs it: one process, several services. */
export interface MonolithSpec extends ServiceSpec {
  members: ServiceSpec[];
}

export interface MonolithPlan {
  /** The monolith first, then each split service: what the launcher starts. */
  started: ServiceSpec[];
  /** Callers before callees, with the monolith in the group of the first of its members to stop. */
  stopOrder: string[][];
}

export function isMonolith(spec: ServiceSpec): spec is MonolithSpec {
  return 'members' in spec;
}

/** Whether the command line asks for the monolith. */
export function monolithRequested(argv: readonly string[]): boolean {
  return argv.includes('--monolith');
}

/** The names after `--split` (commas or several words, `--split=a,b` too), up to the next option. */
function splitNames(argv: readonly string[]): string[] {
  const names: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const [flag, inline] = (argv[index] ?? '').split(/=(.*)/s, 2);
    if (flag !== '--split') continue;
    const words = inline === undefined ? [] : [inline];
    while (inline === undefined && index + 1 < argv.length && !(argv[index + 1] ?? '').startsWith('--'))
      words.push(argv[++index] ?? '');
    if (words.length === 0) throw new SelectionError('--split needs at least one service name');
    names.push(...words.flatMap((word) => word.split(',')).map((name) => name.trim()));
  }
  return names.filter((name) => name !== '');
}

/** The monolith's plan for a command line; a SelectionError for what cannot be run. */
export function planMonolith(argv: readonly string[], all: readonly ServiceSpec[] = services): MonolithPlan {
  if (argv.some((argument) => /^--(only|except)(=|$)/.test(argument)))
    throw new SelectionError('--monolith runs every service: use --split <svc>,… to run some on their own');
  const split = splitNames(argv);
  const valid = all.map((service) => service.name);
  const unknown = split.filter((name) => !valid.includes(name));
  if (unknown.length > 0) {
    throw new SelectionError(
      `unknown service${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `"${name}"`).join(', ')}: ` +
        `the services are ${valid.join(', ')}`,
    );
  }
  const members = all.filter((service) => !split.includes(service.name));
  if (members.length < 2) throw new SelectionError('--split leaves fewer than two services in the monolith');
  // Its table row and readiness: the storefront's ports when it is inside, else the last member's
  // (the monolith starts its members in order, so the last one ready means every one started).
  const face = members.find((service) => service.name === 'front-end') ?? members.at(-1)!;
  const monolith: MonolithSpec = {
    name: monolithName,
    httpPort: face.httpPort,
    ...(face.adminPort === undefined ? {} : { adminPort: face.adminPort }),
    members,
  };
  return {
    started: [monolith, ...all.filter((service) => split.includes(service.name))],
    stopOrder: stopOrderWith(members.map((service) => service.name)),
  };
}

/** The shop's stop order with the monolith's members replaced by the monolith, where the first of them stops. */
export function stopOrderWith(members: readonly string[]): string[][] {
  let placed = false;
  return stopOrder
    .map((group) => {
      const inside = group.some((name) => members.includes(name));
      const rest = group.filter((name) => !members.includes(name));
      if (!inside || placed) return rest;
      placed = true;
      return [monolithName, ...rest];
    })
    .filter((group) => group.length > 0);
}

/** `front-end` → `FRONT_END`: how the other services' settings name it (FRONT_END_URL). */
function variableStem(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

/**
 * One member's settings: its own (.env.example, .env, the launcher's environment), served
 * in-process too, with every peer that is in the monolith reached at `inproc://<peer>` (and no
 * CURVE key for it: nothing goes over a wire). Peers that were split out keep their real address.
 */
export function memberEnv(
  root: string,
  name: string,
  members: readonly string[],
  environment: Record<string, string | undefined>,
): Record<string, string> {
  const env: Record<string, string> = { ...serviceEnv(root, name, environment), SERVE_IN_PROCESS: 'true' };
  if (eventsInProcess(members, environment)) env.AMQP_URL = inProcessEventsUrl;
  for (const peer of members) {
    const stem = variableStem(peer);
    for (const suffix of ['URL', 'ADDR']) {
      if (env[`${stem}_${suffix}`] !== undefined) env[`${stem}_${suffix}`] = `inproc://${peer}`;
    }
    delete env[`${stem}_CURVE_KEY`];
  }
  return env;
}

/** AMQP_URL of the monolith's services when their events go through the in-process bus. */
export const inProcessEventsUrl = 'inproc://events';

/**
 * Whether the monolith's events go through its in-process bus (@trio/events' in-process.ts) rather
 * than RabbitMQ: when every service is inside. A service split out into its own process is reached
 * by events only through the broker, so with `--split` every service keeps RabbitMQ; so does
 * MONOLITH_EVENTS=amqp (to compare the two).
 */
export function eventsInProcess(
  members: readonly string[],
  environment: Record<string, string | undefined>,
): boolean {
  return (
    environment.MONOLITH_EVENTS !== 'amqp' && services.every((service) => members.includes(service.name))
  );
}

/** The variable that tells monolith-main.ts which services to run (their names, in start order). */
export const membersVariable = 'TRIO_MONOLITH_SERVICES';

/** How the launcher starts the monolith: monolith-main.js beside this file, told its members. */
export function monolithCommand(spec: MonolithSpec): { main: string; env: Record<string, string> } {
  const main = join(
    import.meta.dirname,
    `monolith-main${import.meta.filename.endsWith('.ts') ? '.ts' : '.js'}`,
  );
  return {
    main,
    env: {
      [membersVariable]: spec.members.map((service) => service.name).join(','),
      SERVICE_NAME: monolithName,
    },
  };
}

/** A started process as .trio/shop.json lists it: the monolith once per member, with its pid. */
export function shopProcesses(spec: ServiceSpec, pid: number | undefined): ShopProcess[] {
  const one = (service: ServiceSpec): ShopProcess => ({
    name: service.name,
    pid,
    address: '127.0.0.1',
    httpPort: service.httpPort,
    ...(service.adminPort === undefined ? {} : { adminPort: service.adminPort }),
    ...(service.rpcPort === undefined ? {} : { rpcPort: service.rpcPort }),
  });
  return isMonolith(spec) ? spec.members.map(one) : [one(spec)];
}
