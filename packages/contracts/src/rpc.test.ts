import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toFieldIssues } from './common.ts';
import { inventoryRpc } from './inventory.ts';
import { recommendationsRpc } from './recommendations.ts';
import type { RpcArgs, RpcClient, RpcResult, RpcServiceDefinition } from './rpc.ts';
import { shippingRpc } from './shipping.ts';

const services: RpcServiceDefinition[] = [inventoryRpc, shippingRpc, recommendationsRpc];
const orderId = '5f1d7c3a-2b8e-4c6d-9a0f-1e2d3c4b5a69';

const problems = (result: { error?: import('zod').ZodError }) =>
  result.error ? toFieldIssues(result.error).map((issue) => `${issue.path}: ${issue.message}`) : [];

describe('rpc method definitions', () => {
  test('when a service is listed, its methods are the ones the issues name', () => {
    assert.deepEqual(Object.keys(inventoryRpc.methods), [
      'getStock',
      'reserve',
      'commit',
      'release',
      'restock',
    ]);
    assert.deepEqual(Object.keys(shippingRpc.methods), ['quote', 'track']);
    assert.deepEqual(Object.keys(recommendationsRpc.methods), ['forProduct', 'forUser']);
  });

  test('when a method is defined, it names every argument slot of its tuple', () => {
    for (const service of services) {
      for (const [name, method] of Object.entries(service.methods)) {
        assert.equal(method.argNames.length, method.args.def.items.length, `${service.name}.${name}`);
      }
    }
  });

  test('when a method adds stock, it is the only one not declared idempotent (no retries)', () => {
    const notIdempotent = services.flatMap((service) =>
      Object.entries(service.methods)
        .filter(([, method]) => !method.idempotent)
        .map(([name]) => `${service.name}.${name}`),
    );
    assert.deepEqual(notIdempotent, ['inventory.restock']);
  });

  test('when reserve fails for stock, OutOfStock carries the short skus', () => {
    const details = inventoryRpc.methods.reserve.errors.OutOfStock.details;
    assert.deepEqual(details.parse({ skus: ['MUG-0001'] }), { skus: ['MUG-0001'] });
    assert.equal(details.safeParse({ skus: [] }).success, false);
  });
});

describe('rpc argument tuples', () => {
  const reserve = inventoryRpc.methods.reserve.args;

  test('when reserve gets an order id, lines and a ttl, the tuple is accepted', () => {
    const args: RpcArgs<typeof inventoryRpc.methods.reserve> = reserve.parse([
      orderId,
      [{ sku: 'MUG-0001', qty: 2 }],
      900,
    ]);
    assert.deepEqual(args, [orderId, [{ sku: 'MUG-0001', qty: 2 }], 900]);
  });

  test('when an argument is missing or one too many is sent, the tuple is rejected', () => {
    assert.equal(reserve.safeParse([orderId, [{ sku: 'MUG-0001', qty: 2 }]]).success, false);
    assert.equal(reserve.safeParse([orderId, [{ sku: 'MUG-0001', qty: 2 }], 900, 'extra']).success, false);
  });

  test('when arguments are wrong, each issue names its slot and field', () => {
    const result = reserve.safeParse(['not-a-uuid', [{ sku: 'MUG-0001', qty: 0 }], 0]);
    assert.deepEqual(problems(result), [
      '[0]: must be a UUID (order id, issued by billing)',
      '[1][0].qty: must be a whole number between 1 and 999',
      '[2]: Too small: expected number to be >=1',
    ]);
  });

  test('when reserve names a sku twice, the lines are rejected', () => {
    const lines = [
      { sku: 'MUG-0001', qty: 1 },
      { sku: 'MUG-0001', qty: 1 },
    ];
    assert.deepEqual(problems(reserve.safeParse([orderId, lines, 60])), ['[1]: must not repeat a sku']);
  });

  test('when a reference client leaves out the optional limit, the default is filled in', () => {
    assert.deepEqual(recommendationsRpc.methods.forProduct.args.parse(['MUG-0001']), ['MUG-0001', 4]);
    assert.equal(recommendationsRpc.methods.forProduct.args.safeParse(['MUG-0001', 500]).success, false);
  });

  test('when getStock answers, the result maps each sku to a whole number of units', () => {
    const result: RpcResult<typeof inventoryRpc.methods.getStock> = { 'MUG-0001': 3, 'TEE-0002': 0 };
    assert.ok(inventoryRpc.methods.getStock.result.safeParse(result).success);
    assert.equal(inventoryRpc.methods.getStock.result.safeParse({ 'MUG-0001': -1 }).success, false);
  });

  test('when a shipping quote is asked for, destination and parcels are validated', () => {
    const quote = shippingRpc.methods.quote.args;
    assert.ok(quote.safeParse([{ country: 'DE', postalCode: '10115' }, [{ weightGrams: 640 }]]).success);
    assert.deepEqual(problems(quote.safeParse([{ country: 'DE', postalCode: '10115' }, []])), [
      '[1]: must hold at least one parcel',
    ]);
  });
});

// Compile-time only: a typed client derived from a definition takes the tuple and returns the
// result type. If the types regress, typecheck fails here.
type InventoryClient = RpcClient<typeof inventoryRpc>;
const _typed: InventoryClient['reserve'] extends (
  orderId: string,
  lines: { sku: string; qty: number }[],
  ttlSeconds: number,
) => Promise<{ orderId: string; expiresAt: string }>
  ? true
  : false = true;
void _typed;
