// The RPC shapes are the contract's: every answer, read unchecked (callRaw), parses with the
// method's result schema; arguments the contract refuses are answered ValidationError before any
// handler runs; the service describes itself as the contract does.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RecommendationReason, recommendationsRpc } from '@trio/contracts/recommendations';
import { RemoteError } from '@trio/rpc/errors';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import {
  connectEvents,
  orderEvent,
  productEvent,
  startRecommendations,
  type TestEvents,
  type TestRecommendations,
} from './support/recommendations.ts';

let infra: TestInfra;
let service: TestRecommendations;
let events: TestEvents;
const buyer = crypto.randomUUID();

before(async () => {
  infra = await createTestInfra();
  service = await startRecommendations(infra);
  events = await connectEvents(infra);
  const learnt = [
    productEvent('CON-0001', 'one'),
    productEvent('CON-0002', 'one'),
    productEvent('CON-0003', 'one'),
    productEvent('CON-0004', 'two'),
    productEvent('CON-0005', 'two'),
    orderEvent(buyer, ['CON-0001', 'CON-0002']),
    orderEvent(crypto.randomUUID(), ['CON-0001', 'CON-0003']),
  ];
  await events.publish(...learnt);
  await service.learnt(...learnt);
});

after(async () => {
  await events?.close();
  await service?.stop();
  await infra?.drop();
});

describe('results match the contract', () => {
  const calls: [string, 'forProduct' | 'forUser', unknown[]][] = [
    ['co-purchases and every fallback', 'forProduct', ['CON-0001', 20]],
    ['category and overall fallbacks', 'forProduct', ['CON-0004', 20]],
    ['an unknown sku', 'forProduct', ['NOPE-0001', 2]],
    ['the default limit', 'forProduct', ['CON-0001']],
    ['a buyer', 'forUser', [buyer, 20]],
    ['an unknown user', 'forUser', [crypto.randomUUID(), 20]],
  ];
  for (const [situation, method, args] of calls) {
    test(`${method} for ${situation}`, async () => {
      const answer = await service.rpc.callRaw(method, args);
      const parsed = recommendationsRpc.methods[method].result.parse(answer);
      assert.ok(parsed.items.length > 0);
    });
  }

  test('reasons cover all four of the contract', async () => {
    const reasons = new Set(
      [
        ...(await service.rpc.call('forProduct', 'CON-0001', 20)).items,
        ...(await service.rpc.call('forProduct', 'CON-0004', 20)).items,
        ...(await service.rpc.call('forUser', buyer, 20)).items,
      ].map((item) => item.reason),
    );
    assert.deepEqual([...reasons].sort(), RecommendationReason.options.toSorted());
  });
});

describe('arguments the contract refuses answer ValidationError', () => {
  const refused: [string, 'forProduct' | 'forUser', unknown[], RegExp][] = [
    ['a malformed sku', 'forProduct', ['not a sku', 4], /sku/],
    ['a limit of 0', 'forProduct', ['CON-0001', 0], /limit/],
    ['a limit above 20', 'forProduct', ['CON-0001', 21], /limit/],
    ['a fractional limit', 'forProduct', ['CON-0001', 2.5], /limit/],
    ['no arguments', 'forProduct', [], /arguments/],
    ['a user id that is not a UUID', 'forUser', ['user-1', 4], /userId/],
    ['a limit given as text', 'forUser', [buyer, '4'], /limit/],
  ];
  for (const [situation, method, args, names] of refused) {
    test(`${method} with ${situation}`, async () => {
      await assert.rejects(service.rpc.callRaw(method, args), (error: unknown) => {
        assert.ok(error instanceof RemoteError);
        assert.equal(error.name, 'ValidationError');
        assert.match(error.message, names);
        return true;
      });
    });
  }

  test('an unknown method answers NameError', async () => {
    await assert.rejects(service.rpc.callRaw('forEveryone', []), { name: 'NameError' });
  });
});

test('_zerorpc_inspect lists the methods and argument names of the contract', async () => {
  const inspected = (await service.rpc.callRaw('_zerorpc_inspect')) as {
    name: string;
    methods: Record<string, { args: { name: string }[] }>;
  };
  assert.equal(inspected.name, 'recommendations');
  for (const [method, definition] of Object.entries(recommendationsRpc.methods)) {
    assert.deepEqual(
      inspected.methods[method]?.args.map((arg) => arg.name),
      definition.argNames,
    );
  }
});
