// The outbox and inbox tables, created in the service's own schema by one of the service's own
// migrations. node-pg-migrate keeps one ordered history per schema, so a second migrations folder
// run into the same schema would break its order check; instead the service adds a file such as
//
//   migrations/1731000000000_event-outbox-inbox.js
//   export { up, down } from '@trio/events/migration';
//
// and the runtime's migrate() applies it with the rest, in the service's schema. A later change to
// these tables will ship as a new pair of functions for a new migration file; these stay as they are.

/** The part of node-pg-migrate's MigrationBuilder used here. */
export interface SqlMigrationBuilder {
  sql(statement: string): void;
}

export const eventTablesUpSql = `
CREATE TABLE event_outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id uuid NOT NULL UNIQUE,
  event_type text NOT NULL,
  -- Events of one aggregate are published in id order; a later one never overtakes an earlier one.
  aggregate_key text NOT NULL,
  envelope jsonb NOT NULL,
  -- Captured from the writer's context, for the traceparent header when the event has none.
  traceparent text,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  published_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text
);
CREATE INDEX event_outbox_pending_idx ON event_outbox (id) WHERE published_at IS NULL;
CREATE INDEX event_outbox_pending_aggregate_idx ON event_outbox (aggregate_key, id) WHERE published_at IS NULL;
CREATE INDEX event_outbox_published_idx ON event_outbox (published_at) WHERE published_at IS NOT NULL;

-- Wakes the relay when a transaction that wrote events commits (NOTIFY is delivered on commit).
-- One channel for every schema; the payload says which schema's outbox has work.
CREATE FUNCTION event_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
  PERFORM pg_notify('trio_event_outbox', TG_TABLE_SCHEMA);
  RETURN NULL;
END
$body$;
CREATE TRIGGER event_outbox_notify AFTER INSERT ON event_outbox
  FOR EACH STATEMENT EXECUTE FUNCTION event_outbox_notify();

CREATE TABLE event_inbox (
  -- The consuming queue: each consumer has its own record of what it has processed.
  consumer text NOT NULL,
  event_id uuid NOT NULL,
  event_type text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);
CREATE INDEX event_inbox_processed_idx ON event_inbox (processed_at);
`;

export const eventTablesDownSql = `
DROP TABLE event_inbox;
DROP TABLE event_outbox;
DROP FUNCTION event_outbox_notify();
`;

export function up(pgm: SqlMigrationBuilder): void {
  pgm.sql(eventTablesUpSql.trim());
}

export function down(pgm: SqlMigrationBuilder): void {
  pgm.sql(eventTablesDownSql.trim());
}

/**
 * The dead letters of the in-process bus (in-process.ts, the monolith), in the publishing service's
 * schema beside its outbox: where RabbitMQ keeps them in `<queue>.dlq`, the relay that delivered an
 * event records each queue that dead-lettered it here, in the transaction that marks its outbox row
 * published. A second migration file of each publishing service:
 *
 *   export { downDeadLetters as down, upDeadLetters as up } from '@trio/events/migration';
 */
export const deadLetterTableUpSql = `
CREATE TABLE event_dead_letter (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The consumer's queue, as on RabbitMQ (inventory.orders).
  queue text NOT NULL,
  event_id uuid NOT NULL,
  event_type text NOT NULL,
  -- What the consumer was given: the event as published (an invalid one as it was).
  envelope jsonb NOT NULL,
  -- invalid_event, unhandled_type or handler_failed, as the x-trio-dead-reason header on RabbitMQ.
  reason text NOT NULL,
  error text,
  attempts integer NOT NULL,
  dead_lettered_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- A copy sent again after a restart and dead-lettered again replaces the first record.
  UNIQUE (queue, event_id)
);
`;

export function upDeadLetters(pgm: SqlMigrationBuilder): void {
  pgm.sql(deadLetterTableUpSql.trim());
}

export function downDeadLetters(pgm: SqlMigrationBuilder): void {
  pgm.sql('DROP TABLE event_dead_letter;');
}

/** The NOTIFY channel of the outbox trigger. */
export const outboxNotifyChannel = 'trio_event_outbox';
