// Moves due shipments on every `intervalMs`: the simulated warehouse and carrier. Passes never
// overlap; a failed pass (the database away) is logged and the next one tries again. Every replica
// runs one: they split the work with SKIP LOCKED instead of electing a leader.
import type { Logger } from 'pino';
import { advanceDueShipments, type ShippingDeps } from '../domain/shipments.ts';

export interface TickerOptions {
  deps: ShippingDeps;
  log: Logger;
  intervalMs: number;
  /** Shipments moved per transaction. */
  batchSize?: number;
}

export interface ShipmentTicker {
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

export function startShipmentTicker({
  deps,
  log,
  intervalMs,
  batchSize = 100,
}: TickerOptions): ShipmentTicker {
  let stopped = false;
  let pass: Promise<void> = Promise.resolve();

  async function tick(): Promise<void> {
    try {
      let moved: number;
      do {
        moved = await advanceDueShipments(deps, batchSize);
        if (moved > 0) log.info({ moved }, 'due shipments moved on');
      } while (moved === batchSize && !stopped);
    } catch (error) {
      log.error({ err: error }, 'shipment tick failed');
    }
  }

  function schedule(): NodeJS.Timeout {
    // unref: a pending tick alone does not keep the process alive.
    return setTimeout(() => {
      pass = tick().then(() => {
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
