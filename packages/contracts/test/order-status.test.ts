// An order's `status` is derived from its `state` (orderStatusOf): the schemas refuse an order
// whose two fields disagree, so no client ever has to decide which of them to believe.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Order, orderStatusOf, SagaState } from '../src/billing.ts';
import { ApiOrder } from '../src/front-end.ts';
import { samples } from './samples.ts';

describe('an order’s status and state', () => {
  test('every saga state maps to one of the four statuses', () => {
    assert.deepEqual(Object.keys(orderStatusOf).sort(), [...SagaState.options].sort());
  });

  test('when status is the one its state maps to, the order parses', () => {
    for (const state of SagaState.options) {
      const order = { ...samples.order, state, status: orderStatusOf[state] };
      assert.ok(Order.safeParse(order).success, state);
    }
  });

  test('when status and state disagree, Order and ApiOrder refuse it, naming status', () => {
    const order = Order.safeParse({ ...samples.order, status: 'pending', state: 'invoiced' });
    assert.deepEqual(
      order.error?.issues.map((issue) => issue.path.join('.')),
      ['status'],
    );
    const apiOrder = ApiOrder.safeParse({ ...samples.apiOrder, status: 'confirmed', state: 'failed' });
    assert.equal(apiOrder.success, false);
  });
});
