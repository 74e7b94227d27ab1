// The catalog serves every route of its contract table (@trio/contracts/catalog), and every answer,
// success or error, has a status the table declares and a body that parses with the table's schema
// for that status: what the OpenAPI document promises is what the service does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogRoutes } from '@trio/contracts/catalog';
import type { RouteDefinition } from '@trio/contracts/http';
import { useTestInfra } from '@trio/testing/infra';
import {
  adminToken,
  newProduct,
  type RequestOptions,
  startCatalog,
  type TestCatalog,
} from './support/catalog.ts';

type RouteName = keyof typeof catalogRoutes;

let catalog: TestCatalog;
useTestInfra(startCatalog, (made) => {
  catalog = made.running;
});

const admin: RequestOptions = { token: adminToken };

// Requests per route, in order; together they reach every status a client can cause.
const exchanges: [RouteName, string, RequestOptions?][] = [
  ['listProducts', '/products'],
  [
    'listProducts',
    '/products?q=mug&category=kitchen&minPrice=100&maxPrice=99999&sort=price_desc&page=1&pageSize=5',
  ],
  ['listProducts', '/products?page=zero'],
  ['getProduct', '/products/KIT-0001'],
  ['getProduct', '/products/NOPE-0001'],
  ['getProduct', '/products/lower-case'],
  ['listCategories', '/categories'],
  ['createProduct', '/products', { ...admin, body: newProduct('CON-0001') }],
  ['createProduct', '/products', { ...admin, body: newProduct('CON-0001') }],
  ['createProduct', '/products', { ...admin, body: { sku: 'CON-0002' } }],
  ['createProduct', '/products', { body: newProduct('CON-0003') }],
  [
    'createProduct',
    '/products',
    { ...admin, body: newProduct('CON-0004', { description: 'x'.repeat(200_000) }) },
  ],
  ['updateProduct', '/products/CON-0001', { ...admin, body: { price: { amount: 1, currency: 'EUR' } } }],
  ['updateProduct', '/products/NOPE-0001', { ...admin, body: { name: 'Ghost' } }],
  ['updateProduct', '/products/CON-0001', { ...admin, body: {} }],
  ['updateProduct', '/products/CON-0001', { body: { name: 'No token' } }],
  ['updateProduct', '/products/CON-0001', { ...admin, body: { description: 'x'.repeat(200_000) } }],
];

test('every route of the contract is served, and every answer matches the contract for its status', async () => {
  const seen = new Map<RouteName, Set<number>>();
  for (const [name, path, options] of exchanges) {
    const route: RouteDefinition = catalogRoutes[name];
    const reply = await catalog.request(route.method.toUpperCase(), path, options);
    const declared = route.responses[reply.status];
    assert.ok(declared, `${name} ${path} answered ${reply.status}, which its contract does not declare`);
    const parsed = declared.body?.safeParse(reply.body);
    assert.ok(parsed?.success, `${name} ${reply.status}: ${JSON.stringify(parsed?.error?.issues)}`);
    seen.set(name, (seen.get(name) ?? new Set()).add(reply.status));
  }
  // Every route, and every status of each route, was reached at least once.
  assert.deepEqual(
    Object.fromEntries([...seen].map(([name, statuses]) => [name, [...statuses].sort()])),
    Object.fromEntries(
      Object.entries(catalogRoutes).map(([name, route]) => [
        name,
        Object.keys(route.responses).map(Number).sort(),
      ]),
    ),
  );
});
