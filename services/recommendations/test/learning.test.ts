// How the service learns from its queue: each event once (the inbox), whatever the broker
// redelivers; a message that is not a valid event goes to the DLQ with the reason and the service
// goes on consuming; products announced late or updated out of order end up as the catalog has them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import {
  connectEvents,
  orderEvent,
  productEvent,
  skusOf,
  startRecommendations,
  type TestEvents,
  type TestRecommendations,
  waitFor,
} from './support/recommendations.ts';

let infra: TestInfra;
let service: TestRecommendations;
let events: TestEvents;
const user = crypto.randomUUID();

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

async function metric(pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${service.adminUrl}/metrics`)).text();
  const match = pattern.exec(text);
  return match ? Number(match[1]) : 0;
}

async function ordersOf(sku: string): Promise<number | undefined> {
  const { rows } = await service.db.query<{ orders: number }>('SELECT orders FROM products WHERE sku = $1', [
    sku,
  ]);
  return rows[0]?.orders;
}

test('the same order.confirmed delivered twice counts once', async () => {
  const products = [productEvent('DUP-0001', 'dup'), productEvent('DUP-0002', 'dup')];
  const order = orderEvent(user, ['DUP-0001', 'DUP-0002']);
  await events.publish(...products, order, order);
  const duplicates =
    /events_consumed_total\{[^}]*type="order\.confirmed"[^}]*outcome="duplicate"[^}]*\} (\d+)/;
  await waitFor('the duplicate to be skipped', async () => (await metric(duplicates)) === 1);

  const answer = await service.rpc.call('forProduct', 'DUP-0001', 1);
  assert.deepEqual(answer.items, [{ sku: 'DUP-0002', score: 1, reason: 'bought_together' }]);
  assert.equal(await ordersOf('DUP-0001'), 1);
});

test('poison messages land in the DLQ with the reason, and the next valid event is still learnt', async () => {
  const notJson = Buffer.from('{"id": "broken');
  const invalidPayload = Buffer.from(
    JSON.stringify({ ...orderEvent(user, ['PSN-0001']), payload: { orderId: 'not-a-uuid', lines: [] } }),
  );
  await events.publishRaw('order.confirmed', notJson);
  await events.publishRaw('order.confirmed', invalidPayload);
  const products = [productEvent('PSN-0001', 'poison'), productEvent('PSN-0002', 'poison')];
  const valid = orderEvent(user, ['PSN-0001', 'PSN-0002']);
  await events.publish(...products, valid);
  await service.learnt(...products, valid);

  assert.deepEqual(skusOf(await service.rpc.call('forProduct', 'PSN-0001', 1)), ['PSN-0002']);
  const dead = await events.drain(`${service.queue}.dlq`);
  assert.deepEqual(
    dead.map((message) => message.body),
    [notJson.toString(), invalidPayload.toString()],
  );
  for (const message of dead) assert.equal(message.headers['x-trio-dead-reason'], 'invalid_event');
  assert.match(String(dead[0]!.headers['x-trio-error']), /not JSON/);
  assert.match(String(dead[1]!.headers['x-trio-error']), /payload\.orderId/);
  const deadLettered = /events_dead_lettered_total\{[^}]*reason="invalid_event"[^}]*\} (\d+)/;
  assert.equal(await metric(deadLettered), 2);
  assert.equal((await fetch(`${service.adminUrl}/readyz`)).status, 200);
});

test('a sku ordered before the catalog announced it is recommended once it is announced', async () => {
  const first = productEvent('ERL-0001', 'early');
  const order = orderEvent(user, ['ERL-0001', 'LTE-0001']);
  await events.publish(first, order);
  await service.learnt(first, order);
  assert.ok(!skusOf(await service.rpc.call('forProduct', 'ERL-0001', 20)).includes('LTE-0001'));

  const late = productEvent('LTE-0001', 'late');
  await events.publish(late);
  await service.learnt(late);
  const answer = await service.rpc.call('forProduct', 'ERL-0001', 1);
  assert.deepEqual(answer.items, [{ sku: 'LTE-0001', score: 1, reason: 'bought_together' }]);
});

test('product.updated moves a product to its new category; an older version arriving later changes nothing', async () => {
  const lamps = [
    productEvent('LMP-0001', 'lamps'),
    productEvent('LMP-0002', 'lamps'),
    productEvent('RUG-0001', 'rugs'),
  ];
  await events.publish(...lamps);
  await service.learnt(...lamps);
  // Alone in its category: only popular products from elsewhere.
  assert.equal((await service.rpc.call('forProduct', 'RUG-0001', 1)).items[0]?.reason, 'popular');

  const moved = productEvent('LMP-0002', 'rugs', {
    type: 'product.updated',
    updatedAt: '2025-02-01T00:00:00.000Z',
  });
  const stale = productEvent('LMP-0002', 'lamps', {
    type: 'product.updated',
    updatedAt: '2025-01-15T00:00:00.000Z',
  });
  await events.publish(moved, stale);
  await service.learnt(moved, stale);
  assert.deepEqual((await service.rpc.call('forProduct', 'RUG-0001', 1)).items, [
    { sku: 'LMP-0002', score: 0, reason: 'popular_in_category' },
  ]);
  assert.notEqual(
    (await service.rpc.call('forProduct', 'LMP-0001', 1)).items[0]?.reason,
    'popular_in_category',
  );
});
