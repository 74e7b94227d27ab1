import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brandOf, isExpired } from './processor.ts';

test('brands come from the number prefixes of the card networks', () => {
  const brands = [
    ['4242424242424242', 'visa'],
    ['5555555555554444', 'mastercard'],
    ['2223003122003222', 'mastercard'],
    ['378282246310005', 'amex'],
    ['6011111111111117', 'discover'],
    ['6445644564456445', 'discover'],
    ['3056930009020004', 'unknown'],
  ];
  assert.deepEqual(
    brands.map(([number]) => [number, brandOf(number!)]),
    brands,
  );
});

test('a card is valid through the last day of its expiry month', () => {
  const now = new Date('2026-11-30T23:59:59Z');
  assert.equal(isExpired({ expMonth: 11, expYear: 2026 }, now), false);
  assert.equal(isExpired({ expMonth: 10, expYear: 2026 }, now), true);
  assert.equal(isExpired({ expMonth: 12, expYear: 2025 }, now), true);
  assert.equal(isExpired({ expMonth: 1, expYear: 2027 }, now), false);
});
