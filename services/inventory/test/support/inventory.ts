// Starts the inventory in-process, exactly as main.ts does: ZeroRPC on a free port of 127.0.0.1,
// the admin port on another, against the test file's own database and broker names. Tests call it
// over real ZeroMQ sockets with our RPC client, as billing and the front-end do.
import { randomUUID } from 'node:crypto';
import type { LineItem } from '@trio/contracts/common';
import { createEvent, type DomainEvent } from '@trio/contracts/events';
import { inventoryRpc } from '@trio/contracts/inventory';
import { queuesDeclaredBy } from '@trio/events/topology';
import { createRpcClient, type RpcServiceClient } from '@trio/rpc/client';
import { RemoteError } from '@trio/rpc/errors';
import { parseConfig } from '@trio/service-runtime/config';
import { createLogger } from '@trio/service-runtime/logger';
import { createPostgres, type Postgres } from '@trio/service-runtime/postgres';
import { type InProcessService, startInProcess } from '@trio/testing/in-process';
import type { TestInfra } from '@trio/testing/infra';
import { rejectionOf, waitFor } from '@trio/testing/wait';
import { Config } from '../../src/config.ts';
import { type RunningInventory, start } from '../../src/main.ts';

export { waitFor };

export type InventoryClient = RpcServiceClient<typeof inventoryRpc>;

export interface TestInventory extends Omit<InProcessService<RunningInventory>, 'running'> {
  /** The bound ZeroRPC endpoint. */
  endpoint: string;
  /** Our RPC client, connected to this instance only. */
  client: InventoryClient;
}

/** `env` overrides the variables derived from `infra`. */
export async function startInventory(
  infra: TestInfra,
  env: Record<string, string> = {},
): Promise<TestInventory> {
  const service = await startInProcess(infra, {
    service: 'inventory',
    // Those its stock events feed, and its own consumer queue with its retry tiers and DLQ.
    queues: queuesDeclaredBy(['inventory'], ['inventory.orders']),
    parseConfig: (vars) => parseConfig(Config, vars),
    start,
    createLogger,
    env: { RESERVATION_SWEEP_INTERVAL_MS: '100', SEED_ON_START: 'true', ...env },
  });
  const client = connect(service.running.rpcEndpoint);
  return {
    ...service,
    endpoint: service.running.rpcEndpoint,
    client,
    async stop() {
      await client.close();
      await service.stop();
    },
  };
}

/** A client of one or several instances; no retries, so each call is one attempt. */
export function connect(endpoints: string | string[]): InventoryClient {
  return createRpcClient({ service: inventoryRpc, endpoints, retry: false, timeoutMs: 15_000 });
}

/** The ERR a call answered with; fails the test if it succeeded or failed otherwise. */
export const remoteError = (call: Promise<unknown>): Promise<RemoteError> => rejectionOf(call, RemoteError);

export const newOrderId = () => randomUUID();

let skus = 0;
/** A sku no other test of the file uses (each file has its own database), so tests share no stock. */
export function newSku(prefix = 'TST'): string {
  skus += 1;
  return `${prefix}-${String(skus).padStart(4, '0')}`;
}

/** What billing publishes: an order.confirmed or order.cancelled of `lines`. */
export function orderEvent(
  type: 'order.confirmed' | 'order.cancelled',
  orderId: string,
  lines: LineItem[],
): DomainEvent<'order.confirmed' | 'order.cancelled'> {
  const context = { correlationId: randomUUID() };
  const userId = randomUUID();
  if (type === 'order.cancelled') {
    return createEvent(type, { orderId, userId, reason: 'customer_request' }, context);
  }
  const eur = (amount: number) => ({ amount, currency: 'EUR' });
  return createEvent(
    type,
    {
      orderId,
      userId,
      lines: lines.map((line) => ({ ...line, unitPrice: eur(1000) })),
      totals: { subtotal: eur(1000), shipping: eur(0), tax: eur(0), total: eur(1000) },
      shipping: {
        service: 'standard',
        address: { name: 'Ada', line1: '1 Test Street', city: 'Berlin', postalCode: '10115', country: 'DE' },
        weightGrams: 500,
      },
    },
    context,
  );
}

/** The runtime's pool, like the service's: its error listener matters when the database is dropped. */
export function openDatabase(infra: TestInfra): Postgres {
  return createPostgres({
    url: infra.db.url,
    schema: 'inventory',
    log: createLogger({ service: 'test', level: 'silent' }),
  });
}

/** A sku's row as stored; undefined when it has none. */
export async function stockRow(db: Postgres, sku: string) {
  const { rows } = await db.query<{ on_hand: number; reserved: number }>(
    'SELECT on_hand, reserved FROM stock WHERE sku = $1',
    [sku],
  );
  return rows[0] === undefined ? undefined : { onHand: rows[0].on_hand, reserved: rows[0].reserved };
}

export async function reservationStatus(db: Postgres, orderId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ status: string }>('SELECT status FROM reservations WHERE order_id = $1', [
    orderId,
  ]);
  return rows[0]?.status;
}
