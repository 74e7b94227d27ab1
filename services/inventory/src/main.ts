// The inventory process, in the fixed order: config → logger → connections → app → listen, each
// resource registering its closer as it opens so that shutdown runs in reverse (the admin port and
// the RPC server stop first, letting calls in progress finish; PostgreSQL closes last). `start` is
// exported so that the component tests run exactly this.
import { inventoryRpc } from '@trio/contracts/inventory';
import { attachEventBus } from '@trio/events/service';
import { curveServerOptions, serveRpc } from '@trio/rpc/service';
import { startBatchJob } from '@trio/service-runtime/batch-job';
import { loadConfig } from '@trio/service-runtime/config';
import { attachPostgres } from '@trio/service-runtime/postgres';
import { hostFromConfig, type ServiceHost, type StartOptions } from '@trio/service-runtime/service';
import { createApp } from './app.ts';
import { Config } from './config.ts';
import { expireLapsedReservations } from './domain/reservations.ts';
import { seedStock } from './seed/seed-stock.ts';

export interface RunningInventory {
  host: ServiceHost;
  /** The bound ZeroRPC endpoint, e.g. `tcp://127.0.0.1:4242` (the real port when 0 was asked for). */
  rpcEndpoint: string;
  /** /healthz, /readyz, /metrics. */
  adminPort: number;
}

export type { StartOptions };

export async function start(config: Config, options: StartOptions = {}): Promise<RunningInventory> {
  // CURVE settings that cannot work stop the start before anything is opened.
  const rpcCurve = curveServerOptions(config);
  const host = hostFromConfig(config, options);
  const { log } = host;

  const db = await attachPostgres(host, {
    url: config.DATABASE_URL,
    maxConnections: config.DATABASE_POOL_SIZE,
    schema: 'inventory',
    migrations: new URL('../migrations/', import.meta.url),
  });

  // stock.low and stock.depleted are written to the outbox with the change that caused them; the
  // bus's relay publishes them, into the queues of catalog and front-end, declared here too.
  const bus = await attachEventBus(host, {
    url: config.AMQP_URL,
    service: 'inventory',
    connectionName: config.SERVICE_NAME,
    exchange: config.EVENTS_EXCHANGE,
    db,
  });

  if (config.SEED_ON_START) await seedStock(db, log);

  const app = createApp({ db, lowStockThreshold: config.LOW_STOCK_THRESHOLD });
  await bus.consume({ subscription: 'inventory.orders', db, handlers: app.eventHandlers });

  // Lapsed reservations give their stock back; every replica sweeps (SKIP LOCKED splits the work).
  const sweeper = startBatchJob({
    log,
    name: 'reservation sweep',
    intervalMs: config.RESERVATION_SWEEP_INTERVAL_MS,
    runBatch: (batchSize) => expireLapsedReservations(app.inventory, batchSize),
    onBatch: (expired) => log.info({ expired }, 'lapsed reservations expired; their stock is back on sale'),
  });
  host.shutdown.register('reservation sweeper', () => sweeper.stop());

  const { endpoint: rpcEndpoint } = await serveRpc(host, {
    service: inventoryRpc,
    ...rpcCurve,
    handlers: app.rpcHandlers,
    host: config.RPC_HOST,
    port: config.RPC_PORT,
  });

  const admin = await host.listen({ port: config.HTTP_PORT });
  return { host, rpcEndpoint, adminPort: admin.port };
}

if (import.meta.main) await start(loadConfig(Config));
