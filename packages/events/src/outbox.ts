// The transactional outbox. publishInTransaction() writes an event into the service's
// `event_outbox` table inside the caller's transaction, so the event exists if and only if the
// business change committed. The relay publishes pending rows with confirms and marks them sent
// only after the broker confirmed them: a crash or an outage in between leaves them pending, and
// they are published again later (at least once; consumers de-duplicate with the inbox).
//
// Order: rows are published in id order. Several relays (one per replica) share the work by
// locking rows with SKIP LOCKED; a relay never publishes a row while an earlier unsent row of the
// same aggregate is held by another relay, so events of one aggregate never overtake each other.
// For ids to follow the order of commits, write an aggregate's event after changing the
// aggregate's row in the same transaction: the row lock then orders concurrent transactions.
//
// The relay wakes on NOTIFY (a trigger notifies on insert, delivered at commit) and polls as a
// fallback for when its LISTEN connection is down.
import { type DomainEvent, parseEvent } from '@trio/contracts/events';
import { getContext, traceparentOf } from '@trio/service-runtime/context';
import { activeTraceparent } from '@trio/service-runtime/tracing';
import type pg from 'pg';
import type { Logger } from 'pino';
import { type Backoff, backoffDelay, defaultBackoff } from './connection.ts';
import { createEventMetrics, type EventMetrics } from './metrics.ts';
import { outboxNotifyChannel } from './migration.ts';
import type { Publisher } from './publisher.ts';
import { bigintArrayLiteral, inTransaction } from './transaction.ts';

export interface OutboxWriteOptions {
  /**
   * The aggregate the event is about, e.g. the order id: events with the same key are published
   * in the order they were written.
   */
  aggregateKey: string;
}

/**
 * Validates `event` and writes it to the outbox through `client`, which should be inside the
 * transaction that makes the change the event announces. Throws InvalidEventError when invalid.
 */
export async function publishInTransaction(
  client: pg.ClientBase,
  event: DomainEvent,
  options: OutboxWriteOptions,
): Promise<void> {
  const valid = parseEvent(event);
  // The writer's span: the relay's publish continues its trace and links to it.
  const context = getContext();
  const traceparent =
    activeTraceparent() ?? valid.traceparent ?? (context === undefined ? null : traceparentOf(context));
  await client.query(
    `INSERT INTO event_outbox (event_id, event_type, aggregate_key, envelope, traceparent)
     VALUES ($1, $2, $3, $4, $5)`,
    [valid.id, valid.type, options.aggregateKey, JSON.stringify(valid), traceparent],
  );
}

export interface OutboxRelayOptions {
  /** The service's pool (its search_path is the service schema). The relay holds up to two clients. */
  db: pg.Pool;
  publisher: Pick<Publisher, 'publish' | 'isReady'>;
  log: Logger;
  metrics?: EventMetrics;
  /** Rows per transaction. */
  batchSize?: number;
  /** Fallback polling interval, for when NOTIFY is missed. */
  pollIntervalMs?: number;
  /** Backoff after a failed pass. */
  retry?: Partial<Backoff>;
  /** Sent rows are deleted after this long. */
  retainPublishedMs?: number;
  /**
   * How a pass hands pending rows on: to the broker with confirms by default; the in-process bus
   * has its own (in-process-relay.ts), which marks rows published once their queues settled them.
   */
  pass?: (db: pg.Pool, batchSize: number) => Promise<RelayPass>;
}

export interface RelayPass {
  /** Pending rows this pass locked. */
  locked: number;
  /** Published, confirmed and marked sent. */
  sent: number;
  /** Not published: an earlier row of their aggregate is held by another relay or failed. */
  heldBack: number;
  failed: number;
  /** Nothing was left pending when the pass looked (what the lag gauges show without a query). */
  drained?: boolean;
}

export interface OutboxRelay {
  /** Starts relaying in the background. */
  start(): Promise<void>;
  /** One pass over the oldest pending rows (what the background loop runs). */
  relayOnce(): Promise<RelayPass>;
  /** Finishes the pass in progress and stops. */
  stop(): Promise<void>;
}

export interface OutboxRow {
  id: string;
  aggregate_key: string;
  envelope: unknown;
  traceparent: string | null;
}

const lagRefreshMs = 1_000;
const pruneEveryMs = 60_000;

/**
 * The relay's sleeps between passes: a NOTIFY that arrives during a pass is remembered, so the
 * pause after the pass is skipped; a NOTIFY ends a `wakeable` pause early, stopping ends any.
 */
function createWaker(isRunning: () => boolean) {
  let wakeRequested = false;
  let wake: (() => void) | undefined;
  return {
    wakeUp(): void {
      wakeRequested = true;
      wake?.();
    },
    /** Forgets earlier NOTIFYs: called as a pass starts, which sees every row committed by then. */
    reset(): void {
      wakeRequested = false;
    },
    pause(ms: number, wakeable: boolean): Promise<void> {
      return new Promise<void>((resolve) => {
        if (!isRunning() || (wakeable && wakeRequested)) {
          resolve();
          return;
        }
        const done = () => {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, ms);
        wake = () => {
          if (wakeable || !isRunning()) done();
        };
      });
    },
  };
}

export interface Sorted {
  sending: { row: OutboxRow; event: DomainEvent }[];
  failures: { id: string; error: string }[];
  heldBack: number;
}

/**
 * Which locked rows go out now: a row waits when an earlier row of its aggregate is held by
 * another relay (`firstUnsent`) or failed in this pass; a row whose stored event no longer parses
 * fails and holds its aggregate back.
 */
export function sortRows(rows: readonly OutboxRow[], firstUnsent: ReadonlyMap<string, bigint>): Sorted {
  const blocked = new Set<string>();
  const sorted: Sorted = { sending: [], failures: [], heldBack: 0 };
  for (const row of rows) {
    const first = firstUnsent.get(row.aggregate_key);
    if (blocked.has(row.aggregate_key) || (first !== undefined && BigInt(row.id) > first)) {
      blocked.add(row.aggregate_key);
      sorted.heldBack += 1;
      continue;
    }
    try {
      sorted.sending.push({ row, event: parseEvent(row.envelope) });
    } catch (error) {
      // The contract changed under a stored event: it stays pending (and holds back its
      // aggregate) until someone looks at last_error.
      sorted.failures.push({ id: row.id, error: message(error) });
      blocked.add(row.aggregate_key);
    }
  }
  return sorted;
}

/**
 * The oldest pending rows, locked, each with the first unsent row of its aggregate that is not ours
 * (another relay holds it): ours of that aggregate after it must wait. One statement, so one
 * snapshot: an earlier row of an aggregate committed before a later one (its writers follow the
 * rule above), so a row seen here has its earlier rows seen too. Sent with BEGIN (no parameters:
 * the limit is an integer).
 */
function lockPendingRows(batchSize: number): string {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1)
    throw new Error(`bad relay batch size: ${batchSize}`);
  return `WITH locked AS (
      SELECT id, aggregate_key, envelope, traceparent FROM event_outbox
      WHERE published_at IS NULL ORDER BY id LIMIT ${batchSize} FOR UPDATE SKIP LOCKED),
    earlier AS (
      SELECT o.aggregate_key, min(o.id) AS first_id FROM event_outbox o
      WHERE o.published_at IS NULL AND o.aggregate_key IN (SELECT aggregate_key FROM locked)
        AND o.id < (SELECT max(id) FROM locked) AND o.id NOT IN (SELECT id FROM locked)
      GROUP BY o.aggregate_key)
    SELECT locked.id, locked.aggregate_key, locked.envelope, locked.traceparent, earlier.first_id
    FROM locked LEFT JOIN earlier USING (aggregate_key) ORDER BY locked.id`;
}

interface LockedRow extends OutboxRow {
  first_id: string | null;
}

/**
 * One pass over the oldest pending rows, in one transaction that holds their row locks: two round
 * trips (the lock with BEGIN, the mark with COMMIT) around the publishes, whose confirms are
 * awaited together.
 */
async function relayPass(
  db: pg.Pool,
  publisher: Pick<Publisher, 'publish'>,
  batchSize: number,
): Promise<RelayPass> {
  return inTransaction(
    db,
    async (client, opened) => {
      const rows = opened[0]!.rows as LockedRow[];
      if (rows.length === 0) return { locked: 0, sent: [], heldBack: 0, failed: 0, drained: true };
      const firstUnsent = new Map<string, bigint>();
      for (const row of rows)
        if (row.first_id !== null) firstUnsent.set(row.aggregate_key, BigInt(row.first_id));
      const { sending, failures, heldBack } = sortRows(rows, firstUnsent);

      // Published in id order on one channel; each resolves on its own confirm.
      const outcomes = await Promise.allSettled(
        sending.map(({ row, event }) =>
          publisher.publish(event, row.traceparent === null ? {} : { traceparent: row.traceparent }),
        ),
      );
      const sent: string[] = [];
      outcomes.forEach((outcome, index) => {
        const { row } = sending[index]!;
        if (outcome.status === 'fulfilled') sent.push(row.id);
        else failures.push({ id: row.id, error: message(outcome.reason) });
      });
      await recordFailures(client, failures);
      const drained = rows.length < batchSize && heldBack === 0 && failures.length === 0;
      return { locked: rows.length, sent, heldBack, failed: failures.length, drained };
    },
    {
      opening: () => lockPendingRows(batchSize),
      // Marked with the COMMIT, in one round trip.
      closing: ({ sent }) =>
        sent.length === 0
          ? undefined
          : `UPDATE event_outbox SET published_at = clock_timestamp(), attempts = attempts + 1
             WHERE id = ANY(${bigintArrayLiteral(sent)})`,
    },
  ).then((pass) => ({ ...pass, sent: pass.sent.length }));
}

/** Counts an attempt and keeps the error of each row that could not be sent. */
export async function recordFailures(client: pg.ClientBase, failures: Sorted['failures']): Promise<void> {
  if (failures.length === 0) return;
  await client.query(
    `UPDATE event_outbox SET attempts = attempts + 1, last_error = failed.error
     FROM unnest($1::bigint[], $2::text[]) AS failed(id, error) WHERE event_outbox.id = failed.id`,
    [failures.map((failure) => failure.id), failures.map((failure) => failure.error)],
  );
}

/**
 * The outbox's pending count and age for the metrics, and old sent rows pruned, each at its own
 * pace. A pass that left nothing pending (`drained`) is the count itself, and passes come at least
 * every poll interval: the gauges are read from the table only when no pass has seen the outbox
 * empty for that long and a second more (the broker is away, a row fails, the relay is behind).
 */
function createHousekeeping(
  db: pg.Pool,
  metrics: EventMetrics,
  retainPublishedMs: number,
  pollIntervalMs: number,
) {
  let lagRefreshedAt = 0;
  let prunedAt = 0;
  const drained = (): void => {
    lagRefreshedAt = Date.now() + pollIntervalMs;
    metrics.outboxPending.set(0);
    metrics.outboxLagSeconds.set(0);
  };
  const run = async (): Promise<void> => {
    const now = Date.now();
    if (now - lagRefreshedAt >= lagRefreshMs) {
      lagRefreshedAt = now;
      const { rows } = await db.query<{ pending: number; lag: number }>(
        `SELECT count(*)::int AS pending,
                COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - min(created_at)), 0)::float8 AS lag
         FROM event_outbox WHERE published_at IS NULL`,
      );
      metrics.outboxPending.set(rows[0]!.pending);
      metrics.outboxLagSeconds.set(rows[0]!.lag);
    }
    if (now - prunedAt >= pruneEveryMs) {
      prunedAt = now;
      await db.query(
        `DELETE FROM event_outbox WHERE id IN (
           SELECT id FROM event_outbox
           WHERE published_at < clock_timestamp() - make_interval(secs => $1::float8 / 1000)
           ORDER BY published_at LIMIT 10000)`,
        [retainPublishedMs],
      );
    }
  };
  return { run, drained };
}

/**
 * Holds one pooled client LISTENing for outbox inserts of this schema; polling covers the time it
 * is down. Returns the release function once listening, or undefined (the caller polls and tries
 * again on its next pass).
 */
async function listenForInserts(
  db: pg.Pool,
  log: Logger,
  on: { insert: () => void; lost: () => void },
): Promise<(() => void) | undefined> {
  let client: pg.PoolClient;
  try {
    client = await db.connect();
  } catch (error) {
    log.warn({ err: error }, 'cannot LISTEN for outbox inserts; polling');
    return undefined;
  }
  let released = false;
  let schema: string | undefined;
  // LISTEN stays with the connection, so it is destroyed rather than returned to the pool.
  const release = (error?: Error) => {
    if (released) return;
    released = true;
    client.release(error ?? true);
  };
  client.on('notification', (notification) => {
    if (notification.channel === outboxNotifyChannel && notification.payload === schema) on.insert();
  });
  client.on('error', (error: Error) => {
    log.warn({ err: error }, 'outbox LISTEN connection lost; polling until it is back');
    release(error);
    on.lost();
  });
  try {
    const { rows } = await client.query<{ schema: string }>('SELECT current_schema() AS schema');
    schema = rows[0]!.schema;
    await client.query(`LISTEN ${outboxNotifyChannel}`);
    return release;
  } catch (error) {
    log.warn({ err: error }, 'cannot LISTEN for outbox inserts; polling');
    release();
    return undefined;
  }
}

export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, publisher } = options;
  const log = options.log.child({ component: 'outbox-relay' });
  const metrics = options.metrics ?? createEventMetrics();
  const batchSize = options.batchSize ?? 200;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const backoff: Backoff = { ...defaultBackoff, ...options.retry };
  const housekeeping = createHousekeeping(
    db,
    metrics,
    options.retainPublishedMs ?? 24 * 60 * 60 * 1_000,
    pollIntervalMs,
  );

  let running = false;
  let loop: Promise<void> | undefined;
  let unlisten: (() => void) | undefined;
  const waker = createWaker(() => running);

  async function relayOnce(): Promise<RelayPass> {
    const pass = await (options.pass ?? ((pool, size) => relayPass(pool, publisher, size)))(db, batchSize);
    metrics.relayed.inc(pass.sent);
    return pass;
  }

  async function listen(): Promise<void> {
    if (unlisten !== undefined) return;
    unlisten = await listenForInserts(db, log, {
      insert: waker.wakeUp,
      lost: () => {
        unlisten = undefined;
      },
    });
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (running) {
      await listen();
      try {
        await housekeeping.run();
      } catch (error) {
        log.warn({ err: error }, 'outbox housekeeping failed');
      }
      if (!publisher.isReady()) {
        await waker.pause(pollIntervalMs, false);
        continue;
      }
      waker.reset();
      let pass: RelayPass;
      try {
        pass = await relayOnce();
      } catch (error) {
        failures += 1;
        log.warn({ err: error, failures }, 'outbox relay pass failed');
        await waker.pause(backoffDelay(backoff, failures), false);
        continue;
      }
      if (pass.failed > 0) {
        failures += 1;
        log.warn({ ...pass, failures }, 'outbox relay could not publish some events; retrying');
        await waker.pause(backoffDelay(backoff, failures), false);
        continue;
      }
      failures = 0;
      if (pass.drained === true) housekeeping.drained();
      // Held-back rows are free as soon as the other relay commits, which sends no NOTIFY: look
      // again shortly. A full batch means more is waiting.
      if (pass.heldBack > 0) await waker.pause(Math.min(pollIntervalMs, 20), false);
      else if (pass.locked < batchSize) await waker.pause(pollIntervalMs, true);
    }
  }

  return {
    async start() {
      if (running) return;
      running = true;
      await listen();
      loop = run();
    },
    relayOnce,
    async stop() {
      running = false;
      waker.wakeUp();
      await loop;
      unlisten?.();
    },
  };
}

export function message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.slice(0, 1_000);
}
