// Each service owns one schema of a shared database: migrations land there, the pool sees only
// it, and replicas migrating at once do not trip over each other.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@trio/testing/infra';
import pg from 'pg';
import { attachPostgres, createPostgres, migrate, type Postgres } from '../src/postgres.ts';
import { createServiceHost } from '../src/service.ts';
import { captureLogs } from './support/log-capture.ts';

const dir = new URL('./fixtures/migrations/', import.meta.url);
const migrationNames = ['1700000000000_create-widgets', '1700000000001_add-widget-price'];
const { log } = captureLogs('postgres-test');

let db: TestDatabase;
let admin: pg.Client;
const pools: Postgres[] = [];

before(async () => {
  db = await createTestDatabase();
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
});

after(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  await admin.end();
  await db.drop();
});

function pool(schema: string): Postgres {
  const created = createPostgres({ url: db.url, schema, log });
  pools.push(created);
  return created;
}

async function tablesIn(schema: string): Promise<string[]> {
  const { rows } = await admin.query<{ table_name: string }>(
    'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
    [schema],
  );
  return rows.map((row) => row.table_name);
}

describe('migrate', () => {
  it('when the schema does not exist, creates it and puts the tables and the bookkeeping there only', async () => {
    const applied = await migrate({ url: db.url, schema: 'alpha', dir, log });
    assert.deepEqual(applied, migrationNames);
    assert.deepEqual(await tablesIn('alpha'), ['pgmigrations', 'widgets']);
    assert.deepEqual(await tablesIn('public'), []);
  });

  it('when run again, changes nothing', async () => {
    assert.deepEqual(await migrate({ url: db.url, schema: 'alpha', dir, log }), []);
    const { rows } = await admin.query('SELECT name FROM alpha.pgmigrations');
    assert.equal(rows.length, 2);
  });

  it('when several processes migrate the same schema at once, each migration runs exactly once', async () => {
    const runs = await Promise.all(
      [1, 2, 3, 4].map(() => migrate({ url: db.url, schema: 'gamma', dir, log })),
    );
    assert.deepEqual(runs.flat().sort(), migrationNames);
    const { rows } = await admin.query('SELECT name FROM gamma.pgmigrations');
    assert.equal(rows.length, 2);
  });

  it('when two services use different schemas of one database, their tables do not collide', async () => {
    await migrate({ url: db.url, schema: 'beta', dir, log });
    const alpha = pool('alpha');
    const beta = pool('beta');
    await alpha.query("INSERT INTO widgets (name, price_minor) VALUES ('sprocket', 250)");
    assert.deepEqual((await alpha.query('SELECT name FROM widgets')).rows, [{ name: 'sprocket' }]);
    assert.deepEqual((await beta.query('SELECT name FROM widgets')).rows, []);
  });

  it('when the schema name is not a plain identifier, refuses it before touching the database', async () => {
    await assert.rejects(
      migrate({ url: db.url, schema: 'x"; DROP SCHEMA alpha; --', dir, log }),
      /invalid schema name/,
    );
    assert.throws(() => createPostgres({ url: db.url, schema: 'Bad-Name', log }), /invalid schema name/);
  });
});

describe('createPostgres', () => {
  it('its connections see only the service schema and carry the application name', async () => {
    const delta = createPostgres({ url: db.url, schema: 'delta', log, applicationName: 'delta-service' });
    pools.push(delta);
    const { rows } = await delta.query<{ application_name: string; search_path: string }>(
      "SELECT current_setting('application_name') AS application_name, current_setting('search_path') AS search_path",
    );
    assert.deepEqual(rows, [{ application_name: 'delta-service', search_path: 'delta' }]);
  });
});

describe('attachPostgres', () => {
  it('migrates the schema, registers the readiness check, and closes the pool on host.shutdown.close()', async () => {
    const host = createServiceHost({ service: 'epsilon', log, signals: false });
    const epsilon = await attachPostgres(host, {
      url: db.url,
      schema: 'epsilon',
      migrations: dir,
      applicationName: 'epsilon-service',
    });
    try {
      assert.deepEqual(await tablesIn('epsilon'), ['pgmigrations', 'widgets']);
      const { rows } = await epsilon.query<{ application_name: string; search_path: string }>(
        "SELECT current_setting('application_name') AS application_name, current_setting('search_path') AS search_path",
      );
      assert.deepEqual(rows, [{ application_name: 'epsilon-service', search_path: 'epsilon' }]);
      const report = await host.health.check();
      assert.equal(report.checks.postgres?.ok, true);
    } finally {
      assert.equal(await host.shutdown.close(), true);
    }
    assert.equal(epsilon.ended, true);
    await assert.rejects(epsilon.query('SELECT 1'));
  });
});
