import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maxParcelGrams, splitIntoParcels } from '@trio/contracts/shipping';
import { quote, weightBands, zoneOf } from './rates.ts';

const to = (country: string) => ({ country, postalCode: '10115' });
const prices = (country: string, ...weights: number[]) =>
  quote(
    to(country),
    weights.map((weightGrams) => ({ weightGrams })),
  ).options.map((option) => `${option.service} ${option.price.amount}`);

test('countries fall into the domestic, EU and rest-of-world zones, others into none', () => {
  assert.deepEqual(['DE', 'FR', 'US', 'RU'].map(zoneOf), ['domestic', 'eu', 'world', undefined]);
});

test('each band’s upper bound is inclusive: 1000 g is the first band, 1001 g the second', () => {
  assert.deepEqual(prices('DE', 1_000), ['standard 490', 'express 990']);
  assert.deepEqual(prices('DE', 1_001), ['standard 690', 'express 1290']);
  assert.deepEqual(prices('DE', 20_000), ['standard 1490', 'express 2490']);
});

test('parcels are priced one by one and added up', () => {
  assert.deepEqual(prices('FR', 500, 6_000), ['standard 3180', 'express 5580']);
});

test('the heaviest band ends at the contract’s parcel limit: 20001 g to 30000 g are priced', () => {
  assert.equal(weightBands.at(-1), maxParcelGrams);
  assert.deepEqual(prices('DE', 20_001), ['standard 1990', 'express 3290']);
  assert.deepEqual(prices('DE', maxParcelGrams), ['standard 1990', 'express 3290']);
});

test('the bands rise, so every weight up to the limit falls into exactly one', () => {
  assert.deepEqual(
    [...weightBands].sort((a, b) => a - b),
    [...weightBands],
  );
  assert.equal(new Set(weightBands).size, weightBands.length);
});

test('every parcel of a split cart is priced, however heavy the cart', () => {
  for (const grams of [26_802, 45_000, 599_999]) {
    const options = quote(to('DE'), splitIntoParcels(grams)!).options;
    assert.equal(options.length, 2, `${grams} g`);
  }
});
