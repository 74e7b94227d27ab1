// The recommendations process, in the fixed order: config → logger → connections → app → listen,
// each resource registering its closer as it opens so that shutdown runs in reverse (the admin
// port, then the RPC server, the consumer and the broker; PostgreSQL last). `start` is exported so
// that the component tests run exactly this.
import { recommendationsRpc } from '@trio/contracts/recommendations';
import { attachEventBus } from '@trio/events/service';
import { curveServerOptions, serveRpc } from '@trio/rpc/service';
import { loadConfig } from '@trio/service-runtime/config';
import { attachPostgres } from '@trio/service-runtime/postgres';
import { hostFromConfig, type ServiceHost, type StartOptions } from '@trio/service-runtime/service';
import { createApp } from './app.ts';
import { Config } from './config.ts';

export interface RunningRecommendations {
  host: ServiceHost;
  /** The bound ZeroRPC endpoint, e.g. `tcp://127.0.0.1:53117`. */
  rpcEndpoint: string;
  /** The admin HTTP port: /healthz, /readyz, /metrics. */
  adminPort: number;
}

export type { StartOptions };

export async function start(config: Config, options: StartOptions = {}): Promise<RunningRecommendations> {
  // CURVE settings that cannot work stop the start before anything is opened.
  const rpcCurve = curveServerOptions(config);
  const host = hostFromConfig(config, options);

  const db = await attachPostgres(host, {
    url: config.DATABASE_URL,
    maxConnections: config.DATABASE_POOL_SIZE,
    schema: 'recommendations',
    migrations: new URL('../migrations/', import.meta.url),
  });

  const app = createApp({ db });

  // Learns from order and product events, each once (the inbox). The service publishes nothing,
  // so the bus gets no database and runs no outbox relay. If the broker is down, the service
  // starts, answers from what it has learnt, and the consumer attaches when the broker is back.
  const bus = await attachEventBus(host, {
    url: config.AMQP_URL,
    service: 'recommendations',
    connectionName: config.SERVICE_NAME,
    exchange: config.EVENTS_EXCHANGE,
  });
  await bus.consume({ subscription: 'recommendations.learning', db, handlers: app.events });

  const { endpoint: rpcEndpoint } = await serveRpc(host, {
    service: recommendationsRpc,
    ...rpcCurve,
    handlers: app.rpc,
    host: config.RPC_HOST,
    port: config.RPC_PORT,
  });

  const { port: adminPort } = await host.listen({ port: config.HTTP_PORT });
  return { host, rpcEndpoint, adminPort };
}

if (import.meta.main) await start(loadConfig(Config));
