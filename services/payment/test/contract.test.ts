// Payment serves every route of its contract table (@trio/contracts/payment), and every answer,
// success or error, has a status the table declares and a body that parses with the table's schema
// for that status: what the OpenAPI document promises is what the service does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RouteDefinition } from '@trio/contracts/http';
import { Payment, paymentRoutes, StoredCard } from '@trio/contracts/payment';
import { useTestInfra } from '@trio/testing/infra';
import {
  authorizeBody,
  cardBody,
  cards,
  owner,
  type RequestOptions,
  startPayment,
  type TestPayment,
} from './support/payment.ts';

type RouteName = keyof typeof paymentRoutes;

let payment: TestPayment;
useTestInfra(startPayment, (made) => {
  payment = made.running;
});

// Statuses the contract declares that this service never answers: an authorization has no state
// to conflict with (a concurrent duplicate waits for the first answer instead of getting a 409).
const unreachable: Partial<Record<RouteName, number[]>> = { authorize: [409] };

test('every route of the contract is served, and every answer matches the contract for its status', async () => {
  const authorized = async () =>
    Payment.parse((await payment.post('/payments', authorizeBody(cards.succeeds))).body).id;
  const [toCapture, toVoid, toRefund] = [await authorized(), await authorized(), await authorized()];
  await payment.post(`/payments/${toRefund}/capture`, {});
  const unknown = crypto.randomUUID();
  const eur = (amount: number) => ({ amount: { amount, currency: 'EUR' } });
  const reused = crypto.randomUUID();
  await payment.post('/payments', authorizeBody(), reused);

  // Requests per route, in order; together they reach every status a client can cause.
  const stored = StoredCard.parse((await payment.post('/cards', cardBody(cards.succeeds))).body);
  const exchanges: [RouteName, string, RequestOptions?][] = [
    ['createCard', '/cards', { body: cardBody(cards.succeeds) }],
    ['createCard', '/cards', { body: cardBody('4242424242424241') }],
    ['createCard', '/cards', { body: cardBody(cards.succeeds), key: reused }],
    ['createCard', '/cards', { body: cardBody(cards.succeeds, { cvc: 'x'.repeat(200_000) }) }],
    ['getCard', `/cards/${stored.token}?owner=${owner}`],
    ['getCard', `/cards/${stored.token}?owner=someone-else`],
    ['getCard', '/cards/not-a-token?owner=someone-else'],
    ['authorize', '/payments', { body: authorizeBody(cards.succeeds) }],
    ['authorize', '/payments', { body: authorizeBody(cards.declined) }],
    ['authorize', '/payments', { body: authorizeBody('4242424242424241') }],
    ['authorize', '/payments', { body: authorizeBody(), key: reused }],
    ['authorize', '/payments', { body: authorizeBody(cards.succeeds, { orderId: 'x'.repeat(200_000) }) }],
    ['getPayment', `/payments/${toCapture}`],
    ['getPayment', `/payments/${unknown}`],
    ['getPayment', '/payments/not-a-uuid'],
    ['capture', `/payments/${toCapture}/capture`, { body: eur(100) }],
    ['capture', `/payments/${toCapture}/capture`, { body: {} }],
    ['capture', `/payments/${unknown}/capture`, { body: {} }],
    ['capture', `/payments/${toCapture}/capture`, { body: {}, key: null }],
    ['capture', `/payments/${toCapture}/capture`, { body: {}, key: reused }],
    ['void', `/payments/${toVoid}/void`],
    ['void', `/payments/${toVoid}/void`],
    ['void', `/payments/${unknown}/void`],
    ['void', '/payments/not-a-uuid/void'],
    ['void', `/payments/${toVoid}/void`, { key: reused }],
    ['refund', `/payments/${toRefund}/refund`, { body: { ...eur(1), reason: 'goodwill' } }],
    ['refund', `/payments/${toVoid}/refund`, { body: {} }],
    ['refund', `/payments/${unknown}/refund`, { body: {} }],
    ['refund', `/payments/${toRefund}/refund`, { body: eur(0) }],
    ['refund', `/payments/${toRefund}/refund`, { body: {}, key: reused }],
  ];

  const seen = new Map<RouteName, Set<number>>();
  for (const [name, path, options] of exchanges) {
    const route: RouteDefinition = paymentRoutes[name];
    const reply = await payment.request(route.method.toUpperCase(), path, options);
    const declared = route.responses[reply.status];
    assert.ok(declared, `${name} ${path} answered ${reply.status}, which its contract does not declare`);
    const parsed = declared.body?.safeParse(reply.body);
    assert.ok(parsed?.success, `${name} ${reply.status}: ${JSON.stringify(parsed?.error?.issues)}`);
    seen.set(name, (seen.get(name) ?? new Set()).add(reply.status));
  }
  // Every route, and every status of each route it can answer, was reached at least once.
  assert.deepEqual(
    Object.fromEntries([...seen].map(([name, statuses]) => [name, [...statuses].sort()])),
    Object.fromEntries(
      Object.entries(paymentRoutes).map(([name, route]) => [
        name,
        Object.keys(route.responses)
          .map(Number)
          .filter((status) => !unreachable[name as RouteName]?.includes(status))
          .sort(),
      ]),
    ),
  );
});
