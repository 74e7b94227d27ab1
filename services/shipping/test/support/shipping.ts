// Starts shipping in-process, exactly as main.ts does: ZeroRPC on a free port of 127.0.0.1, the
// HTTP port (REST quote, probes, metrics) on another, against the test file's own database and broker names, with a clock of
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
import { createHttpClient, type HttpClient } from '@trio/testing/http-client';
import { identityEnv } from '@trio/testing/identity';
import { type InProcessService, startInProcess } from '@trio/testing/in-process';
import type { TestInfra } from '@trio/testing/infra';
import { rejectionOf, waitFor } from '@trio/testing/wait';
import { Config } from '../../src/config.ts';
import { type RunningShipping, start } from '../../src/main.ts';

export { waitFor };

export type ShippingClient = RpcServiceClient<typeof shippingRpc>;

export interface TestShipping extends Omit<InProcessService<RunningShipping>, 'running'> {
  /** The bound ZeroRPC endpoint. */
  endpoint: string;
  /** Our RPC client, connected to this instance only. */
  client: ShippingClient;
  /** The HTTP port (the REST quote, probes, metrics), called as billing unless a request says otherwise. */
  http: HttpClient;
}

/** `env` overrides the variables derived from `infra`; the clock runs in milliseconds. */
export async function startShipping(
  infra: TestInfra,
  env: Record<string, string> = {},
): Promise<TestShipping> {
  const service = await startInProcess(infra, {
    service: 'shipping',
    // Those its shipment events feed (billing's), and its own consumer queue with its tiers and DLQ.
    queues: queuesDeclaredBy(['shipping'], ['shipping.orders']),
    parseConfig: (vars) => parseConfig(Config, vars),
    start,
    createLogger,
    env: {
      ...(await identityEnv('shipping')),
      DISPATCH_AFTER_MS: '100',
      DELIVER_AFTER_MS: '100',
      SHIPMENT_TICK_INTERVAL_MS: '20',
      ...env,
    },
  });
  const client = createRpcClient({
    service: shippingRpc,
    endpoints: service.running.rpcEndpoint,
    retry: false,
    timeoutMs: 15_000,
  });
  return {
    ...service,
    endpoint: service.running.rpcEndpoint,
    client,
    http: createHttpClient(`http://127.0.0.1:${service.running.adminPort}`, {
      as: 'billing',
      audience: 'shipping',
    }),
    async stop() {
      await client.close();
      await service.stop();
    },
  };
}

/** The ERR a call answered with; fails the test if it succeeded or failed otherwise. */
export const remoteError = (call: Promise<unknown>): Promise<RemoteError> => rejectionOf(call, RemoteError);

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
