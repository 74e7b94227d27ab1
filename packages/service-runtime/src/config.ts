// Typed configuration from environment variables, validated once at boot. A service declares one
// zod object of its variables (reusing the pieces below) and gets a typed, frozen config back, or,
// when anything is wrong, one line per bad variable and exit code 1: fixing config one restart at a
// time is miserable, so every problem is reported at once.
import { z } from 'zod';

export const NodeEnv = z.enum(['development', 'test', 'production']).default('development');
export const LogLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');
/** 0 asks the OS for a free port (tests). */
export const Port = z.coerce.number().int().min(0).max(65_535);
export const DurationMs = z.coerce.number().int().positive();
export const PostgresUrl = z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' });
export const RedisUrl = z.url({ protocol: /^rediss?$/, error: 'must be a redis:// URL' });
export const AmqpUrl = z.url({ protocol: /^amqps?$/, error: 'must be an amqp:// URL' });
/**
 * A service's database: DATABASE_URL, and how many connections its pool may open (each service
 * also keeps one or two of its own beside the pool: the outbox relay's LISTEN, billing's locks).
 */
export function postgresSettings() {
  return {
    DATABASE_URL: PostgresUrl,
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  };
}

/**
 * The event bus every service is on: AMQP_URL, and EVENTS_EXCHANGE, the topic exchange of the
 * shop's events (one per shop; tests give each file its own).
 */
export function eventBusSettings() {
  return {
    AMQP_URL: AmqpUrl,
    EVENTS_EXCHANGE: z.string().min(1).default('trio.events'),
  };
}

/** A REST peer's base URL, e.g. CATALOG_URL=http://catalog:3001. */
export const PeerUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// URL' });
/**
 * A ZeroRPC peer, e.g. INVENTORY_ADDR=tcp://inventory:4242; a comma-separated list connects to
 * several replicas, which ZeroMQ then load-balances.
 */
export const PeerAddr = z
  .string()
  .transform((value) => value.split(',').map((endpoint) => endpoint.trim()))
  .pipe(
    z.array(z.string().regex(/^tcp:\/\/[^\s:/]+:\d{1,5}$/, 'must be tcp://host:port[,tcp://host:port…]')),
  );

/** The variables every service has; the service's own name and port are the defaults. */
export function serviceSettings(defaults: { name: string; httpPort: number }) {
  return {
    SERVICE_NAME: z.string().min(1).default(defaults.name),
    NODE_ENV: NodeEnv,
    LOG_LEVEL: LogLevel,
    HTTP_PORT: Port.default(defaults.httpPort),
    SHUTDOWN_TIMEOUT_MS: DurationMs.default(10_000),
  };
}

export interface ConfigProblem {
  variable: string;
  problem: string;
}

export class ConfigError extends Error {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export type Env = Record<string, string | undefined>;

/** Returns the typed config or throws a ConfigError naming every bad variable (never its value). */
export function parseConfig<S extends z.ZodObject>(schema: S, env: Env = process.env): Readonly<z.output<S>> {
  // Compose files and .env write `KEY=` for "not set"; treat it so, letting defaults apply.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(present);
  if (result.success) return Object.freeze(result.data);
  throw new ConfigError(
    result.error.issues.map((issue) => {
      // An object-level refinement has no path: it is about the combination of variables.
      if (issue.path.length === 0) return { variable: '(config)', problem: issue.message };
      // A list variable's issue points inside it; the operator edits the variable.
      const variable = String(issue.path[0]);
      // zod's own message for a missing key talks about types; say what the operator must do.
      const problem = present[variable] === undefined ? 'is required but not set' : issue.message;
      return { variable, problem };
    }),
  );
}

/** For main.ts: like parseConfig, but a bad config prints every problem to stderr and exits 1. */
export function loadConfig<S extends z.ZodObject>(schema: S, env: Env = process.env): Readonly<z.output<S>> {
  try {
    return parseConfig(schema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
