import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { CategorySlug, CreateProductRequest } from '@trio/contracts/catalog';
import { generateDemoCatalogue } from './catalogue.ts';

test('the demo catalogue is the same on every run', () => {
  assert.deepEqual(generateDemoCatalogue(), generateDemoCatalogue());
});

// Databases seeded earlier, and other services' tests, expect exactly these products: a change to
// the generator must be deliberate, and then this fingerprint changes with it.
test('the demo catalogue is exactly the one the shop has always seeded', () => {
  const json = JSON.stringify(generateDemoCatalogue());
  assert.equal(
    createHash('sha256').update(json).digest('hex'),
    'eb8ef9a014ce4d8df6b479721600fcd1e5e66b13007cd4036f2f52d2e505eda5',
  );
});

test('it has at least 200 valid products with unique skus and names over at least 8 categories', () => {
  const { categories, products } = generateDemoCatalogue();
  assert.ok(products.length >= 200);
  assert.ok(categories.length >= 8);
  for (const product of products) CreateProductRequest.parse(product);
  for (const category of categories) CategorySlug.parse(category.slug);
  assert.equal(new Set(products.map((product) => product.sku)).size, products.length);
  assert.equal(new Set(products.map((product) => product.name)).size, products.length);
  const used = new Set(products.map((product) => product.category));
  assert.deepEqual([...used].sort(), categories.map((category) => category.slug).sort());
});

test('every image is a picture the catalog serves itself', () => {
  for (const product of generateDemoCatalogue().products) {
    assert.equal(product.image, `/images/products/${product.sku}.svg`);
  }
});
