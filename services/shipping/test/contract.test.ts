// Shipping answers exactly what its contract (@trio/contracts/shipping) promises: calls that reach
// every outcome of every method, each answer checked against the method's result schema, or, for
// an ERR, against the errors the method declares. The clock is slowed so that a shipment is
// tracked while still in transit.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { builtinRpcErrors, type RpcErrorDefinition } from '@trio/contracts/rpc';
import { ShipmentCreated, shippingRpc } from '@trio/contracts/shipping';
import { createAmqpConnection } from '@trio/events/connection';
import { createPublisher } from '@trio/events/publisher';
import { createRpcClient } from '@trio/rpc/client';
import { RemoteError } from '@trio/rpc/errors';
import { createLogger } from '@trio/service-runtime/logger';
import type { Postgres } from '@trio/service-runtime/postgres';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import {
  openDatabase,
  orderConfirmed,
  startShipping,
  type TestShipping,
  waitFor,
} from './support/shipping.ts';

type MethodName = keyof typeof shippingRpc.methods;

let infra: TestInfra;
let shipping: TestShipping;
let db: Postgres;

before(async () => {
  infra = await createTestInfra();
  shipping = await startShipping(infra, { DISPATCH_AFTER_MS: '600000' });
  db = openDatabase(infra);
});

after(async () => {
  await shipping?.stop();
  await db?.end();
  await infra?.drop();
});

/** Publishes an order.confirmed as billing would and returns the id of the shipment it got. */
async function shipOrder(): Promise<string> {
  const log = createLogger({ service: 'test', level: 'silent' });
  const bus = createAmqpConnection({ url: infra.broker.url, name: 'shipping-contract-test', log });
  await bus.start();
  const billing = createPublisher({ connection: bus, log, exchange: infra.broker.exchange('events') });
  await billing.start();
  const order = orderConfirmed();
  await billing.publish(order);
  await billing.close();
  await bus.close();
  return waitFor('the shipment', async () => {
    const { rows } = await db.query<{ envelope: { payload: unknown } }>(
      `SELECT envelope FROM event_outbox WHERE event_type = 'shipment.created'`,
    );
    return rows[0] && ShipmentCreated.parse(rows[0].envelope.payload).shipmentId;
  });
}

test('every answer of every method parses with the contract, and every declared error is reached', async () => {
  const shipmentId = await shipOrder();
  // The client's own result checks are off: this test checks the raw answers.
  const client = createRpcClient({
    service: shippingRpc,
    endpoints: shipping.endpoint,
    retry: false,
    validateResults: false,
  });
  const to = (country: string) => ({ country, postalCode: '1000' });
  const calls: [MethodName, unknown[]][] = [
    ['quote', [to('DE'), [{ weightGrams: 700 }]]],
    ['quote', [to('NL'), [{ weightGrams: 7_000 }, { weightGrams: 19_000 }]]],
    ['quote', [to('CA'), [{ weightGrams: 3_000 }]]],
    ['quote', [to('BR'), [{ weightGrams: 3_000 }]]],
    ['quote', [to('DE'), [{ weightGrams: 25_000 }]]],
    ['quote', [to('DE'), [{ weightGrams: 30_001 }]]],
    ['quote', [to('DE'), 'heavy']],
    ['track', [shipmentId]],
    ['track', [randomUUID()]],
    ['track', [42]],
  ];
  const answers: { method: MethodName; result?: unknown; error?: RemoteError }[] = [];
  for (const [method, args] of calls) {
    try {
      answers.push({ method, result: await client.callRaw(method, args) });
    } catch (error) {
      if (!(error instanceof RemoteError)) throw error;
      answers.push({ method, error });
    }
  }
  await client.close();

  const reached = new Set<string>();
  for (const { method, result, error } of answers) {
    const definition = shippingRpc.methods[method];
    if (error === undefined) {
      const parsed = definition.result.safeParse(result);
      assert.ok(parsed.success, `${method} answered ${JSON.stringify(result)}: ${parsed.error?.message}`);
      reached.add(`${method}.ok`);
      continue;
    }
    const declared: Record<string, RpcErrorDefinition> = { ...builtinRpcErrors, ...definition.errors };
    assert.ok(error.name in declared, `${method} answered ${error.name}, which its contract does not name`);
    reached.add(`${method}.${error.name}`);
  }
  assert.deepEqual([...reached].sort(), [
    'quote.UnsupportedDestination',
    'quote.ValidationError',
    'quote.ok',
    'track.NotFound',
    'track.ValidationError',
    'track.ok',
  ]);
  const inTransit = answers.find((answer) => answer.method === 'track' && answer.error === undefined);
  assert.deepEqual(
    shippingRpc.methods.track.result.parse(inTransit?.result).history.map((entry) => entry.status),
    ['created'],
    'a shipment not dispatched yet has only its first step',
  );
});
