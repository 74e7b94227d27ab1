import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateDemoCatalogue } from './catalogue.ts';
import { generateDemoStock, initialStock } from './stock.ts';

test('every demo product has a starting stock, the same on every run', () => {
  const stock = generateDemoStock();
  assert.deepEqual(
    stock.map((level) => level.sku),
    generateDemoCatalogue().products.map((product) => product.sku),
  );
  assert.deepEqual(generateDemoStock(), stock);
  for (const { sku, units } of stock) assert.equal(initialStock(sku), units);
});

test('the storefront gets every state: mostly in stock, a few low, one or two sold out', () => {
  const units = generateDemoStock().map((level) => level.units);
  const soldOut = units.filter((n) => n === 0).length;
  const low = units.filter((n) => n >= 1 && n <= 5).length;
  const plenty = units.filter((n) => n >= 10 && n <= 100).length;
  assert.ok(soldOut >= 1 && soldOut <= 2, `${soldOut} sold out`);
  assert.ok(low >= 5 && low <= units.length / 10, `${low} low`);
  assert.equal(soldOut + low + plenty, units.length);
});
