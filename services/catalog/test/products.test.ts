// Reading the catalogue: listing, paging, search, filters, sorts and the errors a client can cause.
// Read-only on the seeded demo catalogue, so expectations come from the generator.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CategoryList, Product, ProductList } from '@trio/contracts/catalog';
import { ErrorBody } from '@trio/contracts/common';
import { generateDemoCatalogue } from '@trio/demo-data/catalogue';
import { useTestInfra } from '@trio/testing/infra';
import { startCatalog, type TestCatalog } from './support/catalog.ts';

const demo = generateDemoCatalogue();
let catalog: TestCatalog;
useTestInfra(startCatalog, (made) => {
  catalog = made.running;
});

async function list(query: string): Promise<ProductList> {
  const reply = await catalog.get(`/products?${query}`);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return ProductList.parse(reply.body);
}

/** Every product of a query, page by page. */
async function walk(query: string, pageSize: number): Promise<{ items: Product[]; totals: number[] }> {
  const items: Product[] = [];
  const totals: number[] = [];
  for (let page = 1; ; page += 1) {
    const result = await list(`${query}&page=${page}&pageSize=${pageSize}`);
    totals.push(result.total);
    items.push(...result.items);
    if (result.items.length < pageSize) return { items, totals };
  }
}

async function problems(path: string): Promise<string[]> {
  const reply = await catalog.get(path);
  assert.equal(reply.status, 400);
  const { error } = ErrorBody.parse(reply.body);
  assert.equal(error.code, 'validation_failed');
  return (error.details ?? []).map((detail) => detail.path).sort();
}

const isSorted = <T>(items: readonly T[], compare: (a: T, b: T) => number) =>
  items.every((item, index) => index === 0 || compare(items[index - 1]!, item) <= 0);

describe('listing products', () => {
  for (const sort of ['name', 'price_asc', 'price_desc', 'newest'] as const) {
    test(`walking every page sorted by ${sort} yields each product exactly once, in order`, async () => {
      const { items, totals } = await walk(`sort=${sort}`, 17);
      const skus = items.map((product) => product.sku);
      assert.equal(new Set(skus).size, skus.length, 'a product appeared twice');
      assert.deepEqual(skus.toSorted(), demo.products.map((product) => product.sku).sort());
      assert.ok(totals.every((total) => total === demo.products.length));
      const bySku = (a: Product, b: Product) => (a.sku < b.sku ? -1 : 1);
      const compare = {
        name: (a: Product, b: Product) => new Intl.Collator('und').compare(a.name, b.name) || bySku(a, b),
        price_asc: (a: Product, b: Product) => a.price.amount - b.price.amount || bySku(a, b),
        price_desc: (a: Product, b: Product) => b.price.amount - a.price.amount || bySku(a, b),
        newest: (a: Product, b: Product) => b.createdAt.localeCompare(a.createdAt) || bySku(a, b),
      }[sort];
      assert.ok(isSorted(items, compare));
    });
  }

  test('without parameters, the first page has 24 products by name and the total of the catalogue', async () => {
    const result = await list('');
    assert.equal(result.items.length, 24);
    assert.deepEqual([result.page, result.pageSize, result.total], [1, 24, demo.products.length]);
  });

  test('a page past the end is empty but still tells the total', async () => {
    const result = await list('page=99&pageSize=100');
    assert.deepEqual([result.items, result.total], [[], demo.products.length]);
  });

  test('filtering by category and price range returns exactly the matching products', async () => {
    const [minPrice, maxPrice] = [1_000, 3_000];
    const expected = demo.products
      .filter((p) => p.category === 'kitchen' && p.price.amount >= minPrice && p.price.amount <= maxPrice)
      .map((product) => product.sku)
      .sort();
    assert.ok(expected.length > 0);
    const result = await list(`category=kitchen&minPrice=${minPrice}&maxPrice=${maxPrice}&pageSize=100`);
    assert.deepEqual(result.items.map((product) => product.sku).sort(), expected);
    assert.equal(result.total, expected.length);
  });

  test('price bounds are inclusive', async () => {
    const price = demo.products[0]!.price.amount;
    const result = await list(`minPrice=${price}&maxPrice=${price}&pageSize=100`);
    assert.ok(result.items.some((product) => product.sku === demo.products[0]!.sku));
    assert.ok(result.items.every((product) => product.price.amount === price));
  });

  test('an unknown category matches nothing', async () => {
    assert.deepEqual(await list('category=no-such-thing'), { items: [], total: 0, page: 1, pageSize: 24 });
  });
});

describe('searching', () => {
  test('a product named after the words ranks above one that only mentions them in its description', async () => {
    const { items, totals } = await walk('q=teapot', 100);
    const named = (product: Product) => /teapot/i.test(product.name);
    assert.ok(items.some(named) && items.some((product) => !named(product)), 'need both kinds of match');
    const firstDescriptionOnly = items.findIndex((product) => !named(product));
    assert.ok(items.slice(firstDescriptionOnly).every((product) => !named(product)));
    assert.ok(items.every((product) => /teapot/i.test(`${product.name} ${product.description}`)));
    assert.equal(totals[0], items.length);
  });

  test('web search syntax works: a quoted phrase and an excluded word', async () => {
    const result = await list(`q=${encodeURIComponent('"cast iron" -mug')}&pageSize=100`);
    assert.ok(result.total > 0);
    for (const product of result.items) {
      const text = `${product.name} ${product.description}`.toLowerCase();
      assert.match(text, /cast iron/);
      assert.doesNotMatch(text, /\bmugs?\b/);
    }
  });

  test('search combines with filters and another sort', async () => {
    const result = await list('q=mug&category=kitchen&sort=price_asc&pageSize=100');
    assert.ok(result.total > 0);
    assert.ok(result.items.every((product) => product.category === 'kitchen'));
    assert.ok(isSorted(result.items, (a, b) => a.price.amount - b.price.amount));
  });

  test('words that match nothing give an empty page, not an error', async () => {
    assert.equal((await list('q=xylophonic')).total, 0);
  });

  test('sort=relevance without a search falls back to name', async () => {
    assert.deepEqual(await list('sort=relevance'), await list('sort=name'));
  });
});

describe('one product and the categories', () => {
  test('a product is found by its sku', async () => {
    const seeded = demo.products[5]!;
    const reply = await catalog.get(`/products/${seeded.sku}`);
    assert.equal(reply.status, 200);
    const product = Product.parse(reply.body);
    assert.deepEqual(
      { ...product, createdAt: new Date(product.createdAt) },
      { ...seeded, updatedAt: product.updatedAt },
    );
  });

  test('an unknown sku answers 404 with a JSON error', async () => {
    const reply = await catalog.get('/products/NOPE-0000');
    assert.equal(reply.status, 404);
    assert.equal(ErrorBody.parse(reply.body).error.code, 'not_found');
  });

  test('a malformed sku answers 400 naming it', async () => {
    assert.deepEqual(await problems('/products/not%20a%20sku'), ['sku']);
  });

  test('categories list every category with its product count', async () => {
    const reply = await catalog.get('/categories');
    assert.equal(reply.status, 200);
    const { items } = CategoryList.parse(reply.body);
    assert.ok(items.length >= 8);
    assert.deepEqual(
      items.map((category) => category.slug).sort(),
      demo.categories.map((c) => c.slug).sort(),
    );
    for (const category of items) {
      const count = demo.products.filter((product) => product.category === category.slug).length;
      assert.equal(category.productCount, count, category.slug);
    }
  });
});

describe('bad query parameters', () => {
  test('every bad parameter is named in one 400', async () => {
    assert.deepEqual(await problems('/products?page=0&pageSize=500&sort=cheapest&minPrice=ten&colour=red'), [
      'colour',
      'minPrice',
      'page',
      'pageSize',
      'sort',
    ]);
  });

  test('an inverted price range names maxPrice', async () => {
    assert.deepEqual(await problems('/products?minPrice=900&maxPrice=100'), ['maxPrice']);
  });

  test('a category that is not a slug is named', async () => {
    assert.deepEqual(await problems('/products?category=Kitchen%20Tools'), ['category']);
  });
});
