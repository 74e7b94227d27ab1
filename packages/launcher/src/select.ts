// Which services `npm start` runs: all eight, or a subset chosen on the command line so that a team
// can run its own service elsewhere (under a debugger, `npm run dev -- <svc>`, another machine):
//
//   npm start -- --only catalog,inventory      # these, and nothing else
//   npm start -- --except front-end            # every service but these
//
// Names may be separated by commas or given as several arguments (`--except billing front-end`),
// and `--only=catalog` works too. The services not started here are expected at the addresses the
// started ones are configured with (their .env.example, .env or environment: CATALOG_URL, …).
import { type ServiceSpec, serviceEnv, services } from './services.ts';

export interface Selection {
  /** What this launcher starts, in the launcher's start order. */
  started: ServiceSpec[];
  /** What it leaves to someone else: the started services call them at their configured URLs. */
  elsewhere: ServiceSpec[];
}

export class SelectionError extends Error {}

const modes = ['--only', '--except'] as const;
type Mode = (typeof modes)[number];

/** The names given after `--only`/`--except` (up to the next `--option`), and which of the two. */
function namesFrom(argv: readonly string[]): { mode: Mode; names: string[] } | undefined {
  let found: { mode: Mode; names: string[] } | undefined;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] ?? '';
    const [flag = '', inline] = argument.split(/=(.*)/s, 2);
    if (!(modes as readonly string[]).includes(flag)) continue;
    if (found !== undefined) {
      throw new SelectionError(`give either --only or --except, once (found ${found.mode} and ${flag})`);
    }
    const words = inline === undefined ? [] : [inline];
    if (inline === undefined) {
      while (index + 1 < argv.length && !(argv[index + 1] ?? '').startsWith('--'))
        words.push(argv[++index] ?? '');
    }
    found = {
      mode: flag as Mode,
      names: words
        .flatMap((word) => word.split(','))
        .map((name) => name.trim())
        .filter((name) => name !== ''),
    };
  }
  return found;
}

/** The services to start for a command line; a SelectionError names the valid services. */
export function selectServices(argv: readonly string[], all: readonly ServiceSpec[] = services): Selection {
  const given = namesFrom(argv);
  if (given === undefined) return { started: [...all], elsewhere: [] };
  const valid = all.map((service) => service.name);
  if (given.names.length === 0) {
    throw new SelectionError(`${given.mode} needs at least one service name: ${valid.join(', ')}`);
  }
  const unknown = given.names.filter((name) => !valid.includes(name));
  if (unknown.length > 0) {
    throw new SelectionError(
      `unknown service${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `"${name}"`).join(', ')}: ` +
        `the services are ${valid.join(', ')}`,
    );
  }
  const chosen = (service: ServiceSpec) => given.names.includes(service.name) === (given.mode === '--only');
  const started = all.filter(chosen);
  if (started.length === 0)
    throw new SelectionError(`${given.mode} ${given.names.join(',')} leaves nothing to start`);
  return { started, elsewhere: all.filter((service) => !chosen(service)) };
}

/** `front-end` → `FRONT_END_`: the prefix of the variables that point at a service (`FRONT_END_URL`). */
function variablePrefix(name: string): string {
  return `${name.toUpperCase().replace(/-/g, '_')}_`;
}

/**
 * One line per service not started here: where the started ones will call it (the URL or address
 * their settings give), or, when none of them calls it, the port it is configured to listen on.
 */
export function elsewhereLines(
  root: string,
  elsewhere: readonly ServiceSpec[],
  started: readonly ServiceSpec[],
  environment: Record<string, string | undefined> = process.env,
): string[] {
  const envs = started.map((spec) => ({ name: spec.name, env: serviceEnv(root, spec.name, environment) }));
  return elsewhere.map((spec) => {
    const prefix = variablePrefix(spec.name);
    const callers = new Map<string, string[]>();
    for (const { name, env } of envs) {
      for (const suffix of ['URL', 'ADDR']) {
        const address = env[`${prefix}${suffix}`];
        if (address !== undefined) callers.set(address, [...(callers.get(address) ?? []), name]);
      }
    }
    const where =
      callers.size === 0
        ? `expected at http://localhost:${spec.httpPort}/`
        : [...callers].map(([address, names]) => `${names.join(', ')} call it at ${address}`).join('; ');
    return `  ${spec.name.padEnd(16)} not started here: ${where}`;
  });
}
