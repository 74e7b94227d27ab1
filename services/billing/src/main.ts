// The billing process, in the fixed order: config → logger → connections → peers → saga runner →
// app → consumers → listen, each resource registering its closer as it opens so that shutdown runs in
// reverse: HTTP stops taking orders, the saga runner lets the steps in progress finish, then the
// RPC clients, the bus and PostgreSQL close. `start` is exported so that the tests run exactly this.
import { billingRoutes } from '@trio/contracts/billing';
import { inventoryRpc } from '@trio/contracts/inventory';
import { shippingRoutes, shippingRpc } from '@trio/contracts/shipping';
import { attachEventBus } from '@trio/events/service';
import { connectPeerMethods, connectRpc, curveClientOptions, rpcDiscoveryOptions } from '@trio/rpc/service';
import { loadConfig } from '@trio/service-runtime/config';
import { identityFromConfig } from '@trio/service-runtime/identity';
import { connectRest } from '@trio/service-runtime/peer';
import { attachPostgres } from '@trio/service-runtime/postgres';
import { hostFromConfig, type ServiceHost, type StartOptions } from '@trio/service-runtime/service';
import { createApp } from './app.ts';
import { Config } from './config.ts';
import { createSagaMetrics } from './domain/metrics.ts';
import { createSagaRunner, type SagaRunner } from './domain/saga-runner.ts';
import { catalogPeer } from './peers/catalog.ts';
import { paymentPeer } from './peers/payment.ts';
import { profilesPeer } from './peers/profiles.ts';

export interface RunningBilling {
  host: ServiceHost;
  port: number;
  runner: SagaRunner;
}

export type { StartOptions };

export async function start(config: Config, options: StartOptions = {}): Promise<RunningBilling> {
  const host = hostFromConfig(config, options);
  const identity = await identityFromConfig('billing', config);
  const { log } = host;

  const db = await attachPostgres(host, {
    url: config.DATABASE_URL,
    maxConnections: config.DATABASE_POOL_SIZE,
    schema: 'billing',
    migrations: new URL('../migrations/', import.meta.url),
  });

  // order.* and invoice.* are written to the outbox with the state change they announce.
  const bus = await attachEventBus(host, {
    url: config.AMQP_URL,
    service: 'billing',
    connectionName: config.SERVICE_NAME,
    exchange: config.EVENTS_EXCHANGE,
    db,
  });

  const rpcOptions = { timeoutMs: config.RPC_TIMEOUT_MS, ...rpcDiscoveryOptions(config) };
  const inventory = connectRpc(host, {
    service: inventoryRpc,
    endpoints: config.INVENTORY_ADDR,
    ...curveClientOptions(config, config.INVENTORY_CURVE_KEY),
    ...rpcOptions,
  });
  const rest = (name: string, baseUrl: string, timeoutMs = config.HTTP_TIMEOUT_MS) =>
    connectRest(host, { name, baseUrl, timeoutMs, identity: identity.caller });
  // The quote over ZeroRPC or REST, as SHIPPING_TRANSPORT says: the saga's code is the same.
  const shipping = connectPeerMethods(host, config, {
    service: shippingRpc,
    routes: shippingRoutes,
    restPeer: rest,
  });
  const payment = paymentPeer(rest('payment', config.PAYMENT_URL));

  const runner = createSagaRunner({
    deps: {
      db,
      inventory,
      shipping,
      payment,
      log,
      metrics: createSagaMetrics(host.metrics.registry),
      reservationTtlSeconds: config.RESERVATION_TTL_SECONDS,
    },
    databaseUrl: config.DATABASE_URL,
    sweepIntervalMs: config.SAGA_SWEEP_INTERVAL_MS,
    concurrency: config.SAGA_CONCURRENCY,
    log,
  });
  host.shutdown.register('saga runner', () => runner.stop());
  runner.start();

  const app = createApp({
    db,
    runner,
    catalog: catalogPeer(rest('catalog', config.CATALOG_URL)),
    payment,
    profiles: profilesPeer(rest('profiles', config.PROFILES_URL)),
    idempotencySecret: config.IDEMPOTENCY_SECRET,
    taxRateBasisPoints: config.TAX_RATE_BASIS_POINTS,
    responseBudgetMs: config.CHECKOUT_RESPONSE_BUDGET_MS,
    sagaDeadlineMs: config.SAGA_DEADLINE_MS,
  });
  const handlers = app.eventHandlers;
  await bus.consume({ subscription: 'billing.customers', db, handlers: handlers['billing.customers'] });
  await bus.consume({ subscription: 'billing.payments', db, handlers: handlers['billing.payments'] });
  await bus.consume({ subscription: 'billing.shipments', db, handlers: handlers['billing.shipments'] });

  const { port } = await host.listen({
    port: config.HTTP_PORT,
    routes: app.routes,
    callers: { verifier: identity.verifier, routes: [billingRoutes] },
  });
  return { host, port, runner };
}

if (import.meta.main) await start(loadConfig(Config));
