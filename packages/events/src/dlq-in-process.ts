// `trio-dlq … --in-process`: the dead letters of the in-process bus (the monolith), which the relay
// of each publishing service keeps in its schema's `event_dead_letter` table (in-process-relay.ts).
// The same views as for a RabbitMQ DLQ (dlq.ts), read from every schema of DATABASE_URL's database
// that has the table: a queue may be fed by several services.
//
// Replay sends the event again through its publisher's outbox (the row is marked pending again, or
// written anew when it was pruned), so a running monolith's relay delivers it within its polling
// interval. It goes to every queue bound with its type, not only the one that dead-lettered it: the
// others skip it through their inbox (a consumer without one, the front-end's cache, handles it again).
import type pg from 'pg';
import type { DeadLetter, DeadLetterListing, DeadLetterSummary, PurgeResult, ReplayResult } from './dlq.ts';

interface Row {
  schema: string;
  id: string;
  event_id: string;
  event_type: string;
  envelope: unknown;
  reason: string;
  error: string | null;
  attempts: number;
  dead_lettered_at: Date;
}

const quoted = (schema: string) => `"${schema.replace(/"/g, '""')}"`;

/** Every dead letter of `queue`, oldest first, from each schema with the table. */
async function deadLettersOf(db: pg.Pool, queue: string): Promise<Row[]> {
  const { rows: schemas } = await db.query<{ schema: string }>(
    `SELECT table_schema AS schema FROM information_schema.tables
     WHERE table_name = 'event_dead_letter' ORDER BY table_schema`,
  );
  if (schemas.length === 0) return [];
  const union = schemas
    .map(
      ({ schema }) =>
        `SELECT '${schema.replace(/'/g, "''")}' AS schema, id, event_id, event_type, envelope, reason, error,
                attempts, dead_lettered_at FROM ${quoted(schema)}.event_dead_letter WHERE queue = $1`,
    )
    .join(' UNION ALL ');
  const { rows } = await db.query<Row>(`${union} ORDER BY dead_lettered_at, id`, [queue]);
  return rows;
}

function summary(row: Row, position: number): DeadLetterSummary {
  return {
    position,
    messageId: row.event_id,
    type: row.event_type,
    reason: row.reason,
    error: row.error ?? undefined,
    attempts: row.attempts,
    deadLetteredAt: row.dead_lettered_at.toISOString(),
  };
}

export async function listInProcessDeadLetters(
  db: pg.Pool,
  queue: string,
  options: { limit?: number } = {},
): Promise<DeadLetterListing> {
  const rows = await deadLettersOf(db, queue);
  return {
    queue,
    deadLetterQueue: `${queue} (event_dead_letter)`,
    count: rows.length,
    messages: rows.slice(0, options.limit ?? 50).map((row, index) => summary(row, index + 1)),
  };
}

/** One dead letter by event id, or by its 1-based position. */
export async function showInProcessDeadLetter(
  db: pg.Pool,
  queue: string,
  selector: string,
): Promise<DeadLetter | undefined> {
  const rows = await deadLettersOf(db, queue);
  const position = /^#?\d+$/.test(selector) ? Number(selector.replace('#', '')) : undefined;
  const index = position === undefined ? rows.findIndex((row) => row.event_id === selector) : position - 1;
  const row = rows[index];
  if (row === undefined) return undefined;
  return {
    ...summary(row, index + 1),
    properties: { schema: row.schema, queue },
    headers: {},
    body: row.envelope,
  };
}

/** The dead letters a command acts on: all (at most `limit`), or the one with `messageId`. */
async function selected(
  db: pg.Pool,
  queue: string,
  options: { limit?: number; messageId?: string },
): Promise<{ chosen: Row[]; total: number }> {
  const rows = await deadLettersOf(db, queue);
  const matching = rows.filter(
    (row) => options.messageId === undefined || row.event_id === options.messageId,
  );
  return { chosen: matching.slice(0, options.limit ?? Number.POSITIVE_INFINITY), total: rows.length };
}

async function remove(db: pg.Pool, row: Row): Promise<void> {
  await db.query(`DELETE FROM ${quoted(row.schema)}.event_dead_letter WHERE id = $1`, [row.id]);
}

export async function replayInProcessDeadLetters(
  db: pg.Pool,
  queue: string,
  options: { limit?: number; messageId?: string } = {},
): Promise<ReplayResult> {
  const { chosen, total } = await selected(db, queue, options);
  for (const row of chosen) {
    const outbox = `${quoted(row.schema)}.event_outbox`;
    // Pending again, or written anew when the sent row was pruned since; then out of the dead letters.
    await db.query(
      `WITH reset AS (
         UPDATE ${outbox} SET published_at = NULL, last_error = NULL WHERE event_id = $1 RETURNING 1)
       INSERT INTO ${outbox} (event_id, event_type, aggregate_key, envelope)
       SELECT $1, $2, $1, $3 WHERE NOT EXISTS (SELECT 1 FROM reset)`,
      [row.event_id, row.event_type, JSON.stringify(row.envelope)],
    );
    await remove(db, row);
  }
  return { replayed: chosen.length, remaining: total - chosen.length };
}

export async function purgeInProcessDeadLetters(
  db: pg.Pool,
  queue: string,
  options: { limit?: number; messageId?: string } = {},
): Promise<PurgeResult> {
  const { chosen, total } = await selected(db, queue, options);
  for (const row of chosen) await remove(db, row);
  return { purged: chosen.length, remaining: total - chosen.length };
}
