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
/**
 * The event bus: a broker (amqp://), or `inproc://events`, the in-process bus of services run in one
 * process (the monolith, docs/monolith.md), where no broker is needed.
 */
export const AmqpUrl = z.url({
  protocol: /^(amqps?|inproc)$/,
  error: 'must be an amqp:// URL (or inproc://events)',
});
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

/**
 * A REST peer's base URL, e.g. CATALOG_URL=http://catalog:3001, or `inproc://catalog` for a service
 * served in the same process (the monolith: SERVE_IN_PROCESS, docs/monolith.md).
 */
export const PeerUrl = z.url({
  protocol: /^(https?|inproc)$/,
  error: 'must be an http:// (or inproc://) URL',
});
/**
 * A ZeroRPC peer, e.g. INVENTORY_ADDR=tcp://inventory:4242; a comma-separated list connects to
 * several replicas, which ZeroMQ then load-balances; `inproc://inventory` reaches a service served in
 * the same process (the monolith: SERVE_IN_PROCESS, docs/monolith.md).
 */
export const PeerAddr = z
  .string()
  .transform((value) => value.split(',').map((endpoint) => endpoint.trim()))
  .pipe(
    z.array(
      z
        .string()
        .regex(
          /^(tcp:\/\/[^\s:/]+:\d{1,5}|inproc:\/\/[a-z][a-z-]*)$/,
          'must be tcp://host:port[,tcp://host:port…] (or inproc://<service>)',
        ),
    ),
  );

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and localhost: an address reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  return bare === 'localhost' || bare === '::1' || /^(::ffff:)?127(\.\d{1,3}){3}$/.test(bare);
}

/**
 * The interface a port binds to: loopback unless the deployment says otherwise, so that a shop
 * started on a laptop is not reachable from the café's network. Containers set 0.0.0.0 (their
 * Dockerfile does), where the container's network is the boundary.
 */
export const BindHost = z.string().min(1).default('127.0.0.1');

/** The variables every service has; the service's own name and port are the defaults. */
export function serviceSettings(defaults: { name: string; httpPort: number }) {
  return {
    SERVICE_NAME: z.string().min(1).default(defaults.name),
    NODE_ENV: NodeEnv,
    LOG_LEVEL: LogLevel,
    /** Where HTTP_PORT (and an admin port, if the service has one) binds. */
    HTTP_HOST: BindHost,
    HTTP_PORT: Port.default(defaults.httpPort),
    SHUTDOWN_TIMEOUT_MS: DurationMs.default(10_000),
    /**
     * Also serve this service's REST routes and ZeroRPC methods to callers in the same process, at
     * `inproc://<SERVICE_NAME>` (the monolith, docs/monolith.md). Its ports are served as always.
     */
    SERVE_IN_PROCESS: z.stringbool().default(false),
    ...faultSettings(),
  };
}

const Flag = z
  .enum(['true', 'false'], { error: 'must be true or false' })
  .default('false')
  .transform((value) => value === 'true');

/**
 * Faults on demand (docs/faults.md): off unless FAULTS_ENABLED=true, and then read from the Redis
 * at FAULTS_REDIS_URL. Production refuses FAULTS_ENABLED=true unless FAULTS_IN_PRODUCTION=true says
 * it is meant (parseConfig checks it, once, for every service).
 */
export function faultSettings() {
  return {
    FAULTS_ENABLED: Flag,
    FAULTS_IN_PRODUCTION: Flag,
    FAULTS_REDIS_URL: RedisUrl.default('redis://127.0.0.1:6379'),
    /** Put in front of the flags' Redis keys (tests give each file its own). */
    FAULTS_KEY_PREFIX: z.string().default(''),
  };
}

/** Fault injection in production only when both variables say so. */
function productionFaultProblems(env: Env): ConfigProblem[] {
  if (env.NODE_ENV !== 'production' || env.FAULTS_ENABLED !== 'true' || env.FAULTS_IN_PRODUCTION === 'true')
    return [];
  return [
    {
      variable: 'FAULTS_ENABLED',
      problem:
        'fault injection is refused in production; set FAULTS_IN_PRODUCTION=true as well if you mean it',
    },
  ];
}

/** The schemas made by secret(), which parseConfig finds in a config to apply the production rules. */
const secrets = new WeakSet<z.ZodType>();

/** The shortest secret production accepts: 32 characters, 192 bits or more of a random token. */
export const PRODUCTION_SECRET_MIN_LENGTH = 32;

/**
 * The secrets this repository ships for development (.env.example, docker-compose.yml, fig.yml,
 * the k8s dev overlay): public, so production refuses them by name as well as by their marks.
 */
export const SHIPPED_DEV_SECRETS: readonly string[] = [
  'dev-admin-token-change-me',
  'dev-session-secret-change-me-0123456789',
  'dev-front-end-session-secret-change-me-0123',
  'dev-idempotency-secret-change-me',
  'dev-billing-idempotency-secret-change-me',
  // The public halves of the CURVE key pairs of docker-compose.yml, fig.yml and the k8s dev
  // overlay (their secret keys start with `dev-`): trusting one would let in anyone holding the
  // published secret key, so production refuses them in allow-lists and peer keys alike.
  '-[0DgfIU5F)c[M)=^gwKvVw.d)KPo^NfY)p.L]Z=',
  'Ob-]S!ebl)U8s2[JVIUL-O9As!wH!is-uF4BqF^v',
  'mlr4d-LuS9(^bv0iPd!8H/ykwsoR:(NIo8ZM^0rO',
  '81!nYDO(2MJrp[!Lyl^Z/ccqeCWscHKhp-XqP[IT',
  'hHva^qu/jVQpxIZwj=eN:Vn/VE5/hJ^gowydq34f',
];

/** How a development value is recognised: a `dev-` prefix, or `change-me` or `example` in it. */
function looksLikeDevValue(value: string): boolean {
  // A JWK of a development key pair says so in its key id (`"kid":"dev-billing"`).
  return value.startsWith('dev-') || /change-?me|example/i.test(value) || /"kid"\s*:\s*"dev-/.test(value);
}

/**
 * A credential (token, signing secret). Always required; `minLength` is the floor in development.
 * In production (NODE_ENV=production) parseConfig also refuses one shorter than 32 characters or
 * one that is a development value (see SHIPPED_DEV_SECRETS), so that a deployment that forgot to
 * set its own secret fails at boot instead of running with a value anyone can read in this repo.
 */
export function secret(options: { minLength?: number } = {}) {
  const minLength = options.minLength ?? 16;
  const schema = z.string().min(minLength, `must be at least ${minLength} characters`);
  secrets.add(schema);
  return schema;
}

/** Puts a schema that is not secret() (a JSON key, say) under the same production rules. */
export function markSecret<S extends z.ZodType>(schema: S): S {
  secrets.add(schema);
  return schema;
}

/** The production rules for each secret() of the schema that is set (a missing one zod reports). */
function productionSecretProblems(schema: z.ZodObject, env: Env): ConfigProblem[] {
  if (env.NODE_ENV !== 'production') return [];
  return Object.entries(schema.shape).flatMap(([variable, field]) => {
    const value = env[variable];
    if (!secrets.has(field as z.ZodType) || value === undefined) return [];
    // `includes`: a list (RPC_CURVE_ALLOWED_CLIENTS) is refused when any of its entries is shipped.
    if (SHIPPED_DEV_SECRETS.some((shipped) => value.includes(shipped)) || looksLikeDevValue(value))
      return [
        { variable, problem: 'is a development example value; set a secret of your own in production' },
      ];
    if (value.length < PRODUCTION_SECRET_MIN_LENGTH)
      return [
        { variable, problem: `must be at least ${PRODUCTION_SECRET_MIN_LENGTH} characters in production` },
      ];
    return [];
  });
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
  const secretProblems = [...productionSecretProblems(schema, present), ...productionFaultProblems(present)];
  if (result.success && secretProblems.length === 0) return Object.freeze(result.data);
  const parseProblems = result.success
    ? []
    : result.error.issues.map((issue) => {
        // An object-level refinement has no path: it is about the combination of variables.
        if (issue.path.length === 0) return { variable: '(config)', problem: issue.message };
        // A list variable's issue points inside it; the operator edits the variable.
        const variable = String(issue.path[0]);
        // zod's own message for a missing key talks about types; say what the operator must do.
        const problem = present[variable] === undefined ? 'is required but not set' : issue.message;
        return { variable, problem };
      });
  // A variable zod already refused is reported once, with zod's reason.
  const reported = new Set(parseProblems.map((problem) => problem.variable));
  throw new ConfigError([...parseProblems, ...secretProblems.filter((p) => !reported.has(p.variable))]);
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
