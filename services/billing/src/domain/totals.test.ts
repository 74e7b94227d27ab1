import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { orderTotals, taxOf } from './totals.ts';

describe('order arithmetic', () => {
  it('rounds tax half up to the minor unit', () => {
    assert.equal(taxOf(1234, 1900), 234); // 234.46
    assert.equal(taxOf(50, 1000), 5); // 5.0
    assert.equal(taxOf(25, 1000), 3); // 2.5 → 3
    assert.equal(taxOf(0, 1900), 0);
  });

  it('adds subtotal, shipping and the tax on both', () => {
    const totals = orderTotals('EUR', 2000, 590, 1900);
    assert.deepEqual(totals, {
      subtotal: { amount: 2000, currency: 'EUR' },
      shipping: { amount: 590, currency: 'EUR' },
      tax: { amount: 492, currency: 'EUR' },
      total: { amount: 3082, currency: 'EUR' },
    });
  });
});
