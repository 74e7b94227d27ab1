// SHIPPING_TRANSPORT=rest: the front-end's live quote and billing's authoritative one go to
// shipping's REST route instead of its ZeroRPC method, by configuration alone. The shopper sees the
// same: the quote ZeroRPC gives for the cart, the same 400 for a country the shop does not ship to,
// an order priced with that quote (or failed with shipping_unavailable, as billing fails it over
// ZeroRPC); and shipping's metrics show the calls arriving over HTTP only.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseEnv } from 'node:util';
import { ErrorBody } from '@trio/contracts/common';
import { ApiCheckoutResponse, ApiOrder } from '@trio/contracts/front-end';
import { ShippingQuote, shippingRpc, splitIntoParcels } from '@trio/contracts/shipping';
import { createRpcClient } from '@trio/rpc/client';
import { parseConfig } from '@trio/service-runtime/config';
import { useTestInfra } from '@trio/testing/infra';
import { Config } from '../src/config.ts';
import { address, type Storefront, startStorefront, successCard } from './support/shop.ts';

const rest = { SHIPPING_TRANSPORT: 'rest' };
let shop: Storefront;
useTestInfra(
  (infra) => startStorefront(infra, { env: rest, billingEnv: rest }),
  (made) => {
    shop = made.running;
  },
);

async function shopperWithCart(weightGrams: number, qty: number) {
  const client = shop.browserClient();
  const email = `transport-${crypto.randomUUID()}@example.com`;
  const user = await client.request('POST', '/api/users', {
    json: { email, password: 'correct horse battery staple', name: 'Ada REST' },
  });
  assert.equal(user.status, 201, JSON.stringify(user.body));
  const sku = await shop.peers.product({ price: 1999, stock: 10, weightGrams });
  const added = await client.request('POST', '/api/cart/items', { json: { sku, qty } });
  assert.ok(added.status < 300, JSON.stringify(added.body));
  return client;
}

/** The same quote asked of shipping's ZeroRPC port directly, with the shop's CURVE keys. */
async function quoteOverZeroRpc(destination: { country: string; postalCode: string }, grams: number) {
  const { addresses } = shop.peers;
  const client = createRpcClient({
    service: shippingRpc,
    endpoints: addresses.SHIPPING_ADDR!,
    retry: false,
    curve: {
      serverKey: addresses.SHIPPING_CURVE_KEY!,
      publicKey: addresses.RPC_CURVE_PUBLIC_KEY!,
      secretKey: addresses.RPC_CURVE_SECRET_KEY!,
    },
  });
  try {
    return await client.methods.quote(destination, splitIntoParcels(grams)!);
  } finally {
    await client.close();
  }
}

async function shippingMetrics(): Promise<string> {
  return (await fetch(`${shop.peers.adminUrls.shipping}/metrics`)).text();
}

/** The count of the first series of `metric` whose labels include every one of `labels`. */
function count(metrics: string, metric: string, labels: readonly string[]): number {
  const line = metrics
    .split('\n')
    .find((each) => each.startsWith(`${metric}{`) && labels.every((label) => each.includes(label)));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

/** Quotes shipping answered: over HTTP on POST /quotes (200s), and over ZeroRPC (`quote`, ok). */
async function quotesAnswered() {
  const metrics = await shippingMetrics();
  return {
    rest: count(metrics, 'http_server_request_duration_seconds_count', ['route="/quotes"', 'status="200"']),
    zerorpc: count(metrics, 'rpc_server_request_duration_seconds_count', ['method="quote"', 'outcome="ok"']),
  };
}

describe('SHIPPING_TRANSPORT at start', () => {
  const example = parseEnv(readFileSync(new URL('../.env.example', import.meta.url), 'utf8'));

  test('is zerorpc unless set, and rest when set so', () => {
    const { SHIPPING_TRANSPORT: _unset, ...others } = example;
    assert.equal(parseConfig(Config, others).SHIPPING_TRANSPORT, 'zerorpc');
    assert.equal(parseConfig(Config, { ...example, SHIPPING_TRANSPORT: 'rest' }).SHIPPING_TRANSPORT, 'rest');
  });

  test('any other value stops the start, naming the variable and the choices', () => {
    assert.throws(
      () => parseConfig(Config, { ...example, SHIPPING_TRANSPORT: 'grpc' }),
      /SHIPPING_TRANSPORT: must be zerorpc or rest/,
    );
  });
});

describe('with SHIPPING_TRANSPORT=rest', () => {
  test('the checkout quote is the one ZeroRPC gives for the cart, and it came over REST', async () => {
    const client = await shopperWithCart(1_800, 3);
    const destination = { country: 'AT', postalCode: '1010' };
    const overZeroRpc = await quoteOverZeroRpc(destination, 5_400);
    const before = await quotesAnswered();
    const reply = await client.request('POST', '/api/checkout/quote', { json: { destination } });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.deepEqual(ShippingQuote.parse(reply.body), overZeroRpc);
    assert.deepEqual(await quotesAnswered(), { rest: before.rest + 1, zerorpc: before.zerorpc });
  });

  test('a country the shop does not ship to is the same 400 on destination.country', async () => {
    const client = await shopperWithCart(400, 1);
    const reply = await client.request('POST', '/api/checkout/quote', {
      json: { destination: { country: 'KP', postalCode: '1' } },
    });
    assert.equal(reply.status, 400);
    const { error } = ErrorBody.parse(reply.body);
    assert.equal(error.code, 'validation_failed');
    assert.deepEqual(
      error.details?.map((detail) => detail.path),
      ['destination.country'],
    );
    assert.match(error.message, /KP/);
  });

  test('billing prices the order with the REST quote; no quote goes over ZeroRPC', async () => {
    const client = await shopperWithCart(1_000, 2);
    const express = (await quoteOverZeroRpc(address, 2_000)).options.find(
      (option) => option.service === 'express',
    );
    const before = await quotesAnswered();
    const placed = await client.request('POST', '/api/checkout', {
      json: { address, shipping: 'express', card: successCard },
      headers: { 'idempotency-key': crypto.randomUUID() },
    });
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    const { orderId, status } = ApiCheckoutResponse.parse(placed.body);
    assert.equal(status, 'confirmed');
    const order = ApiOrder.parse((await client.get(`/api/orders/${orderId}`)).body);
    assert.deepEqual(order.totals.shipping, express?.price);
    // Billing's one quote of the saga, over HTTP.
    assert.deepEqual(await quotesAnswered(), { rest: before.rest + 1, zerorpc: before.zerorpc });
  });

  test('billing fails an order to a country the shop does not ship to with shipping_unavailable', async () => {
    const client = await shopperWithCart(400, 1);
    const placed = await client.request('POST', '/api/checkout', {
      json: { address: { ...address, country: 'AQ' }, shipping: 'standard', card: successCard },
      headers: { 'idempotency-key': crypto.randomUUID() },
    });
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    const { orderId } = ApiCheckoutResponse.parse(placed.body);
    const order = ApiOrder.parse((await client.get(`/api/orders/${orderId}`)).body);
    assert.equal(order.status, 'failed');
    assert.equal(order.reason, 'shipping_unavailable');
  });
});
