// Profiles limits registrations per shopper address (here 2); the storefront names the shopper's
// address to it and passes its refusal on as the contract declares: 429 with Retry-After and the
// error body, not a 503. A shopper from another address registers as usual.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorBody } from '@trio/contracts/common';
import { frontEndRoutes } from '@trio/contracts/front-end';
import { createHttpClient, type HttpClient } from '@trio/testing/http-client';
import { useTestInfra } from '@trio/testing/infra';
import { type Storefront, startStorefront } from './support/shop.ts';

let shop: Storefront;
useTestInfra(
  (infra) => startStorefront(infra, { profilesEnv: { REGISTRATIONS_PER_ADDRESS: '2' } }),
  (made) => {
    shop = made.running;
  },
);

test('past its registrations an address gets 429 with Retry-After; another address registers', async () => {
  const from = (address: string) => createHttpClient(shop.url, { from: address });
  const register = (client: HttpClient) =>
    client.request('POST', '/api/users', {
      body: {
        email: `limit-${crypto.randomUUID()}@example.com`,
        password: 'correct horse battery',
        name: 'Bot',
      },
      headers: { origin: new URL(shop.url).origin },
    });
  const farm = from('127.0.9.2');
  assert.equal((await register(farm)).status, 201);
  assert.equal((await register(farm)).status, 201);
  const refused = await register(farm);
  assert.equal(refused.status, 429, JSON.stringify(refused.body));
  assert.ok(Object.hasOwn(frontEndRoutes.register.responses, refused.status), 'the contract declares it');
  assert.ok(Number(refused.headers.get('retry-after')) > 0, 'Retry-After');
  assert.match(ErrorBody.parse(refused.body).error.message, /./);
  assert.equal((await register(from('127.0.9.3'))).status, 201, 'another shopper is not refused');
});
