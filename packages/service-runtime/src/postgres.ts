// PostgreSQL for a service that owns one schema. The pool's connections see only that schema
// (search_path), so queries name tables without a prefix and services sharing a database server
// cannot read each other's tables by accident. Migrations run with node-pg-migrate into the same
// schema, with their bookkeeping table there too.
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import type { Logger } from 'pino';
import type { ReadinessCheck } from './health.ts';
import type { ServiceHost } from './service.ts';

export interface PostgresOptions {
  url: string;
  /** The service's own schema, e.g. `billing`. */
  schema: string;
  log: Logger;
  /** Shown in pg_stat_activity: who holds that connection. */
  applicationName?: string;
  maxConnections?: number;
}

export type Postgres = pg.Pool;

/** What a data-access function runs its SQL on: the pool, or a client inside a transaction. */
export type Queryable = pg.Pool | pg.PoolClient;

// The schema goes into a startup parameter and into SQL identifiers: allow plain names only.
const schemaName = /^[a-z_][a-z0-9_]{0,62}$/;

function assertSchemaName(schema: string): void {
  if (!schemaName.test(schema)) throw new Error(`invalid schema name "${schema}": use [a-z_][a-z0-9_]*`);
}

export function createPostgres(options: PostgresOptions): Postgres {
  assertSchemaName(options.schema);
  const pool = new pg.Pool({
    connectionString: options.url,
    options: `-c search_path=${options.schema}`,
    application_name: options.applicationName ?? options.schema,
    max: options.maxConnections ?? 10,
    // Without it a connect to a black-holed server waits forever, and so does the request.
    connectionTimeoutMillis: 5_000,
  });
  // An idle client losing its connection emits here; unhandled, it would crash the process.
  pool.on('error', (error) => options.log.error({ err: error }, 'idle postgres connection failed'));
  return pool;
}

export function postgresCheck(pool: Postgres): ReadinessCheck {
  return () => pool.query('SELECT 1');
}

export interface MigrateOptions {
  url: string;
  schema: string;
  /** Folder of migration files (`.sql` with `-- Up Migration`/`-- Down Migration`, or `.js`/`.ts`). */
  dir: string | URL;
  log: Logger;
}

/**
 * Applies pending migrations, creating the schema if needed; returns the names applied. Safe to run
 * from several replicas starting at once: they queue on an advisory lock, and the later ones find
 * nothing left to do.
 */
export async function migrate(options: MigrateOptions): Promise<string[]> {
  const { schema, log } = options;
  assertSchemaName(schema);
  const applied = await runner({
    databaseUrl: { connectionString: options.url, application_name: `${schema}-migrate` },
    dir: options.dir instanceof URL ? fileURLToPath(options.dir) : options.dir,
    direction: 'up',
    schema,
    createSchema: true,
    migrationsSchema: schema,
    migrationsTable: 'pgmigrations',
    // The default is to fail when another process holds the lock; replicas should wait instead.
    advisoryLockMode: 'wait',
    // node-pg-migrate's default lock id is one for the whole server: key it by schema so that
    // different services migrating the same database do not wait for each other.
    lockValue: createHash('sha256').update(`trio-migrate:${schema}`).digest().readInt32BE(0),
    logger: {
      // The runner narrates each step; a summary line below is what the service log needs.
      debug: (message) => log.debug({ schema }, message),
      info: (message) => log.debug({ schema }, message),
      warn: (message) => log.warn({ schema }, message),
      error: (message) => log.error({ schema }, message),
    },
  });
  const names = applied.map((migration) => migration.name);
  log.info({ schema, applied: names }, names.length > 0 ? 'migrations applied' : 'schema up to date');
  return names;
}

export interface AttachPostgresOptions {
  url: string;
  /** The service's own schema, e.g. `billing`. */
  schema: string;
  /** Folder of migrations, e.g. `new URL('../migrations/', import.meta.url)`. */
  migrations: URL | string;
  /** The host's logger by default. */
  log?: Logger;
  /** Shown in pg_stat_activity; the schema name by default. */
  applicationName?: string;
  /** The pool's size (DATABASE_POOL_SIZE); 10 by default. */
  maxConnections?: number;
}

/**
 * What every service's main.ts does with its database: applies pending migrations, opens the pool,
 * and registers its closer (`postgres`) on `host.shutdown` and its readiness check (`postgres`) on
 * `host.health`. Call it first, so that the database closes last.
 */
export async function attachPostgres(host: ServiceHost, options: AttachPostgresOptions): Promise<Postgres> {
  const { url, schema } = options;
  const log = options.log ?? host.log;
  await migrate({ url, schema, dir: options.migrations, log });
  const db = createPostgres({
    url,
    schema,
    log,
    applicationName: options.applicationName,
    maxConnections: options.maxConnections,
  });
  host.shutdown.register('postgres', () => db.end());
  host.health.addCheck('postgres', postgresCheck(db));
  return db;
}
