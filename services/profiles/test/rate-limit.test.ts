// Login and registration limits, following OWASP's authentication guidance: failures are counted
// (per email and shopper address, and per address across emails), never successes; the wait after
// the free failures doubles; registrations are counted per address. Every shopper of a test is a
// address of its own, named by the front-end in `trio-shopper-address` as it does in production;
// profiles believes that header from the front-end only. Each test runs its own profiles under
// its own Redis prefix.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ErrorBody } from '@trio/contracts/common';
import { createHttpClient, type HttpClient, type RequestOptions } from '@trio/testing/http-client';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import { startProfiles, type TestProfiles, uniqueEmail } from './support/profiles.ts';

let infra: TestInfra;

before(async () => {
  infra = await createTestInfra();
});

after(async () => {
  await infra?.drop();
});

/** Runs `body` against a profiles with `env`, stopped afterwards whatever happens. */
async function withProfiles(
  name: string,
  env: Record<string, string>,
  body: (profiles: TestProfiles, shopper: (n: number) => HttpClient) => Promise<void>,
): Promise<void> {
  const profiles = await startProfiles(infra, { REDIS_KEY_PREFIX: `${infra.redis.prefix}${name}:`, ...env });
  try {
    await body(profiles, (n) => shopperThroughFrontEnd(profiles.url, `198.51.100.${n}`));
  } finally {
    await profiles.stop();
  }
}

/** The front-end's calls on behalf of the shopper at `address`. */
function shopperThroughFrontEnd(url: string, address: string): HttpClient {
  const frontEnd = createHttpClient(url, { as: 'front-end', audience: 'profiles' });
  const named = (options: RequestOptions = {}) => ({
    ...options,
    headers: { ...options.headers, 'trio-shopper-address': address },
  });
  return {
    request: (method, path, options) => frontEnd.request(method, path, named(options)),
    get: (path) => frontEnd.request('GET', path, named()),
  };
}

const password = 'right-password';
const login = (client: HttpClient, email: string, secret: string) =>
  client.request('POST', '/sessions', { body: { email, password: secret } });

async function registered(client: HttpClient): Promise<string> {
  const email = uniqueEmail();
  const reply = await client.request('POST', '/users', { body: { email, password, name: 'Ann' } });
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  return email;
}

function retryAfterOf(reply: { status: number; headers: Headers; body: unknown }): number {
  assert.equal(reply.status, 429, JSON.stringify(reply.body));
  assert.equal(ErrorBody.parse(reply.body).error.code, 'rate_limited');
  const retryAfter = Number(reply.headers.get('retry-after'));
  assert.ok(
    Number.isInteger(retryAfter) && retryAfter > 0,
    `Retry-After: ${reply.headers.get('retry-after')}`,
  );
  return retryAfter;
}

test('after the free failures of an email from one address, each attempt waits, twice as long each time', () =>
  withProfiles(
    'backoff',
    { LOGIN_FREE_FAILURES: '2', LOGIN_BACKOFF_SECONDS: '1', LOGIN_MAX_BACKOFF_SECONDS: '60' },
    async (_profiles, shopper) => {
      const ann = shopper(11);
      const email = await registered(ann);
      assert.equal((await login(ann, email, 'wrong')).status, 401);
      assert.equal((await login(ann, email, 'wrong')).status, 401);
      // Two failures: the next attempt waits a second, even with the right password.
      const first = retryAfterOf(await login(ann, email, password));
      assert.equal(first, 1);
      await new Promise((resolve) => setTimeout(resolve, first * 1000 + 100));
      assert.equal((await login(ann, email, 'wrong')).status, 401);
      // A third failure: two seconds now.
      assert.equal(retryAfterOf(await login(ann, email, password)), 2);
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      // The right password once the wait is over, and a success forgets the failures.
      assert.equal((await login(ann, email, password)).status, 201);
      assert.equal((await login(ann, email, 'wrong')).status, 401);
      assert.equal((await login(ann, email, password)).status, 201);
    },
  ));

test('somebody else’s failures do not lock a shopper out of their account', () =>
  withProfiles(
    'victim',
    { LOGIN_FREE_FAILURES: '3', LOGIN_BACKOFF_SECONDS: '600' },
    async (_profiles, shopper) => {
      const owner = shopper(21);
      const attacker = shopper(22);
      const email = await registered(owner);
      for (let attempt = 1; attempt <= 3; attempt++) {
        assert.equal((await login(attacker, email, `guess-${attempt}`)).status, 401);
      }
      // The attacker now waits ten minutes for this email; its owner does not.
      retryAfterOf(await login(attacker, email, password));
      assert.equal((await login(owner, email, password)).status, 201);
    },
  ));

test('one address failing across many emails is stopped, other addresses are not', () =>
  withProfiles('stuffing', { LOGIN_MAX_FAILURES_PER_ADDRESS: '4' }, async (_profiles, shopper) => {
    const stuffer = shopper(31);
    for (let attempt = 1; attempt <= 4; attempt++) {
      assert.equal((await login(stuffer, uniqueEmail(), 'wrong')).status, 401);
    }
    const retryAfter = retryAfterOf(await login(stuffer, uniqueEmail(), 'wrong'));
    assert.ok(retryAfter <= 15 * 60, `Retry-After: ${retryAfter}`);
    const other = shopper(32);
    assert.equal((await login(other, uniqueEmail(), 'wrong')).status, 401);
    // Validation comes first: a malformed body is a 400 even for a stopped address.
    const invalid = await stuffer.request('POST', '/sessions', { body: { email: 'x', password: '' } });
    assert.equal(invalid.status, 400);
  }));

test('successes are never counted: twenty logins from one address all succeed', () =>
  withProfiles(
    'successes',
    { LOGIN_FREE_FAILURES: '2', LOGIN_MAX_FAILURES_PER_ADDRESS: '3' },
    async (_profiles, shopper) => {
      const frontDoor = shopper(41);
      const email = await registered(frontDoor);
      for (let attempt = 1; attempt <= 20; attempt++) {
        assert.equal((await login(frontDoor, email, password)).status, 201, `login ${attempt}`);
      }
    },
  ));

test('registrations are limited per address, and a refused one creates no account', () =>
  withProfiles('register', { REGISTRATIONS_PER_ADDRESS: '2' }, async (_profiles, shopper) => {
    const farm = shopper(51);
    await registered(farm);
    await registered(farm);
    const email = uniqueEmail();
    const refused = await farm.request('POST', '/users', { body: { email, password, name: 'Bot' } });
    retryAfterOf(refused);
    assert.match(ErrorBody.parse(refused.body).error.message, /registrations/);
    assert.equal((await login(shopper(52), email, password)).status, 401, 'no account was created');
    // Another shopper registers as usual.
    await registered(shopper(53));
  }));

test('the shopper address is the front-end’s word only: without it, the caller’s own address counts', () =>
  withProfiles('socket', { LOGIN_MAX_FAILURES_PER_ADDRESS: '2' }, async (profiles) => {
    // The front-end naming no address (a direct call from one host): its own address is counted.
    const host = createHttpClient(profiles.url, {
      as: 'front-end',
      audience: 'profiles',
      from: '127.0.0.61',
    });
    assert.equal((await login(host, uniqueEmail(), 'wrong')).status, 401);
    assert.equal((await login(host, uniqueEmail(), 'wrong')).status, 401);
    retryAfterOf(await login(host, uniqueEmail(), 'wrong'));
    // Another host is another address.
    const other = createHttpClient(profiles.url, {
      as: 'front-end',
      audience: 'profiles',
      from: '127.0.0.62',
    });
    assert.equal((await login(other, uniqueEmail(), 'wrong')).status, 401);
    // A malformed address is not believed either: the caller's own counts.
    const garbled = await host.request('POST', '/sessions', {
      body: { email: uniqueEmail(), password: 'wrong' },
      headers: { 'trio-shopper-address': 'not-an-address' },
    });
    assert.ok([400, 429].includes(garbled.status), `status ${garbled.status}`);
  }));
