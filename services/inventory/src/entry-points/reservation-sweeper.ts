// Expires lapsed reservations every `intervalMs`, giving their stock back. Passes never overlap;
// a failed pass (the database away) is logged and the next one tries again. Every replica runs
// one: they split the work with SKIP LOCKED instead of electing a leader.
import type { Logger } from 'pino';
import { expireLapsedReservations } from '../domain/reservations.ts';
import type { InventoryDeps } from '../domain/stock.ts';

export interface SweeperOptions {
  deps: InventoryDeps;
  log: Logger;
  intervalMs: number;
  /** Reservations expired per transaction. */
  batchSize?: number;
}

export interface ReservationSweeper {
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

export function startReservationSweeper({
  deps,
  log,
  intervalMs,
  batchSize = 100,
}: SweeperOptions): ReservationSweeper {
  let stopped = false;
  let pass: Promise<void> = Promise.resolve();

  async function sweep(): Promise<void> {
    try {
      let expired: number;
      do {
        expired = await expireLapsedReservations(deps, batchSize);
        if (expired > 0) log.info({ expired }, 'lapsed reservations expired; their stock is back on sale');
      } while (expired === batchSize && !stopped);
    } catch (error) {
      log.error({ err: error }, 'reservation sweep failed');
    }
  }

  function schedule(): NodeJS.Timeout {
    // unref: a pending sweep alone does not keep the process alive.
    return setTimeout(() => {
      pass = sweep().then(() => {
        if (!stopped) timer = schedule();
      });
    }, intervalMs).unref();
  }
  let timer = schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await pass;
    },
  };
}
