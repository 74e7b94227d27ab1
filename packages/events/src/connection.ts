// One AMQP connection per process that comes back by itself. A loop connects, waits for the
// connection to close, and connects again with a capped, jittered exponential backoff, for as long
// as the process runs: a broker restart or a forced close is an outage to ride out, not a reason
// to crash. Publishers and consumers subscribe with onConnect() and set up their own channels on
// every new connection; check() is the readiness check that reports the bus down meanwhile.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReadinessCheck } from '@trio/service-runtime/health';
import amqp, { type ChannelModel } from 'amqplib';
import type { Logger } from 'pino';

export interface Backoff {
  /** First delay after a failure. */
  initialDelayMs: number;
  /** Delays double up to this. */
  maxDelayMs: number;
}

export interface AmqpConnectionOptions {
  /** amqp://user:pass@host:port/vhost; `?heartbeat=N` sets the heartbeat in seconds. */
  url: string;
  /** Shown by the broker as the connection name (`rabbitmqctl list_connections client_properties`). */
  name: string;
  log: Logger;
  reconnect?: Partial<Backoff>;
  /** Longest a single connection attempt may take. */
  connectTimeoutMs?: number;
}

export interface AmqpConnection {
  readonly name: string;
  /** Makes the first connection attempt and resolves when it is over, whether it succeeded or not. */
  start(): Promise<void>;
  /** The open connection, or undefined while (re)connecting. */
  current(): ChannelModel | undefined;
  /** Calls `listener` with every new connection (not with the current one); returns an unsubscriber. */
  onConnect(listener: (connection: ChannelModel) => void): () => void;
  /** Readiness: rejects while the connection is down or blocked by the broker. */
  check: ReadinessCheck;
  /** Stops reconnecting and closes the connection. */
  close(): Promise<void>;
}

export const defaultBackoff: Backoff = { initialDelayMs: 200, maxDelayMs: 15_000 };

/** The n-th delay (n ≥ 1) of a doubling backoff, with ±20 % jitter so replicas do not reconnect in step. */
export function backoffDelay(backoff: Backoff, attempt: number): number {
  const base = Math.min(backoff.maxDelayMs, backoff.initialDelayMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export function createAmqpConnection(options: AmqpConnectionOptions): AmqpConnection {
  const log = options.log.child({ amqpConnection: options.name });
  const backoff: Backoff = { ...defaultBackoff, ...options.reconnect };
  const listeners = new Set<(connection: ChannelModel) => void>();
  const stopping = new AbortController();
  let model: ChannelModel | undefined;
  let blockedReason: string | undefined;
  let lastError: unknown;
  let loop: Promise<void> | undefined;
  let firstAttemptDone: () => void = () => {};
  const firstAttempt = new Promise<void>((resolve) => {
    firstAttemptDone = resolve;
  });

  async function connectOnce(): Promise<ChannelModel> {
    return amqp.connect(options.url, {
      clientProperties: { connection_name: options.name },
      timeout: options.connectTimeoutMs ?? 10_000,
    });
  }

  /** Resolves with the error the connection closed with (undefined when closed by us). */
  function whenClosed(connection: ChannelModel): Promise<Error | undefined> {
    return new Promise((resolve) => connection.once('close', (error?: Error) => resolve(error)));
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (!stopping.signal.aborted) {
      try {
        const connection = await connectOnce();
        if (stopping.signal.aborted) {
          await connection.close().catch(() => {});
          return;
        }
        // 'error' always precedes 'close'; the loop reacts to 'close', this only keeps the
        // emitter from throwing.
        connection.on('error', (error: Error) => log.debug({ err: error }, 'amqp connection error'));
        connection.on('blocked', (reason: string) => {
          blockedReason = reason;
          log.warn({ reason }, 'broker blocked the connection: publishing stalls until it unblocks');
        });
        connection.on('unblocked', () => {
          blockedReason = undefined;
          log.info('broker unblocked the connection');
        });
        const closed = whenClosed(connection);
        model = connection;
        lastError = undefined;
        failures = 0;
        log.info('amqp connected');
        firstAttemptDone();
        for (const listener of listeners) listener(connection);
        const error = await closed;
        model = undefined;
        blockedReason = undefined;
        if (stopping.signal.aborted) return;
        lastError = error ?? new Error('connection closed');
        log.warn({ err: lastError }, 'amqp connection lost; reconnecting');
      } catch (error) {
        lastError = error;
        log.warn({ err: error, failures }, 'amqp connection failed; retrying');
        firstAttemptDone();
      }
      failures += 1;
      await sleep(backoffDelay(backoff, failures), undefined, { signal: stopping.signal }).catch(() => {});
    }
  }

  return {
    name: options.name,
    start() {
      loop ??= run();
      return firstAttempt;
    },
    current: () => model,
    onConnect(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    check: async () => {
      if (model === undefined) {
        const why = lastError instanceof Error ? lastError.message : 'connecting';
        throw new Error(`not connected to the broker: ${why}`);
      }
      if (blockedReason !== undefined) throw new Error(`broker blocked the connection: ${blockedReason}`);
    },
    async close() {
      stopping.abort();
      firstAttemptDone();
      const open = model;
      model = undefined;
      if (open) await open.close().catch(() => {});
      await loop;
    },
  };
}
