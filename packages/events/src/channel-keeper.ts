// Keeps one channel of a publisher or consumer open across connection losses: sets it up on every
// new connection, and again after a backoff when the channel alone closes (the broker closes a
// channel on some errors while the connection stays up). Only a topology conflict found while
// starting is thrown to the caller: it is a deployment mistake that a restart will not fix, and the
// service should refuse to start. Later failures are logged and retried, and lastError() tells the
// readiness check why the channel is missing.
import type { Channel, ChannelModel } from 'amqplib';
import type { Logger } from 'pino';
import { type AmqpConnection, type Backoff, backoffDelay, defaultBackoff } from './connection.ts';
import { TopologyError } from './topology.ts';

export interface ChannelKeeperOptions<C extends Channel> {
  connection: AmqpConnection;
  log: Logger;
  /** Opens and prepares the channel (declarations, prefetch, consume) on `connection`. */
  setup(connection: ChannelModel): Promise<C>;
  retry?: Partial<Backoff>;
}

export interface ChannelKeeper<C extends Channel> {
  current(): C | undefined;
  lastError(): unknown;
  /** Sets the channel up now if connected, and on every connection from now on. */
  start(): Promise<void>;
  /** Stops setting up channels; returns the open one (if any) for the caller to wind down and close. */
  stop(): C | undefined;
}

export function createChannelKeeper<C extends Channel>(options: ChannelKeeperOptions<C>): ChannelKeeper<C> {
  const { connection, log } = options;
  const backoff: Backoff = { ...defaultBackoff, ...options.retry };
  let channel: C | undefined;
  let channelModel: ChannelModel | undefined;
  let lastError: unknown;
  let stopped = false;
  let unsubscribe: (() => void) | undefined;
  let settingUp: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let failures = 0;

  function scheduleRetry(model: ChannelModel): void {
    if (stopped || retryTimer !== undefined) return;
    failures += 1;
    retryTimer = setTimeout(
      () => {
        retryTimer = undefined;
        if (connection.current() === model) void attempt(model).catch(() => {});
      },
      backoffDelay(backoff, failures),
    );
  }

  async function open(model: ChannelModel): Promise<void> {
    try {
      const opened = await options.setup(model);
      if (stopped) {
        await opened.close().catch(() => {});
        return;
      }
      channel = opened;
      channelModel = model;
      lastError = undefined;
      failures = 0;
      opened.once('close', () => {
        if (channel === opened) channel = undefined;
        // A channel closing on a live connection is retried here; a lost connection is handled
        // by onConnect when the next one opens.
        if (!stopped && connection.current() === model) {
          log.warn('channel closed by the broker; opening a new one');
          scheduleRetry(model);
        }
      });
    } catch (error) {
      lastError = error;
      if (error instanceof TopologyError) log.error({ err: error }, 'broker topology conflict');
      else log.warn({ err: error }, 'channel setup failed');
      if (!stopped && connection.current() === model) scheduleRetry(model);
      throw error;
    }
  }

  function attempt(model: ChannelModel): Promise<void> {
    if (stopped || connection.current() !== model) return Promise.resolve();
    // One setup at a time: a new connection arriving mid-setup waits for the current one.
    if (settingUp) return settingUp.catch(() => {}).then(() => attempt(model));
    if (channel !== undefined && channelModel === model) return Promise.resolve();
    settingUp = open(model).finally(() => {
      settingUp = undefined;
    });
    return settingUp;
  }

  return {
    current: () => channel,
    lastError: () => lastError,
    async start() {
      unsubscribe ??= connection.onConnect((model) => {
        clearTimeout(retryTimer);
        retryTimer = undefined;
        void attempt(model).catch(() => {});
      });
      const model = connection.current();
      if (model === undefined) return;
      try {
        await attempt(model);
      } catch (error) {
        if (error instanceof TopologyError) throw error;
        // Anything else (the connection dropping mid-setup, say) is retried in the background.
      }
    },
    stop() {
      stopped = true;
      unsubscribe?.();
      clearTimeout(retryTimer);
      const open = channel;
      channel = undefined;
      return open;
    },
  };
}
