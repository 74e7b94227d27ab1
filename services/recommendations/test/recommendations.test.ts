// What a caller gets from forProduct and forUser once the service has learnt from product and
// order events published on the broker: co-purchases best first, then the popular products of the
// same category, then overall; never the product itself, an unknown sku or a duplicate.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import {
  connectEvents,
  orderEvent,
  productEvent,
  skusOf,
  startRecommendations,
  type TestEvents,
  type TestRecommendations,
} from './support/recommendations.ts';

let infra: TestInfra;
let service: TestRecommendations;
let events: TestEvents;

const [ann, bob, cem] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
const catalogue = {
  kitchen: ['KIT-0001', 'KIT-0002', 'KIT-0003', 'KIT-0004', 'KIT-0005'],
  garden: ['GAR-0001', 'GAR-0002', 'GAR-0003'],
  office: ['OFF-0001'],
  books: ['BOK-0001'],
};
const known = Object.values(catalogue).flat();

before(async () => {
  infra = await createTestInfra();
  service = await startRecommendations(infra);
  events = await connectEvents(infra);
  const products = Object.entries(catalogue).flatMap(([category, skus]) =>
    skus.map((sku) => productEvent(sku, category)),
  );
  // KIT-0001 is bought with KIT-0002 in 3 orders, with GAR-0001 in 2, with GAR-0002, OFF-0001 and
  // UNK-0001 (never announced by the catalog) in 1 each. Orders: KIT-0001 5, KIT-0002 3,
  // GAR-0001 2, GAR-0003 2 (6 units), OFF-0001 2 (2 units), GAR-0002 1.
  const orders = [
    orderEvent(ann, ['KIT-0001', 'KIT-0002', 'GAR-0001']),
    orderEvent(bob, ['KIT-0001', 'KIT-0002']),
    orderEvent(bob, ['KIT-0001', 'GAR-0001', ['GAR-0002', 3]]),
    orderEvent(cem, ['KIT-0001', 'OFF-0001']),
    orderEvent(cem, ['KIT-0001', 'KIT-0002', 'UNK-0001']),
    orderEvent(cem, [['GAR-0003', 5]]),
    orderEvent(ann, ['OFF-0001', 'GAR-0003']),
  ];
  await events.publish(...products, ...orders);
  await service.learnt(...products, ...orders);
});

after(async () => {
  await events?.close();
  await service?.stop();
  await infra?.drop();
});

describe('forProduct', () => {
  test('answers the skus most often bought with it, best first, ties by sku, with their counts', async () => {
    const answer = await service.rpc.call('forProduct', 'KIT-0001', 4);
    assert.deepEqual(answer.items, [
      { sku: 'KIT-0002', score: 3, reason: 'bought_together' },
      { sku: 'GAR-0001', score: 2, reason: 'bought_together' },
      { sku: 'GAR-0002', score: 1, reason: 'bought_together' },
      { sku: 'OFF-0001', score: 1, reason: 'bought_together' },
    ]);
  });

  test('answers at most `limit` items, and 4 when the limit is left out', async () => {
    assert.deepEqual(skusOf(await service.rpc.call('forProduct', 'KIT-0001', 2)), ['KIT-0002', 'GAR-0001']);
    assert.equal(
      ((await service.rpc.callRaw('forProduct', ['KIT-0001'])) as { items: unknown[] }).items.length,
      4,
    );
  });

  test('tops up co-purchases with the same category, then overall; never itself, unknown skus or twice', async () => {
    const answer = await service.rpc.call('forProduct', 'KIT-0001', 20);
    assert.deepEqual(
      answer.items.map((item) => [item.sku, item.reason]),
      [
        ['KIT-0002', 'bought_together'],
        ['GAR-0001', 'bought_together'],
        ['GAR-0002', 'bought_together'],
        ['OFF-0001', 'bought_together'],
        // Never sold: last of their tier, by sku.
        ['KIT-0003', 'popular_in_category'],
        ['KIT-0004', 'popular_in_category'],
        ['KIT-0005', 'popular_in_category'],
        ['GAR-0003', 'popular'],
        ['BOK-0001', 'popular'],
      ],
    );
    assert.deepEqual(skusOf(answer).sort(), known.filter((sku) => sku !== 'KIT-0001').sort());
  });

  test('without co-purchases, answers the popular products of its category, then overall', async () => {
    const answer = await service.rpc.call('forProduct', 'KIT-0003', 7);
    assert.deepEqual(answer.items, [
      { sku: 'KIT-0001', score: 5, reason: 'popular_in_category' },
      { sku: 'KIT-0002', score: 3, reason: 'popular_in_category' },
      { sku: 'KIT-0004', score: 0, reason: 'popular_in_category' },
      { sku: 'KIT-0005', score: 0, reason: 'popular_in_category' },
      // Two orders each: more units first, then by sku.
      { sku: 'GAR-0003', score: 2, reason: 'popular' },
      { sku: 'GAR-0001', score: 2, reason: 'popular' },
      { sku: 'OFF-0001', score: 2, reason: 'popular' },
    ]);
  });

  test('a product alone in its category without co-purchases gets the popular products', async () => {
    const answer = await service.rpc.call('forProduct', 'BOK-0001', 3);
    assert.deepEqual(
      answer.items.map((item) => [item.sku, item.reason]),
      [
        ['KIT-0001', 'popular'],
        ['KIT-0002', 'popular'],
        ['GAR-0003', 'popular'],
      ],
    );
  });

  test('a sku bought but never announced by the catalog gets its known co-purchases, and is never answered', async () => {
    const answer = await service.rpc.call('forProduct', 'UNK-0001', 3);
    assert.deepEqual(
      answer.items.map((item) => [item.sku, item.reason]),
      [
        ['KIT-0001', 'bought_together'],
        ['KIT-0002', 'bought_together'],
        ['GAR-0003', 'popular'],
      ],
    );
    for (const sku of known) {
      assert.ok(!skusOf(await service.rpc.call('forProduct', sku, 20)).includes('UNK-0001'), sku);
    }
  });

  test('a sku nobody has heard of gets the popular products', async () => {
    assert.deepEqual(skusOf(await service.rpc.call('forProduct', 'NEW-9999', 3)), [
      'KIT-0001',
      'KIT-0002',
      'GAR-0003',
    ]);
  });
});

describe('forUser', () => {
  test("answers what others bought with the user's purchases, never what the user bought", async () => {
    // Cem bought KIT-0001, KIT-0002, OFF-0001, GAR-0003 and UNK-0001. GAR-0001 was bought twice with
    // KIT-0001 and once with KIT-0002; GAR-0002 once with KIT-0001.
    const answer = await service.rpc.call('forUser', cem, 2);
    assert.deepEqual(answer.items, [
      { sku: 'GAR-0001', score: 3, reason: 'bought_by_you' },
      { sku: 'GAR-0002', score: 1, reason: 'bought_by_you' },
    ]);
  });

  test("tops up with the popular products of the user's categories, then overall", async () => {
    // Ann bought KIT-0001, KIT-0002, GAR-0001, OFF-0001 and GAR-0003.
    const answer = await service.rpc.call('forUser', ann, 20);
    assert.deepEqual(
      answer.items.map((item) => [item.sku, item.reason]),
      [
        ['GAR-0002', 'bought_by_you'],
        ['KIT-0003', 'popular_in_category'],
        ['KIT-0004', 'popular_in_category'],
        ['KIT-0005', 'popular_in_category'],
        ['BOK-0001', 'popular'],
      ],
    );
  });

  test('a user without orders gets the popular products', async () => {
    const answer = await service.rpc.call('forUser', crypto.randomUUID(), 3);
    assert.deepEqual(answer.items, [
      { sku: 'KIT-0001', score: 5, reason: 'popular' },
      { sku: 'KIT-0002', score: 3, reason: 'popular' },
      { sku: 'GAR-0003', score: 2, reason: 'popular' },
    ]);
  });
});
