// The store holds nothing but what the events taught it: wiped (with the inbox rows of its queue,
// or the replayed events would be skipped as duplicates) and fed the same events again, in another
// order, it answers exactly as before. README "Rebuilding the store" runs the same SQL.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Recommendations } from '@trio/contracts/recommendations';
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

before(async () => {
  infra = await createTestInfra();
  service = await startRecommendations(infra);
  events = await connectEvents(infra);
});

after(async () => {
  await events?.close();
  await service?.stop();
  await infra?.drop();
});

const users = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()] as const;
const skus = ['AAA-0001', 'AAA-0002', 'AAA-0003', 'BBB-0001', 'BBB-0002', 'CCC-0001'];

async function everyAnswer(): Promise<Record<string, Recommendations>> {
  const answers: Record<string, Recommendations> = {};
  for (const sku of [...skus, 'ZZZ-0001']) answers[sku] = await service.rpc.call('forProduct', sku, 20);
  for (const user of users) answers[user] = await service.rpc.call('forUser', user, 20);
  return answers;
}

async function storeRows(): Promise<unknown[][]> {
  const tables = [
    'products ORDER BY sku',
    'pairs ORDER BY sku, other_sku',
    'purchases ORDER BY user_id, sku',
  ];
  return Promise.all(tables.map(async (table) => (await service.db.query(`SELECT * FROM ${table}`)).rows));
}

test('wiping the store and consuming the same events again, in another order, gives the same answers', async () => {
  const history = [
    ...skus.map((sku) => productEvent(sku, sku.slice(0, 3).toLowerCase())),
    orderEvent(users[0], ['AAA-0001', 'AAA-0002', 'BBB-0001']),
    orderEvent(users[0], ['AAA-0001', ['CCC-0001', 2]]),
    orderEvent(users[1], ['AAA-0001', 'AAA-0002']),
    orderEvent(users[1], ['BBB-0002', 'ZZZ-0001']),
    productEvent('BBB-0002', 'aaa', { type: 'product.updated', updatedAt: '2025-03-01T00:00:00.000Z' }),
    orderEvent(users[2], ['AAA-0003', 'BBB-0001', 'BBB-0002']),
  ];
  await events.publish(...history);
  await service.learnt(...history);
  const learnt = await everyAnswer();
  const stored = await storeRows();
  assert.equal(learnt['AAA-0001']!.items[0]?.sku, 'AAA-0002');

  await service.db.query('TRUNCATE products, pairs, purchases');
  await service.db.query('DELETE FROM event_inbox WHERE consumer = $1', [service.queue]);
  assert.deepEqual(await service.rpc.call('forProduct', 'AAA-0001', 4), { items: [] });

  // Orders before products, the update before the creation it follows.
  const replay = history.toReversed();
  await events.publish(...replay);
  await service.learnt(...replay);
  assert.deepEqual(await everyAnswer(), learnt);
  assert.deepEqual(await storeRows(), stored);
});
