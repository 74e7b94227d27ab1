// The shipping process, in the fixed order: config → logger → connections → app → listen, each
// resource registering its closer as it opens so that shutdown runs in reverse (the admin port and
// the RPC server stop first, letting calls in progress finish; PostgreSQL closes last). `start` is
// exported so that the component tests run exactly this.
import { shippingRoutes, shippingRpc } from '@trio/contracts/shipping';
import { attachEventBus } from '@trio/events/service';
import { curveServerOptions, serveRpc } from '@trio/rpc/service';
import { startBatchJob } from '@trio/service-runtime/batch-job';
import { loadConfig } from '@trio/service-runtime/config';
import { identityFromConfig } from '@trio/service-runtime/identity';
import { attachPostgres } from '@trio/service-runtime/postgres';
import { hostFromConfig, type ServiceHost, type StartOptions } from '@trio/service-runtime/service';
import { createApp } from './app.ts';
import { Config } from './config.ts';
import { advanceDueShipments } from './domain/shipments.ts';

export interface RunningShipping {
  host: ServiceHost;
  /** The bound ZeroRPC endpoint, e.g. `tcp://127.0.0.1:4243` (the real port when 0 was asked for). */
  rpcEndpoint: string;
  /** The REST quote (POST /quotes) and /healthz, /readyz, /metrics. */
  adminPort: number;
}

export type { StartOptions };

export async function start(config: Config, options: StartOptions = {}): Promise<RunningShipping> {
  // CURVE settings that cannot work stop the start before anything is opened.
  const rpcCurve = curveServerOptions(config);
  const host = hostFromConfig(config, options);
  const identity = await identityFromConfig('shipping', config);
  const { log } = host;

  const db = await attachPostgres(host, {
    url: config.DATABASE_URL,
    maxConnections: config.DATABASE_POOL_SIZE,
    schema: 'shipping',
    migrations: new URL('../migrations/', import.meta.url),
  });

  // Shipment events are written to the outbox with the change they announce; the bus's relay
  // publishes them, into billing's queue, declared here too.
  const bus = await attachEventBus(host, {
    url: config.AMQP_URL,
    service: 'shipping',
    connectionName: config.SERVICE_NAME,
    exchange: config.EVENTS_EXCHANGE,
    db,
  });

  const app = createApp({
    db,
    dispatchAfterMs: config.DISPATCH_AFTER_MS,
    deliverAfterMs: config.DELIVER_AFTER_MS,
  });
  await bus.consume({ subscription: 'shipping.orders', db, handlers: app.eventHandlers });

  // The simulated warehouse and carrier: due shipments move on; every replica ticks (SKIP LOCKED).
  const ticker = startBatchJob({
    log,
    name: 'shipment tick',
    intervalMs: config.SHIPMENT_TICK_INTERVAL_MS,
    runBatch: (batchSize) => advanceDueShipments(app.shipping, batchSize),
    onBatch: (moved) => log.info({ moved }, 'due shipments moved on'),
  });
  host.shutdown.register('shipment ticker', () => ticker.stop());

  const { endpoint: rpcEndpoint } = await serveRpc(host, {
    service: shippingRpc,
    ...rpcCurve,
    handlers: app.rpcHandlers,
    host: config.RPC_HOST,
    port: config.RPC_PORT,
  });

  const admin = await host.listen({
    port: config.HTTP_PORT,
    routes: app.httpRoutes,
    callers: { verifier: identity.verifier, routes: [shippingRoutes] },
  });
  return { host, rpcEndpoint, adminPort: admin.port };
}

if (import.meta.main) await start(loadConfig(Config));
