import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CreateProductRequest, ProductListQuery, UpdateProductRequest } from './catalog.ts';
import { toFieldIssues } from './common.ts';

// Express hands query values over as strings (or arrays of strings for repeated parameters).
const parseQuery = (query: Record<string, string | string[]>) => ProductListQuery.safeParse(query);
const problems = (query: Record<string, string | string[]>) => {
  const result = parseQuery(query);
  return result.error ? toFieldIssues(result.error).map((issue) => `${issue.path}: ${issue.message}`) : [];
};

describe('product list query', () => {
  test('when numbers arrive as text, they are coerced and defaults fill the rest', () => {
    assert.deepEqual(parseQuery({ q: 'mug', minPrice: '500', maxPrice: '2500', page: '2' }).data, {
      q: 'mug',
      minPrice: 500,
      maxPrice: 2500,
      page: 2,
      pageSize: 24,
    });
  });

  test('when parameters are present but empty, they count as absent', () => {
    assert.deepEqual(parseQuery({ q: '', category: '', page: '', sort: '' }).data, {
      q: undefined,
      category: undefined,
      sort: undefined,
      page: 1,
      pageSize: 24,
    });
  });

  test('when a number is not a whole number, the parameter is named with what was expected', () => {
    assert.deepEqual(problems({ page: 'two' }), ['page: must be a whole number']);
    assert.deepEqual(problems({ page: '1.5' }), ['page: must be a whole number']);
    assert.deepEqual(problems({ pageSize: '500' }), ['pageSize: must be at most 100']);
    assert.deepEqual(problems({ page: ['1', '2'] }), ['page: must be a whole number']);
  });

  test('when a parameter is unknown or misspelt, the query is rejected naming it', () => {
    assert.deepEqual(problems({ sortBy: 'price_asc' }), ['sortBy: unknown field']);
  });

  test('when sort has an unknown value, the message lists the allowed ones', () => {
    const [message] = problems({ sort: 'cheapest' });
    assert.match(message ?? '', /^sort: .*"relevance"\|"name"\|"price_asc"\|"price_desc"\|"newest"/);
  });

  test('when the price range is inverted, maxPrice is named', () => {
    assert.deepEqual(problems({ minPrice: '900', maxPrice: '100' }), [
      'maxPrice: must not be below minPrice',
    ]);
  });

  test('when a category is not a slug, it is rejected', () => {
    assert.equal(parseQuery({ category: 'Kitchen Tools' }).success, false);
  });
});

describe('admin product bodies', () => {
  const product = {
    sku: 'MUG-0001',
    name: 'Enamel mug',
    description: '',
    price: { amount: 1250, currency: 'EUR' },
    category: 'kitchen',
    image: '/images/products/mug-0001.svg',
    attributes: { weightGrams: 320 },
  };

  test('when a new product has an external image URL, it is rejected', () => {
    assert.ok(CreateProductRequest.safeParse(product).success);
    for (const image of ['https://cdn.example.com/mug.svg', '//cdn.example.com/mug.svg']) {
      assert.equal(CreateProductRequest.safeParse({ ...product, image }).success, false, image);
    }
  });

  test('when a product has no shipping weight, it is rejected', () => {
    assert.equal(
      CreateProductRequest.safeParse({ ...product, attributes: { colour: 'blue' } }).success,
      false,
    );
  });

  test('when an update changes nothing, it is rejected; a price-only update is accepted', () => {
    assert.equal(UpdateProductRequest.safeParse({}).success, false);
    assert.deepEqual(UpdateProductRequest.parse({ price: { amount: 999, currency: 'EUR' } }), {
      price: { amount: 999, currency: 'EUR' },
    });
  });
});
