// The quote over REST (POST /quotes on shipping's HTTP port), as billing and the front-end call it
// with SHIPPING_TRANSPORT=rest: the same answer as the ZeroRPC method from the same rate tables,
// only for the callers the route lists, a 400 naming the field for a body that breaks the
// contract, and the RPC's UnsupportedDestination as a 422 `unsupported_destination`.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorBody } from '@trio/contracts/common';
import { ShippingQuote } from '@trio/contracts/shipping';
import { useTestInfra } from '@trio/testing/infra';
import { remoteError, startShipping, type TestShipping } from './support/shipping.ts';

let shipping: TestShipping;
useTestInfra(startShipping, (made) => {
  shipping = made.running;
});

const destination = { country: 'FR', postalCode: '75001' };
const parcels = [{ weightGrams: 500 }, { weightGrams: 6_000 }];
const quoteOverRest = (body: unknown, as?: 'billing' | 'front-end' | 'payment' | null) =>
  shipping.http.request('POST', '/quotes', { body, ...(as === undefined ? {} : { as }) });

describe('POST /quotes', () => {
  test('billing and the front-end get the quote the ZeroRPC method gives', async () => {
    const overRpc = await shipping.client.call('quote', destination, parcels);
    for (const caller of ['billing', 'front-end'] as const) {
      const reply = await quoteOverRest({ destination, parcels }, caller);
      assert.equal(reply.status, 200, caller);
      assert.deepEqual(ShippingQuote.parse(reply.body), overRpc, caller);
    }
  });

  test('without an identity token the answer is 401; a service the route does not list gets 403', async () => {
    const anonymous = await quoteOverRest({ destination, parcels }, null);
    assert.equal(anonymous.status, 401);
    assert.equal(ErrorBody.parse(anonymous.body).error.code, 'unauthorized');
    const payment = await quoteOverRest({ destination, parcels }, 'payment');
    assert.equal(payment.status, 403);
    assert.equal(ErrorBody.parse(payment.body).error.code, 'forbidden');
  });

  test('a body that breaks the contract is a 400 naming every failing field', async () => {
    const reply = await quoteOverRest({ destination: { country: 'fr' }, parcels: [{ weightGrams: 30_001 }] });
    assert.equal(reply.status, 400);
    const { error } = ErrorBody.parse(reply.body);
    assert.equal(error.code, 'validation_failed');
    assert.deepEqual(error.details?.map((detail) => detail.path).sort(), [
      'destination.country',
      'destination.postalCode',
      'parcels[0].weightGrams',
    ]);
  });

  test('a country the shop does not ship to is a 422, as UnsupportedDestination is over ZeroRPC', async () => {
    const reply = await quoteOverRest({ destination: { country: 'KP', postalCode: '1' }, parcels });
    assert.equal(reply.status, 422);
    const { error } = ErrorBody.parse(reply.body);
    assert.equal(error.code, 'unsupported_destination');
    const overRpc = await remoteError(
      shipping.client.call('quote', { country: 'KP', postalCode: '1' }, parcels),
    );
    assert.equal(overRpc.name, 'UnsupportedDestination');
    assert.equal(error.message, overRpc.message);
  });

  test('shipping’s metrics count the quote by route and status, beside the ZeroRPC calls', async () => {
    await quoteOverRest({ destination, parcels });
    const { body } = await shipping.admin('/metrics');
    assert.match(body, /http_server_request_duration_seconds_count\{[^}]*route="\/quotes"[^}]*\} \d+/);
  });
});
