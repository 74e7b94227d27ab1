// Starts shipping in-process, exactly as main.ts does: ZeroRPC on a free port of 127.0.0.1, the
// admin port on another, against the test file's own database and broker names, with a clock of
// milliseconds. Tests call it over real ZeroMQ sockets with our RPC client, as billing does.
import { randomUUID } from 'node:crypto';
import { createEvent, type DomainEvent } from '@trio/contracts/events';
import { shippingRpc } from '@trio/contracts/shipping';
import { queuesDeclaredBy } from '@trio/events/topology';
import { createRpcClient, type RpcServiceClient } from '@trio/rpc/client';
import { RemoteError } from '@trio/rpc/errors';
import { parseConfig } from '@trio/service-runtime/config';
import { createLogger } from '@trio/service-runtime/logger';
import { createPostgres, type Postgres } from '@trio/service-runtime/postgres';
import type { TestInfra } from '@trio/testing/infra';
import { createLogCapture } from '@trio/testing/logs';
import { waitFor } from '@trio/testing/wait';
import { Config } from '../../src/config.ts';
import { start } from '../../src/main.ts';

export { waitFor };

export type ShippingClient = RpcServiceClient<typeof shippingRpc>;

export interface TestShipping {
  endpoint: string;
  /** Our RPC client, connected to this instance only. */
  client: ShippingClient;
  /** GET on the admin port: status and text. */
  admin(path: string): Promise<{ status: number; body: string }>;
  /** Every JSON log line the service wrote. */
  logs(): Record<string, unknown>[];
  stop(): Promise<void>;
}

/**
 * Names the queues shipping declares through the broker, so that the file's drop() deletes them:
 * those its shipment events feed (billing's), and its own consumer queue with its retry tiers and
 * DLQ. Off the shop's exchange every queue name is prefixed with `<exchange>.`.
 */
function registerQueues(infra: TestInfra): void {
  for (const queue of queuesDeclaredBy(['shipping'], ['shipping.orders']))
    infra.broker.queue(`events.${queue}`);
}

/** `env` overrides the variables derived from `infra`. */
export async function startShipping(
  infra: TestInfra,
  env: Record<string, string> = {},
): Promise<TestShipping> {
  registerQueues(infra);
  const config = parseConfig(Config, {
    DATABASE_URL: infra.db.url,
    AMQP_URL: infra.broker.url,
    EVENTS_EXCHANGE: infra.broker.exchange('events'),
    HTTP_PORT: '0',
    RPC_PORT: '0',
    RPC_HOST: '127.0.0.1',
    DISPATCH_AFTER_MS: '100',
    DELIVER_AFTER_MS: '100',
    SHIPMENT_TICK_INTERVAL_MS: '20',
    ...env,
  });
  const capture = createLogCapture();
  const log = createLogger({ service: 'shipping', level: 'debug', destination: capture.destination });
  const { host, rpcEndpoint, adminPort } = await start(config, { log, signals: false });
  const client = createRpcClient({
    service: shippingRpc,
    endpoints: rpcEndpoint,
    retry: false,
    timeoutMs: 15_000,
  });
  return {
    endpoint: rpcEndpoint,
    client,
    async admin(path) {
      const response = await fetch(`http://127.0.0.1:${adminPort}${path}`);
      return { status: response.status, body: await response.text() };
    },
    logs: capture.logs,
    async stop() {
      await client.close();
      await host.shutdown.close();
    },
  };
}

/** The ERR a call answered with; fails the test if it succeeded or failed otherwise. */
export async function remoteError(call: Promise<unknown>): Promise<RemoteError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof RemoteError) return error;
    throw error;
  }
  throw new Error('the call succeeded; an ERR was expected');
}

/** What billing publishes when an order stands: express to Paris, 2.5 kg. */
export function orderConfirmed(orderId: string = randomUUID()): DomainEvent<'order.confirmed'> {
  const eur = (amount: number) => ({ amount, currency: 'EUR' });
  return createEvent(
    'order.confirmed',
    {
      orderId,
      userId: randomUUID(),
      lines: [{ sku: 'MUG-0001', qty: 2, unitPrice: eur(1000) }],
      totals: { subtotal: eur(2000), shipping: eur(2690), tax: eur(0), total: eur(4690) },
      shipping: {
        service: 'express',
        address: { name: 'Ada', line1: '1 Rue de Test', city: 'Paris', postalCode: '75001', country: 'FR' },
        weightGrams: 2_500,
      },
    },
    { correlationId: randomUUID() },
  );
}

/** The runtime's pool, like the service's: its error listener matters when the database is dropped. */
export function openDatabase(infra: TestInfra): Postgres {
  return createPostgres({
    url: infra.db.url,
    schema: 'shipping',
    log: createLogger({ service: 'test', level: 'silent' }),
  });
}
