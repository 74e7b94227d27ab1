// The payment process, in the fixed order: config → logger → connections → app → listen, each
// resource registering its closer as it opens so that shutdown runs in reverse (HTTP stops first,
// PostgreSQL closes last). `start` is exported so that the component tests run exactly this.
import { paymentRoutes } from '@trio/contracts/payment';
import { attachEventBus } from '@trio/events/service';
import { loadConfig } from '@trio/service-runtime/config';
import { identityFromConfig } from '@trio/service-runtime/identity';
import { attachPostgres } from '@trio/service-runtime/postgres';
import { hostFromConfig, type ServiceHost, type StartOptions } from '@trio/service-runtime/service';
import { createApp } from './app.ts';
import { Config } from './config.ts';

export interface RunningPayment {
  host: ServiceHost;
  port: number;
}

export type { StartOptions };

export async function start(config: Config, options: StartOptions = {}): Promise<RunningPayment> {
  const host = hostFromConfig(config, options);
  const identity = await identityFromConfig('payment', config);

  const db = await attachPostgres(host, {
    url: config.DATABASE_URL,
    maxConnections: config.DATABASE_POOL_SIZE,
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

  const routes = createApp({
    db,
    idempotencySecret: config.IDEMPOTENCY_SECRET,
    slowCardDelayMs: config.SLOW_CARD_DELAY_MS,
  });
  const { port } = await host.listen({
    port: config.HTTP_PORT,
    routes,
    callers: { verifier: identity.verifier, routes: [paymentRoutes] },
  });
  return { host, port };
}

if (import.meta.main) await start(loadConfig(Config));
