// Every row a database holds, as text: for tests that prove something is *not* stored anywhere (a
// card number, a password), whatever table or column a change might put it in.
import type pg from 'pg';

export interface StoredRow {
  /** `schema.table` */
  table: string;
  /** The row as PostgreSQL prints a record: every column's value. */
  text: string;
}

/** Every row of every table in `schemas` (default: every schema but PostgreSQL's own). */
export async function storedRows(db: pg.Pool, schemas?: readonly string[]): Promise<StoredRow[]> {
  const { rows: tables } = await db.query<{ schema: string; name: string }>(
    `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
       AND ($1::text[] IS NULL OR table_schema = ANY($1::text[]))
     ORDER BY 1, 2`,
    [schemas ?? null],
  );
  const stored: StoredRow[] = [];
  for (const { schema, name } of tables) {
    const table = `${schema}.${name}`;
    const quoted = `"${schema.replaceAll('"', '""')}"."${name.replaceAll('"', '""')}"`;
    const { rows } = await db.query<{ text: string }>(`SELECT t::text AS text FROM ${quoted} t`);
    for (const row of rows) stored.push({ table, text: row.text });
  }
  return stored;
}
