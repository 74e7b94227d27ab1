// The payment process, in the fixed order: config → logger → connections → app → listen, each
// resource registering its closer as it opens so that shutdown runs in reverse (HTTP stops first,
// PostgreSQL closes last). `start` is exported so that the component tests run exactly this.
import { attachEventBus } from '@trio/events/service';
import { loadConfig } from '@trio/service-runtime/config';
import { createLogger, type Logger } from '@trio/service-runtime/logger';
import { attachPostgres } from '@trio/service-runtime/postgres';
import { createServiceHost, type ServiceHost } from '@trio/service-runtime/service';
import { createRoutes } from './app.ts';
import { Config } from './config.ts';

export interface StartOptions {
  /** Defaults to a logger at the configured level. */
  log?: Logger;
  /** `false` leaves SIGTERM/SIGINT alone (tests stop the service with `host.shutdown.close()`). */
  signals?: false;
}

export interface RunningPayment {
  host: ServiceHost;
  port: number;
}

export async function start(config: Config, options: StartOptions = {}): Promise<RunningPayment> {
  const log = options.log ?? createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL });
  const host = createServiceHost({
    service: config.SERVICE_NAME,
    log,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    signals: options.signals,
  });

  const db = await attachPostgres(host, {
    url: config.DATABASE_URL,
    schema: 'payment',
    migrations: new URL('../migrations/', import.meta.url),
  });

  // Payment events are written to the outbox with the change; the relay publishes them into
  // billing's queue, declared here too so that none is lost before billing first starts.
  await attachEventBus(host, {
    url: config.AMQP_URL,
    service: 'payment',
    connectionName: config.SERVICE_NAME,
    exchange: config.EVENTS_EXCHANGE,
    db,
  });

  const routes = createRoutes({
    db,
    idempotencySecret: config.IDEMPOTENCY_SECRET,
    slowCardDelayMs: config.SLOW_CARD_DELAY_MS,
  });
  const { port } = await host.listen({ port: config.HTTP_PORT, routes });
  return { host, port };
}

if (import.meta.main) await start(loadConfig(Config));
