// The inventory answers exactly what its contract (@trio/contracts/inventory) promises: calls that
// reach every outcome of every method, each answer checked by this test against the method's
// result schema, or, for an ERR, against the errors the method declares (and their details).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inventoryRpc } from '@trio/contracts/inventory';
import { builtinRpcErrors, type RpcErrorDefinition } from '@trio/contracts/rpc';
import { createRpcClient } from '@trio/rpc/client';
import { RemoteError } from '@trio/rpc/errors';
import { useTestInfra } from '@trio/testing/infra';
import { newOrderId, newSku, startInventory, type TestInventory } from './support/inventory.ts';

type MethodName = keyof typeof inventoryRpc.methods;

let inventory: TestInventory;
useTestInfra(
  (infra) => startInventory(infra, { SEED_ON_START: 'false' }),
  (made) => {
    inventory = made.running;
  },
);

test('every answer of every method parses with the contract, and every declared error is reached', async () => {
  // The client's own result checks are off: this test checks the raw answers.
  const client = createRpcClient({
    service: inventoryRpc,
    endpoints: inventory.endpoint,
    retry: false,
    validateResults: false,
  });
  const [sku, other] = [newSku(), newSku()];
  const [held, sold, released, lapsed] = [newOrderId(), newOrderId(), newOrderId(), newOrderId()];
  const line = (qty: number) => [{ sku, qty }];

  // In order; together they reach every result and error a caller can cause.
  const calls: [MethodName, unknown[]][] = [
    ['restock', [sku, 20]],
    ['restock', [sku, 0]],
    ['getStock', [[sku, other]]],
    ['getStock', [[]]],
    ['reserve', [held, line(2), 60]],
    ['reserve', [held, line(2), 60]],
    ['reserve', [held, line(3), 60]],
    ['reserve', [sold, line(2), 60]],
    ['reserve', [released, line(2), 60]],
    ['reserve', [lapsed, line(2), 1]],
    ['reserve', [newOrderId(), [{ sku: other, qty: 1 }], 60]],
    ['reserve', [newOrderId(), line(1), 0]],
    ['commit', [sold]],
    ['commit', [sold]],
    ['commit', [newOrderId()]],
    ['commit', ['not-a-uuid']],
    ['release', [released]],
    ['release', [released]],
    ['release', [newOrderId()]],
    ['release', [42]],
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
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  try {
    await client.callRaw('commit', [lapsed]);
  } catch (error) {
    if (!(error instanceof RemoteError)) throw error;
    answers.push({ method: 'commit', error });
  }
  await client.close();

  const reached = new Set<string>();
  for (const { method, result, error } of answers) {
    const definition = inventoryRpc.methods[method];
    if (error === undefined) {
      const parsed = definition.result.safeParse(result);
      assert.ok(parsed.success, `${method} answered ${JSON.stringify(result)}: ${parsed.error?.message}`);
      continue;
    }
    const declared: Record<string, RpcErrorDefinition> = {
      ...builtinRpcErrors,
      ...definition.errors,
    };
    assert.ok(error.name in declared, `${method} answered ${error.name}, which its contract does not name`);
    const details = declared[error.name]?.details;
    if (details !== undefined)
      assert.ok(details.safeParse(error.details).success, `${method} ${error.name} details`);
    reached.add(`${method}.${error.name}`);
  }
  assert.deepEqual([...reached].sort(), [
    'commit.NotFound',
    'commit.ReservationExpired',
    'commit.ValidationError',
    'getStock.ValidationError',
    'release.ValidationError',
    'reserve.OutOfStock',
    'reserve.ReservationConflict',
    'reserve.ValidationError',
    'restock.ValidationError',
  ]);
});
