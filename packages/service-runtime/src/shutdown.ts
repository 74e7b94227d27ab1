// Graceful shutdown. Every resource registers its closer as it is opened; on SIGTERM/SIGINT they
// close in reverse order (stop taking requests first, close the database they use last), one at a
// time. A closer that fails is logged and the rest still run; one that hangs is cut off by a hard
// timeout so the orchestrator never has to SIGKILL us.
import type { Logger } from 'pino';

export type Closer = () => unknown;

/** What signals and crashes arrive on: `process`, or an EventEmitter in tests. */
export interface SignalSource {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

export interface ShutdownOptions {
  log: Logger;
  /** Longest the whole shutdown may take before the process exits anyway with code 1. */
  timeoutMs?: number;
  exit?: (code: number) => void;
}

export interface Shutdown {
  register(name: string, close: Closer): void;
  /** Shuts down on SIGTERM/SIGINT, and with exit code 1 on an uncaught error; returns an uninstaller. */
  install(source?: SignalSource): () => void;
  /** Closes everything, then exits: code `exitCode`, or 1 if a closer failed or the timeout hit. */
  shutdown(reason: string, exitCode?: number): Promise<void>;
  /** Closes everything without exiting; resolves false if a closer failed. For tests and embedding. */
  close(): Promise<boolean>;
}

export function createShutdown(options: ShutdownOptions): Shutdown {
  const { log } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let exited = false;
  // After the timeout has fired, a closer that finally settles must not exit a second time.
  const exitOnce = (code: number) => {
    if (exited) return;
    exited = true;
    exit(code);
  };
  const closers: { name: string; close: Closer }[] = [];
  let closing: Promise<boolean> | undefined;
  let exiting: Promise<void> | undefined;

  async function closeAll(): Promise<boolean> {
    let clean = true;
    for (const { name, close } of closers.toReversed()) {
      try {
        await close();
        log.info({ resource: name }, 'closed');
      } catch (error) {
        clean = false;
        log.error({ err: error, resource: name }, 'failed to close');
      }
    }
    return clean;
  }

  const shutdown: Shutdown = {
    register(name, close) {
      if (closing) throw new Error(`cannot register "${name}": shutdown has already started`);
      closers.push({ name, close });
    },

    install(source = process) {
      const onSignal = (signal: unknown) => void shutdown.shutdown(String(signal));
      const onCrash = (error: unknown) => {
        log.fatal({ err: error }, 'uncaught error');
        void shutdown.shutdown('uncaught error', 1);
      };
      source.on('SIGTERM', onSignal);
      source.on('SIGINT', onSignal);
      source.on('uncaughtException', onCrash);
      return () => {
        source.off('SIGTERM', onSignal);
        source.off('SIGINT', onSignal);
        source.off('uncaughtException', onCrash);
      };
    },

    shutdown(reason, exitCode = 0) {
      if (exiting) {
        log.info({ reason }, 'already shutting down');
        return exiting;
      }
      log.info({ reason }, 'shutting down');
      exiting = (async () => {
        const timer = setTimeout(() => {
          log.error({ timeoutMs }, 'shutdown timed out; exiting');
          exitOnce(1);
        }, timeoutMs);
        const clean = await shutdown.close();
        clearTimeout(timer);
        log.info('shutdown complete');
        exitOnce(clean ? exitCode : 1);
      })();
      return exiting;
    },

    close() {
      closing ??= closeAll();
      return closing;
    },
  };
  return shutdown;
}
