// The fakes as a consumer meets them: the real middleware's caller check and validation, the dev
// session, scenarios per request (header) and at run time (control server), state where the real
// peer has state, ZeroRPC named errors, and no start in production.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { inventoryRpc } from '@trio/contracts/inventory';
import { createRpcClient } from '@trio/rpc/client';
import { RemoteError } from '@trio/rpc/errors';
import { callerHeaders, identityEnv } from '@trio/testing/identity';
import { rejectionOf } from '@trio/testing/wait';
import { type RunningFakes, startFakes } from '../src/start.ts';

let fakes: RunningFakes;
let payment: string;
let catalog: string;
let profiles: string;

before(async () => {
  const ids: Record<string, Record<string, string>> = {};
  for (const name of ['catalog', 'profiles', 'payment', 'inventory']) ids[name] = await identityEnv(name);
  const consumer = { CATALOG_URL: 'x', PROFILES_URL: 'x', PAYMENT_URL: 'x', INVENTORY_ADDR: 'x' };
  fakes = await startFakes({
    consumer: 'billing',
    envOf: (name) => (name === 'billing' ? consumer : (ids[name] ?? {})),
  });
  payment = fakes.env.PAYMENT_URL ?? '';
  catalog = fakes.env.CATALOG_URL ?? '';
  profiles = fakes.env.PROFILES_URL ?? '';
});
after(() => fakes?.close());

const json = { 'content-type': 'application/json' };
const card = { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' };
const authorize = async (extra: Record<string, string> = {}, body: object = {}) =>
  fetch(`${payment}/payments`, {
    method: 'POST',
    headers: {
      ...json,
      ...(await callerHeaders('billing', 'payment')),
      'idempotency-key': crypto.randomUUID(),
      ...extra,
    },
    body: JSON.stringify({
      orderId: crypto.randomUUID(),
      amount: { amount: 100, currency: 'EUR' },
      owner: 'o-1',
      source: { type: 'card', card },
      ...body,
    }),
  });

describe('the fakes', () => {
  test('check callers as the real service: no token 401, a caller the route does not list 403', async () => {
    assert.equal((await fetch(`${payment}/payments`, { method: 'POST' })).status, 401);
    const asFrontEnd = await fetch(`${payment}/cards/tok_abcdefgh1234?owner=o-1`, {
      headers: await callerHeaders('front-end', 'payment'),
    });
    assert.equal(asFrontEnd.status, 403);
  });

  test('validate requests as the real service: one 400 naming every failing field', async () => {
    const bad = await authorize(
      {},
      {
        amount: { amount: -1, currency: 'EUR' },
        source: { type: 'card', card: { ...card, number: '4242424242424241' } },
      },
    );
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as { error: { code: string; details: { path: string }[] } };
    assert.equal(body.error.code, 'validation_failed');
    assert.deepEqual(body.error.details.map((detail) => detail.path).sort(), [
      'amount.amount',
      'source.card.number',
    ]);
  });

  test('payment: scenarios per request (header) and at run time; a payment has the real life cycle', async () => {
    assert.equal((await authorize({ 'trio-fake-scenario': 'decline' })).status, 402);
    const approved = (await (await authorize()).json()) as { id: string; status: string };
    assert.equal(approved.status, 'authorized');
    const step = async (path: string) =>
      fetch(`${payment}/payments/${approved.id}/${path}`, {
        method: 'POST',
        headers: {
          ...json,
          ...(await callerHeaders('billing', 'payment')),
          'idempotency-key': crypto.randomUUID(),
        },
        body: '{}',
      });
    assert.equal((await step('void')).status, 200);
    assert.equal((await step('capture')).status, 409, 'a voided payment is not captured');
    const control = await fetch(`${fakes.controlUrl}/scenarios/payment/decline`, { method: 'PUT' });
    assert.equal(control.status, 204);
    const declined = await authorize();
    assert.equal(declined.status, 402);
    assert.equal(((await declined.json()) as { error: { code: string } }).error.code, 'card_declined');
    assert.equal((await fetch(`${fakes.controlUrl}/scenarios/payment/nope`, { method: 'PUT' })).status, 404);
    fakes.board.set('payment', 'approve');
  });

  test('catalog serves the demo catalogue; profiles knows the dev session and nothing else', async () => {
    const product = await fetch(`${catalog}/products/KIT-0001`, {
      headers: await callerHeaders('billing', 'catalog'),
    });
    assert.equal(product.status, 200);
    const session = async (token: string) =>
      fetch(`${profiles}/sessions/current`, {
        headers: { authorization: `Bearer ${token}`, ...(await callerHeaders('billing', 'profiles')) },
      }).then(async (response) => response.status);
    assert.equal(await session('trio-dev-session'), 200);
    assert.equal(await session('made-up'), 401);
  });

  test('inventory: a reservation holds stock until released; OutOfStock names the skus', async () => {
    const client = createRpcClient({
      service: inventoryRpc,
      endpoints: fakes.env.INVENTORY_ADDR ?? '',
      retry: false,
      timeoutMs: 5_000,
    });
    try {
      const before = (await client.methods.getStock(['KIT-0001']))['KIT-0001'] ?? 0;
      const orderId = crypto.randomUUID();
      await client.methods.reserve(orderId, [{ sku: 'KIT-0001', qty: 1 }], 60);
      assert.equal((await client.methods.getStock(['KIT-0001']))['KIT-0001'], before - 1);
      assert.deepEqual(await client.methods.release(orderId), { orderId, released: true });
      assert.equal((await client.methods.getStock(['KIT-0001']))['KIT-0001'], before);
      fakes.board.set('inventory', 'out-of-stock');
      const error = await rejectionOf(
        client.methods.reserve(crypto.randomUUID(), [{ sku: 'KIT-0001', qty: 1 }], 60),
        RemoteError,
      );
      assert.equal(error.name, 'OutOfStock');
      assert.deepEqual(error.details, { skus: ['KIT-0001'] });
    } finally {
      fakes.board.set('inventory', 'in-stock');
      await client.close();
    }
  });

  test('refuse to start in production', async () => {
    await assert.rejects(
      startFakes({ consumer: 'billing', envOf: () => ({}), production: true }),
      /NODE_ENV=production/,
    );
  });
});
