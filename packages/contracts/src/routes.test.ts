import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { billingRoutes } from './billing.ts';
import { pathParamNames, toOpenApiPath } from './http.ts';
import { operationId, restApis } from './routes.ts';

const allRoutes = restApis.flatMap((api) =>
  Object.entries(api.routes).map(([name, route]) => ({ service: api.service, name, route })),
);
const label = (entry: (typeof allRoutes)[number]) =>
  `${entry.service} ${entry.route.method.toUpperCase()} ${entry.route.path}`;

describe('route tables', () => {
  test('when a path has parameters, the params schema has exactly those keys', () => {
    for (const entry of allRoutes) {
      const declared = Object.keys(entry.route.params?.shape ?? {}).sort();
      assert.deepEqual(declared, pathParamNames(entry.route.path).sort(), label(entry));
    }
  });

  test('when two routes share a method and path, the table is ambiguous (none do)', () => {
    const keys = allRoutes.map((entry) => `${entry.route.method} ${entry.route.path}`);
    assert.equal(new Set(keys).size, keys.length);
    const ids = allRoutes.map((entry) => operationId(entry.service, entry.name));
    assert.equal(new Set(ids).size, ids.length);
  });

  test('when a route needs credentials, it documents a 401; every route documents a success', () => {
    for (const entry of allRoutes) {
      const statuses = Object.keys(entry.route.responses).map(Number);
      assert.ok(
        statuses.some((status) => status >= 200 && status < 300),
        label(entry),
      );
      if (entry.route.auth === 'session' || entry.route.auth === 'admin') {
        assert.ok(statuses.includes(401), `${label(entry)} lacks 401`);
      }
    }
  });

  test('when a route mutates payment or places an order, it requires an Idempotency-Key', () => {
    const mutations = allRoutes.filter(
      (entry) =>
        (entry.service === 'payment' && entry.route.method !== 'get') ||
        entry.name === 'placeOrder' ||
        entry.name === 'checkout',
    );
    assert.equal(mutations.length, 7);
    for (const entry of mutations) {
      assert.equal(entry.route.headers?.safeParse({}).success, false, label(entry));
      assert.ok(entry.route.responses[422], `${label(entry)} documents 422 for a reused key`);
    }
  });

  test('when an express path is documented, its parameters use OpenAPI braces', () => {
    assert.equal(
      toOpenApiPath('/users/:userId/addresses/:addressId'),
      '/users/{userId}/addresses/{addressId}',
    );
    assert.equal(operationId('front-end', 'listProducts'), 'frontEndListProducts');
  });

  test('when the order list is asked for with text, page and pageSize are coerced', () => {
    assert.deepEqual(billingRoutes.listOrders.query.parse({ page: '3', pageSize: '10' }), {
      page: 3,
      pageSize: 10,
    });
  });
});
