import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '@trio/service-runtime/errors';
import { quote, zoneOf } from './rates.ts';

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

test('a parcel above 20 kg is ParcelTooHeavy, even with light ones beside it', () => {
  assert.throws(
    () => prices('DE', 500, 20_001),
    (error) => error instanceof AppError && error.code === 'parcel_too_heavy',
  );
});
