// A job that runs every `intervalMs` and works through what is due in batches: inventory's sweep of
// lapsed reservations, shipping's clock. Passes never overlap; a pass goes on with the next batch
// while a whole batch was handled; a failed pass (the database away) is logged and the next one
// tries again. Every replica runs one: the batches split the work with SKIP LOCKED instead of
// electing a leader.
import type { Logger } from 'pino';

export interface BatchJobOptions {
  log: Logger;
  /** Names the job in the log line of a failed pass, e.g. `reservation sweep`. */
  name: string;
  intervalMs: number;
  /** Items handled per batch (one transaction). */
  batchSize?: number;
  /** Handles at most `batchSize` due items; resolves with how many it handled. */
  runBatch(batchSize: number): Promise<number>;
  /** Told how many items a batch handled, when it handled any. */
  onBatch?(count: number): void;
}

export interface BatchJob {
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

export function startBatchJob(options: BatchJobOptions): BatchJob {
  const { log, name, intervalMs, runBatch, onBatch } = options;
  const batchSize = options.batchSize ?? 100;
  let stopped = false;
  let pass: Promise<void> = Promise.resolve();

  async function runPass(): Promise<void> {
    try {
      let handled: number;
      do {
        handled = await runBatch(batchSize);
        if (handled > 0) onBatch?.(handled);
      } while (handled === batchSize && !stopped);
    } catch (error) {
      log.error({ err: error }, `${name} failed`);
    }
  }

  function schedule(): NodeJS.Timeout {
    // unref: a pending pass alone does not keep the process alive.
    return setTimeout(() => {
      pass = runPass().then(() => {
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
