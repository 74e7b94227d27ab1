import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authorizeCard, authorizeStoredCard, brandOf, cardOnFile, isExpired } from './processor.ts';

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

test('a card on file gets the verdict of the card it was stored from, and keeps no number or CVC', async () => {
  const numbers = [
    '4242424242424242',
    '4000000000000002',
    '4000000000009995',
    '4000000000000119',
    '4000000000003220',
  ];
  for (const expYear of [2099, 2020]) {
    for (const number of numbers) {
      const card = { number, expMonth: 12, expYear, cvc: '737' };
      const onFile = cardOnFile(card);
      assert.deepEqual(Object.keys(onFile).sort(), [
        'behaviour',
        'brand',
        'expMonth',
        'expYear',
        'last4',
        'token',
      ]);
      assert.deepEqual(
        await authorizeStoredCard(onFile, 0),
        await authorizeCard(card, 0),
        `${number}/${expYear}`,
      );
    }
  }
  assert.equal(
    cardOnFile({ number: '4000000000000002', expMonth: 1, expYear: 2099, cvc: '737' }).behaviour,
    'card_declined',
  );
});
