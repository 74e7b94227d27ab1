// Profiles serves every route of its contract table (@trio/contracts/profiles), and every answer,
// success or error, has a status the table declares and a body that parses with the table's schema
// for that status: what the OpenAPI document promises is what the service does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RouteDefinition } from '@trio/contracts/http';
import { profilesRoutes, SavedAddress, shopperAddressHeader } from '@trio/contracts/profiles';
import { uniqueShopperAddress } from '@trio/testing/ids';
import { useTestInfra } from '@trio/testing/infra';
import {
  addressBody,
  type RequestOptions,
  startProfiles,
  type TestProfiles,
  uniqueEmail,
} from './support/profiles.ts';

type RouteName = keyof typeof profilesRoutes;

let profiles: TestProfiles;
useTestInfra(
  (infra) => startProfiles(infra, { LOGIN_FREE_FAILURES: '1', REGISTRATIONS_PER_ADDRESS: '2' }),
  (made) => {
    profiles = made.running;
  },
);

test('every route of the contract is served, and every answer matches the contract for its status', async () => {
  const ann = await profiles.signUp();
  const toRevoke = await profiles.signUp();
  const limited = await profiles.signUp();
  const token = ann.token;
  const users = `/users/${ann.user.id}`;
  const other = `/users/${toRevoke.user.id}`;
  const address = SavedAddress.parse(
    (await profiles.request('POST', `${users}/addresses`, { token, body: addressBody() })).body,
  );
  const unknown = crypto.randomUUID();
  const credentials = (email: string, password = 'password123') => ({ body: { email, password } });
  // One shopper address registering past its limit (2 here) is refused with 429.
  const farm = { [shopperAddressHeader]: uniqueShopperAddress() };
  const farmed = () => ({
    body: { email: uniqueEmail(), password: 'password123', name: 'Bot' },
    headers: farm,
  });

  // Requests per route, in order; together they reach every status a client can cause.
  const exchanges: [RouteName, string, RequestOptions?][] = [
    ['register', '/users', { body: { email: uniqueEmail(), password: 'password123', name: 'New' } }],
    ['register', '/users', { body: { email: ann.user.email, password: 'password123', name: 'Dup' } }],
    ['register', '/users', { body: { email: 'x', password: 'p', name: '' } }],
    [
      'register',
      '/users',
      { body: { email: uniqueEmail(), password: 'password123', name: 'x'.repeat(200_000) } },
    ],
    ['register', '/users', farmed()],
    ['register', '/users', farmed()],
    ['register', '/users', farmed()],
    ['login', '/sessions', credentials(ann.user.email)],
    ['login', '/sessions', credentials(ann.user.email, 'wrong-password')],
    ['login', '/sessions', { body: { email: ann.user.email } }],
    ['login', '/sessions', credentials(limited.user.email, 'wrong')],
    ['login', '/sessions', credentials(limited.user.email, 'wrong')],
    ['getCurrentSession', '/sessions/current', { token }],
    ['getCurrentSession', '/sessions/current'],
    ['logout', '/sessions/current', { token: toRevoke.token }],
    ['logout', '/sessions/current', { token: toRevoke.token }],
    ['getUser', users, { token }],
    ['getUser', users],
    ['getUser', other, { token }],
    ['getUser', '/users/not-a-uuid', { token }],
    ['updateUser', users, { token, body: { name: 'Renamed' } }],
    ['updateUser', users, { token, body: { name: '' } }],
    ['updateUser', users, { body: { name: 'Renamed' } }],
    ['updateUser', other, { token, body: { name: 'Renamed' } }],
    ['listAddresses', `${users}/addresses`, { token }],
    ['listAddresses', '/users/not-a-uuid/addresses', { token }],
    ['listAddresses', `${users}/addresses`],
    ['listAddresses', `${other}/addresses`, { token }],
    ['addAddress', `${users}/addresses`, { token, body: addressBody({ label: 'Work', isDefault: true }) }],
    ['addAddress', `${users}/addresses`, { token, body: addressBody({ country: 'Germany' }) }],
    ['addAddress', `${users}/addresses`, { body: addressBody() }],
    ['addAddress', `${other}/addresses`, { token, body: addressBody() }],
    ['replaceAddress', `${users}/addresses/${address.id}`, { token, body: addressBody({ city: 'Köln' }) }],
    ['replaceAddress', `${users}/addresses/${address.id}`, { token, body: {} }],
    ['replaceAddress', `${users}/addresses/${address.id}`, { body: addressBody() }],
    ['replaceAddress', `${users}/addresses/${unknown}`, { token, body: addressBody() }],
    ['deleteAddress', `${users}/addresses/${address.id}`, { token }],
    ['deleteAddress', `${users}/addresses/not-a-uuid`, { token }],
    ['deleteAddress', `${users}/addresses/${address.id}`],
    ['deleteAddress', `${users}/addresses/${address.id}`, { token }],
  ];

  const seen = new Map<RouteName, Set<number>>();
  for (const [name, path, options] of exchanges) {
    const route: RouteDefinition = profilesRoutes[name];
    const reply = await profiles.request(route.method.toUpperCase(), path, options);
    const declared = route.responses[reply.status];
    assert.ok(declared, `${name} ${path} answered ${reply.status}, which its contract does not declare`);
    if (declared.body === undefined) assert.equal(reply.body, '', `${name} ${reply.status} has a body`);
    else {
      const parsed = declared.body.safeParse(reply.body);
      assert.ok(parsed.success, `${name} ${reply.status}: ${JSON.stringify(parsed.error?.issues)}`);
    }
    seen.set(name, (seen.get(name) ?? new Set()).add(reply.status));
  }
  // Every route, and every status of each route, was reached at least once.
  assert.deepEqual(
    Object.fromEntries([...seen].map(([name, statuses]) => [name, [...statuses].sort()])),
    Object.fromEntries(
      Object.entries(profilesRoutes).map(([name, route]) => [
        name,
        Object.keys(route.responses).map(Number).sort(),
      ]),
    ),
  );
});
