// The profiles process, in the fixed order: config → logger → connections → app → listen, each
// resource registering its closer as it opens so that shutdown runs in reverse (HTTP stops first,
// PostgreSQL closes last). `start` is exported so that the component tests run exactly this.
import { profilesRoutes } from '@trio/contracts/profiles';
import { attachEventBus } from '@trio/events/service';
import { loadConfig } from '@trio/service-runtime/config';
import { identityFromConfig } from '@trio/service-runtime/identity';
import { attachPostgres } from '@trio/service-runtime/postgres';
import { attachRedis } from '@trio/service-runtime/redis';
import { hostFromConfig, type ServiceHost, type StartOptions } from '@trio/service-runtime/service';
import { createApp } from './app.ts';
import { Config } from './config.ts';
import { createDummyHash } from './domain/passwords.ts';
import { invoiceEventHandlers } from './entry-points/events/invoices.ts';

export interface RunningProfiles {
  host: ServiceHost;
  port: number;
}

export type { StartOptions };

export async function start(config: Config, options: StartOptions = {}): Promise<RunningProfiles> {
  const host = hostFromConfig(config, options);
  const identity = await identityFromConfig('profiles', config);

  const db = await attachPostgres(host, {
    url: config.DATABASE_URL,
    maxConnections: config.DATABASE_POOL_SIZE,
    schema: 'profiles',
    migrations: new URL('../migrations/', import.meta.url),
  });

  const redis = await attachRedis(host, {
    url: config.REDIS_URL,
    keyPrefix: config.REDIS_KEY_PREFIX,
    connectionName: config.SERVICE_NAME,
  });

  // user.registered is written to the outbox with the new user; the relay publishes it into
  // billing's queue, declared here too so that none is lost before billing first starts.
  const bus = await attachEventBus(host, {
    url: config.AMQP_URL,
    service: 'profiles',
    connectionName: config.SERVICE_NAME,
    exchange: config.EVENTS_EXCHANGE,
    db,
  });

  await bus.consume({ subscription: 'profiles.invoices', db, handlers: invoiceEventHandlers() });

  const routes = createApp({
    db,
    redis,
    sessionSecret: config.SESSION_SECRET,
    sessionTtlSeconds: config.SESSION_TTL_SECONDS,
    loginLimits: {
      freeFailures: config.LOGIN_FREE_FAILURES,
      baseDelaySeconds: config.LOGIN_BACKOFF_SECONDS,
      maxDelaySeconds: config.LOGIN_MAX_BACKOFF_SECONDS,
      failuresPerAddress: config.LOGIN_MAX_FAILURES_PER_ADDRESS,
      windowSeconds: config.LOGIN_WINDOW_SECONDS,
    },
    registrationLimits: {
      perAddress: config.REGISTRATIONS_PER_ADDRESS,
      windowSeconds: config.REGISTRATION_WINDOW_SECONDS,
    },
    dummyHash: await createDummyHash(),
    trustProxy: config.TRUST_PROXY,
  });
  const { port } = await host.listen({
    port: config.HTTP_PORT,
    routes,
    callers: { verifier: identity.verifier, routes: [profilesRoutes] },
  });
  return { host, port };
}

if (import.meta.main) await start(loadConfig(Config));
