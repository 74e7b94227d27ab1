// Login attempts are limited per email and per client IP in a fixed window (small limits here).
// Each test runs its own profiles under its own Redis prefix, so their counters do not meet.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ErrorBody } from '@trio/contracts/common';
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
  body: (profiles: TestProfiles) => Promise<void>,
): Promise<void> {
  const profiles = await startProfiles(infra, { REDIS_KEY_PREFIX: `${infra.redis.prefix}${name}:`, ...env });
  try {
    await body(profiles);
  } finally {
    await profiles.stop();
  }
}

const login = (profiles: TestProfiles, email: string, password: string) =>
  profiles.request('POST', '/sessions', { body: { email, password } });

test('after the allowed attempts for an email, even the right password answers 429 with Retry-After', () =>
  withProfiles(
    'email',
    { LOGIN_MAX_ATTEMPTS_PER_EMAIL: '3', LOGIN_WINDOW_SECONDS: '60' },
    async (profiles) => {
      const email = uniqueEmail();
      const body = { email, password: 'right-password', name: 'Ann' };
      assert.equal((await profiles.request('POST', '/users', { body })).status, 201);
      assert.equal((await login(profiles, email, 'wrong')).status, 401);
      assert.equal((await login(profiles, email, 'wrong')).status, 401);
      assert.equal((await login(profiles, email, 'right-password')).status, 201);
      const blocked = await login(profiles, email, 'right-password');
      assert.equal(blocked.status, 429);
      assert.equal(ErrorBody.parse(blocked.body).error.code, 'rate_limited');
      const retryAfter = Number(blocked.headers.get('retry-after'));
      assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After: ${retryAfter}`);
      // Another email from the same client is not affected by this email's counter.
      assert.equal((await login(profiles, uniqueEmail(), 'wrong')).status, 401);
    },
  ));

test('one client trying many emails is limited per IP', () =>
  withProfiles('ip', { LOGIN_MAX_ATTEMPTS_PER_IP: '4' }, async (profiles) => {
    for (let attempt = 1; attempt <= 4; attempt++) {
      assert.equal((await login(profiles, uniqueEmail(), 'wrong')).status, 401);
    }
    const blocked = await login(profiles, uniqueEmail(), 'wrong');
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    // Validation comes first: a malformed body is a 400 even for a blocked client.
    const invalid = await profiles.request('POST', '/sessions', { body: { email: 'x', password: '' } });
    assert.equal(invalid.status, 400);
  }));

test('when the window has passed, the email may try again', () =>
  withProfiles(
    'window',
    // The window must outlast two logins, each an argon2 check that takes over a second on a busy machine.
    { LOGIN_MAX_ATTEMPTS_PER_EMAIL: '1', LOGIN_WINDOW_SECONDS: '4' },
    async (profiles) => {
      const email = uniqueEmail();
      assert.equal((await login(profiles, email, 'wrong')).status, 401);
      const blocked = await login(profiles, email, 'wrong');
      assert.equal(blocked.status, 429);
      // Retry-After is Redis's TTL in whole seconds, rounded: up to half a second early.
      const retryAfter = Number(blocked.headers.get('retry-after'));
      await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000 + 600));
      assert.equal((await login(profiles, email, 'wrong')).status, 401);
    },
  ));
