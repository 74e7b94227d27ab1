// One PostgreSQL database per test file: created from the server named by DATABASE_URL, dropped
// (with FORCE, so forgotten connections cannot block it) when the file is done.
import pg from 'pg';
import { endpointsFromEnv } from './endpoints.ts';
import { uniqueName } from './ids.ts';

export interface TestDatabase {
  /** Connection string of the new database. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(adminUrl = endpointsFromEnv().databaseUrl): Promise<TestDatabase> {
  const name = uniqueName('trio_test');
  await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
