// billing serves every route of its contract table (@trio/contracts/billing), and every answer,
// success or error, has a status the table declares and a body that parses with the table's schema
// for that status: what the OpenAPI document promises is what the service does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { billingRoutes, Order } from '@trio/contracts/billing';
import type { RouteDefinition } from '@trio/contracts/http';
import { useTestInfra } from '@trio/testing/infra';
import { checkout, startShop, type TestShop } from './support/shop.ts';

type RouteName = keyof typeof billingRoutes;

let shop: TestShop;
useTestInfra(startShop, (made) => {
  shop = made.running;
});

// Declared but never answered: concurrent copies of one order wait for the first instead of a 409.
const unreachable: Partial<Record<RouteName, number[]>> = { placeOrder: [409] };

test('every route of the contract is served, and every answer matches the contract for its status', async () => {
  const { token } = await shop.customer();
  const sku = await shop.product({ stock: 5 });
  const reused = crypto.randomUUID();
  const placed = Order.parse((await shop.placeOrder(token, checkout([{ sku }]), reused)).body);
  const unknown = crypto.randomUUID();
  const key = () => ({ 'idempotency-key': crypto.randomUUID() });

  type Exchange = [RouteName, string, { token?: string; body?: unknown; headers?: Record<string, string> }];
  const exchanges: Exchange[] = [
    ['placeOrder', '/orders', { token, body: checkout([{ sku }]), headers: key() }],
    ['placeOrder', '/orders', { token, body: checkout([{ sku, qty: 0 }]), headers: key() }],
    ['placeOrder', '/orders', { body: checkout([{ sku }]), headers: key() }],
    [
      'placeOrder',
      '/orders',
      { token, body: checkout([{ sku, qty: 2 }]), headers: { 'idempotency-key': reused } },
    ],
    [
      'placeOrder',
      '/orders',
      { token, body: { ...checkout([{ sku }]), pad: 'x'.repeat(200_000) }, headers: key() },
    ],
    ['listOrders', '/orders', { token }],
    ['listOrders', '/orders?page=0', { token }],
    ['listOrders', '/orders', {}],
    ['getOrder', `/orders/${placed.id}`, { token }],
    ['getOrder', `/orders/${unknown}`, { token }],
    ['getOrder', '/orders/not-a-uuid', { token }],
    ['getOrder', `/orders/${placed.id}`, {}],
    ['getInvoice', `/invoices/${placed.invoiceId}`, { token }],
    ['getInvoice', `/invoices/${unknown}`, { token }],
    ['getInvoice', '/invoices/not-a-uuid', { token }],
    ['getInvoice', `/invoices/${placed.invoiceId}`, {}],
  ];

  const seen = new Map<RouteName, Set<number>>();
  for (const [name, path, options] of exchanges) {
    const route: RouteDefinition = billingRoutes[name];
    const reply = await shop.billing.http.request(route.method.toUpperCase(), path, options);
    const declared = route.responses[reply.status];
    assert.ok(declared, `${name} ${path} answered ${reply.status}, which its contract does not declare`);
    const parsed = declared.body?.safeParse(reply.body);
    assert.ok(parsed?.success, `${name} ${reply.status}: ${JSON.stringify(parsed?.error?.issues)}`);
    seen.set(name, (seen.get(name) ?? new Set()).add(reply.status));
  }
  assert.deepEqual(
    Object.fromEntries([...seen].map(([name, statuses]) => [name, [...statuses].sort()])),
    Object.fromEntries(
      Object.entries(billingRoutes).map(([name, route]) => [
        name,
        Object.keys(route.responses)
          .map(Number)
          .filter((status) => !unreachable[name as RouteName]?.includes(status))
          .sort(),
      ]),
    ),
  );
});

test('health, readiness and metrics answer, with the saga’s own series', async () => {
  const http = shop.billing.http;
  assert.equal((await http.get('/healthz')).status, 200);
  const ready = await http.get('/readyz');
  assert.equal(ready.status, 200, JSON.stringify(ready.body));
  const metrics = await http.get('/metrics');
  assert.equal(metrics.status, 200);
  assert.match(String(metrics.body), /billing_checkouts_total\{[^}]*outcome="invoiced"[^}]*\} \d+/);
  assert.match(String(metrics.body), /billing_checkout_duration_seconds_bucket/);
  assert.match(String(metrics.body), /rpc_client_/);
});
