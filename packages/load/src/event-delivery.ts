// The events invariant after a run: every event a service wrote to its outbox since the run began
// was published, and consumed exactly once by each queue subscribed to its type, or is in that
// queue's dead-letter queue. "Consumed" is the consumer's inbox row (`event_inbox`, keyed by queue
// and event id): it commits with the handler's writes, and its key lets no event be handled twice,
// so a row present is exactly once. A consumer without a database keeps no inbox (the front-end's
// cache: its handlers are idempotent on their own) and is left out, and said so.
import { eventCatalogue, eventSubscriptions, subscriptionNames } from '@trio/contracts/events';
import type pg from 'pg';
import type { InvariantCheck } from './invariants.ts';

export interface EventDeliveryOptions {
  /** Only the events written since then (the run's). */
  since: Date;
  /** Each queue is `<queuePrefix><subscription>` ('' for the shop, `<exchange>.` in tests). */
  queuePrefix: string;
  /** The message ids in a queue's DLQ; without it, an event missing from an inbox is a violation. */
  deadLettered?: (queue: string) => Promise<Set<string>>;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

async function schemasWith(client: pg.Client, table: string): Promise<Set<string>> {
  const { rows } = await client.query<{ schema: string }>(
    'SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = $1',
    [table],
  );
  return new Set(rows.map((row) => row.schema));
}

export async function checkEventDelivery(
  client: pg.Client,
  options: EventDeliveryOptions,
): Promise<InvariantCheck> {
  const outboxes = await schemasWith(client, 'event_outbox');
  const inboxes = await schemasWith(client, 'event_inbox');
  const publishers = [...new Set(Object.values(eventCatalogue).map((event) => event.publisher as string))];
  const events: { id: string; type: string; published: boolean }[] = [];
  for (const schema of publishers.filter((name) => outboxes.has(name))) {
    const { rows } = await client.query<{ id: string; type: string; published: boolean }>(
      `SELECT event_id AS id, event_type AS type, published_at IS NOT NULL AS published
         FROM ${quote(schema)}.event_outbox WHERE created_at >= $1`,
      [options.since],
    );
    events.push(...rows);
  }
  const unpublished = events.filter((event) => !event.published);
  const missing: string[] = [];
  const skipped: string[] = [];
  let expected = 0;
  let consumed = 0;
  let deadLettered = 0;
  for (const name of subscriptionNames) {
    const { service, types } = eventSubscriptions[name];
    const ids = events
      .filter((event) => event.published && (types as readonly string[]).includes(event.type))
      .map((event) => event.id);
    if (!inboxes.has(service)) {
      skipped.push(name);
      continue;
    }
    if (ids.length === 0) continue;
    const queue = `${options.queuePrefix}${name}`;
    const { rows } = await client.query<{ id: string }>(
      `SELECT event_id AS id FROM ${quote(service)}.event_inbox WHERE consumer = $1 AND event_id = ANY($2::uuid[])`,
      [queue, ids],
    );
    const inInbox = new Set(rows.map((row) => row.id));
    const absent = ids.filter((id) => !inInbox.has(id));
    const dead =
      absent.length === 0 ? new Set<string>() : await (options.deadLettered?.(queue) ?? new Set<string>());
    expected += ids.length;
    consumed += inInbox.size;
    deadLettered += absent.filter((id) => dead.has(id)).length;
    missing.push(...absent.filter((id) => !dead.has(id)).map((id) => `${name} ${id}`));
  }
  return {
    name: 'every event consumed once per subscribed queue, or dead-lettered',
    ok: unpublished.length === 0 && missing.length === 0,
    detail:
      `${events.length} events written; ${unpublished.length} not published; ${expected} deliveries due, ` +
      `${consumed} in inboxes, ${deadLettered} in DLQs, ${missing.length} missing` +
      `${missing.length === 0 ? '' : `: ${missing.slice(0, 3).join(', ')}`}` +
      `${skipped.length === 0 ? '' : ` (${skipped.join(', ')}: no inbox, not checked)`}`,
  };
}
