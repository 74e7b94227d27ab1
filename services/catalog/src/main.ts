// The catalog process, in the fixed order: config → logger → connections → app → listen, each
// resource registering its closer as it opens so that shutdown runs in reverse (HTTP stops first,
// PostgreSQL closes last). `start` is exported so that the component tests run exactly this.
import { catalogRoutes } from '@trio/contracts/catalog';
import { attachEventBus } from '@trio/events/service';
import { loadConfig } from '@trio/service-runtime/config';
import { identityFromConfig } from '@trio/service-runtime/identity';
import { attachPostgres } from '@trio/service-runtime/postgres';
import { attachRedis } from '@trio/service-runtime/redis';
import { hostFromConfig, type ServiceHost, type StartOptions } from '@trio/service-runtime/service';
import { createApp } from './app.ts';
import { Config } from './config.ts';
import { seedCatalogue } from './seed/seed-catalogue.ts';

export interface RunningCatalog {
  host: ServiceHost;
  port: number;
}

export type { StartOptions };

export async function start(config: Config, options: StartOptions = {}): Promise<RunningCatalog> {
  const host = hostFromConfig(config, options);
  const identity = await identityFromConfig('catalog', config);
  const { log } = host;

  const db = await attachPostgres(host, {
    url: config.DATABASE_URL,
    maxConnections: config.DATABASE_POOL_SIZE,
    schema: 'catalog',
    migrations: new URL('../migrations/', import.meta.url),
  });

  const cache = await attachRedis(host, {
    url: config.REDIS_URL,
    keyPrefix: config.REDIS_KEY_PREFIX,
    connectionName: config.SERVICE_NAME,
  });

  // Product changes are written to the outbox with the change; the bus's relay publishes them, into
  // the queues of front-end and recommendations, declared here too so that none is lost before
  // those services first start. If the broker is down, the service starts and the relay waits.
  await attachEventBus(host, {
    url: config.AMQP_URL,
    service: 'catalog',
    connectionName: config.SERVICE_NAME,
    exchange: config.EVENTS_EXCHANGE,
    db,
  });

  if (config.SEED_ON_START) await seedCatalogue(db, log);

  const routes = createApp({
    db,
    cache,
    log,
    adminToken: config.CATALOG_ADMIN_TOKEN,
    productCacheTtlSeconds: config.PRODUCT_CACHE_TTL_SECONDS,
  });
  const { port } = await host.listen({
    port: config.HTTP_PORT,
    routes,
    callers: { verifier: identity.verifier, routes: [catalogRoutes] },
  });
  return { host, port };
}

if (import.meta.main) await start(loadConfig(Config));
