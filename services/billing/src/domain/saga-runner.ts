// Who drives which saga. A request drives the saga of the order it placed; the sweeper drives every
// other unfinished one whose next attempt is due: those of a process that died, and those whose
// peer was down. So that one saga has one driver across all replicas, a driver holds a PostgreSQL
// advisory lock on the order, on one connection kept for locks. When a process dies its
// connection closes and PostgreSQL drops its locks at once: the next sweep anywhere resumes its
// sagas from their rows. (The compare-and-set on each state change keeps a saga right even if two
// drivers ever met, e.g. after the lock connection was lost; the lock keeps them from meeting.)

import { createContext, runWithContext } from '@trio/service-runtime/context';
import type { Logger } from '@trio/service-runtime/logger';
import pg from 'pg';
import { dueOrders } from '../data-access/orders.ts';
import { type DriveOptions, driveSaga, type SagaDeps } from './saga.ts';
import { tracedResume } from './saga-tracing.ts';

export interface SagaRunnerOptions {
  deps: SagaDeps;
  /** The lock connection's URL: the service's database. */
  databaseUrl: string;
  sweepIntervalMs: number;
  /** Sagas the sweeper drives at once. */
  concurrency: number;
  log: Logger;
}

export interface SagaRunner {
  /**
   * Locks the new order's id, runs `insert`, and when it inserted the order drives its saga in the
   * background (`done` settles when this drive stops). `inserted` is false when `insert` found the
   * order already there (a replayed request): nothing is driven.
   */
  startNew(
    orderId: string,
    insert: () => Promise<boolean>,
  ): Promise<{ inserted: boolean; done: Promise<void> }>;
  /** The drive of this order in progress in this process, if any. */
  inProgress(orderId: string): Promise<void> | undefined;
  /** Looks for due sagas now (the sweeper also does every interval). */
  sweep(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

// Advisory locks share one key space per database: the prefix keeps billing's apart.
const lockKey = 'hashtextextended($1::text, 0)';
const lockName = (orderId: string) => `billing.saga:${orderId}`;

export function createSagaRunner(options: SagaRunnerOptions): SagaRunner {
  const { deps, log } = options;
  const driving = new Map<string, Promise<void>>();
  let lockClient: Promise<pg.Client> | undefined;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;
  const driveOptions: DriveOptions = { stopping: () => stopping };

  function locks(): Promise<pg.Client> {
    lockClient ??= (async () => {
      const client = new pg.Client({
        connectionString: options.databaseUrl,
        application_name: 'billing-saga-locks',
      });
      client.on('error', (error) => {
        // Locks held on it are gone with it; drivers in progress finish under the compare-and-set.
        log.warn({ err: error }, 'saga lock connection lost; reconnecting on next use');
        lockClient = undefined;
      });
      try {
        await client.connect();
      } catch (error) {
        lockClient = undefined;
        throw error;
      }
      return client;
    })();
    return lockClient;
  }

  async function tryLock(orderId: string): Promise<boolean> {
    const client = await locks();
    const { rows } = await client.query<{ locked: boolean }>(
      `SELECT pg_try_advisory_lock(${lockKey}) AS locked`,
      [lockName(orderId)],
    );
    return rows[0]?.locked === true;
  }

  async function unlock(orderId: string): Promise<void> {
    const current = lockClient;
    if (current === undefined) return; // the connection went, and its locks with it
    try {
      await (await current).query(`SELECT pg_advisory_unlock(${lockKey})`, [lockName(orderId)]);
    } catch (error) {
      log.warn({ err: error, orderId }, 'could not release a saga lock');
    }
  }

  /** Drives a locked order in the background and releases its lock afterwards. */
  function drive(orderId: string): Promise<void> {
    const done = driveSaga(deps, orderId, driveOptions)
      .catch((error: unknown) =>
        log.error({ err: error, orderId }, 'saga drive failed; the sweeper will resume it'),
      )
      .finally(async () => {
        driving.delete(orderId);
        await unlock(orderId);
      });
    driving.set(orderId, done);
    return done;
  }

  async function startNew(orderId: string, insert: () => Promise<boolean>) {
    if (!(await tryLock(orderId))) throw new Error(`the new order ${orderId} is locked already`);
    let inserted = false;
    try {
      inserted = await insert();
    } finally {
      if (!inserted) await unlock(orderId);
    }
    return { inserted, done: inserted ? drive(orderId) : Promise.resolve() };
  }

  async function sweepOnce(): Promise<void> {
    const room = options.concurrency - driving.size;
    if (room <= 0 || stopping) return;
    // Those this process drives already come back too; ask for enough to fill the room anyway.
    for (const row of await dueOrders(deps.db, room + driving.size)) {
      if (stopping || driving.size >= options.concurrency) return;
      if (driving.has(row.id) || !(await tryLock(row.id))) continue;
      log.info({ orderId: row.id }, 'resuming an unfinished checkout');
      runWithContext(createContext({ correlationId: row.correlationId }), () =>
        tracedResume(row.id, row.traceparent, () => drive(row.id)),
      );
    }
  }

  function sweep(): Promise<void> {
    sweeping ??= sweepOnce()
      .catch((error: unknown) => log.warn({ err: error }, 'saga sweep failed; trying again next interval'))
      .finally(() => {
        sweeping = undefined;
      });
    return sweeping;
  }

  function schedule(): void {
    if (stopping) return;
    timer = setTimeout(async () => {
      await sweep();
      schedule();
    }, options.sweepIntervalMs);
  }

  return {
    startNew,
    inProgress: (orderId) => driving.get(orderId),
    sweep,
    start() {
      void sweep();
      schedule();
    },
    async stop() {
      stopping = true;
      clearTimeout(timer);
      await sweeping;
      await Promise.allSettled(driving.values());
      const client = lockClient;
      lockClient = undefined;
      if (client !== undefined) await (await client.catch(() => undefined))?.end();
    },
  };
}
