// profiles answers only the services the architecture gives it: the front-end registers, logs in
// and out and checks sessions; billing checks sessions too, nothing else. Anyone else is refused
// before anything happens (401 without or with a bad token, 403 for another service).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorBody } from '@trio/contracts/common';
import { SessionInfo } from '@trio/contracts/profiles';
import { callerToken } from '@trio/testing/identity';
import { useTestInfra } from '@trio/testing/infra';
import { type Reply, type RequestOptions, startProfiles, type TestProfiles } from './support/profiles.ts';

let profiles: TestProfiles;
useTestInfra(startProfiles, (made) => {
  profiles = made.running;
});

const now = () => Math.floor(Date.now() / 1000);

const strangers: { situation: string; status: number; as: () => Promise<RequestOptions> }[] = [
  { situation: 'without a caller token', status: 401, as: async () => ({ as: null }) },
  { situation: 'from payment', status: 403, as: async () => ({ as: 'payment' }) },
  {
    situation: 'with the front-end’s expired token',
    status: 401,
    as: async () => ({
      headers: { 'trio-caller': await callerToken('front-end', 'profiles', { issuedAt: now() - 120 }) },
    }),
  },
  {
    situation: 'with the front-end’s token for billing',
    status: 401,
    as: async () => ({ headers: { 'trio-caller': await callerToken('front-end', 'billing') } }),
  },
];

function assertRefused(reply: Reply, status: number) {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.equal(ErrorBody.parse(reply.body).error.code, status === 401 ? 'unauthorized' : 'forbidden');
}

const checkSession = (token: string, options: RequestOptions = {}) =>
  profiles.request('GET', '/sessions/current', { ...options, token });

describe('the session check', () => {
  for (const stranger of strangers) {
    test(`${stranger.situation}: ${stranger.status}, and no user is told`, async () => {
      const session = await profiles.signUp();
      const reply = await checkSession(session.token, await stranger.as());
      assertRefused(reply, stranger.status);
      assert.ok(!JSON.stringify(reply.body).includes(session.user.email));
    });
  }

  for (const caller of ['front-end', 'billing'] as const) {
    test(`from ${caller}: the session's user`, async () => {
      const session = await profiles.signUp();
      const reply = await checkSession(session.token, { as: caller });
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.equal(SessionInfo.parse(reply.body).user.id, session.user.id);
    });
  }
});

describe('register, log in and log out: the front-end only', () => {
  test('billing is refused with 403 and nothing changes: no account, no session, no logout', async () => {
    const email = `billing-${crypto.randomUUID()}@example.com`;
    const credentials = { email, password: 'password123' };
    assertRefused(
      await profiles.request('POST', '/users', { as: 'billing', body: { ...credentials, name: 'Nobody' } }),
      403,
    );
    // Had the account been made, the front-end could log in with it now.
    assert.equal((await profiles.request('POST', '/sessions', { body: credentials })).status, 401);

    const session = await profiles.signUp();
    const login = { email: session.user.email, password: 'password123' };
    assertRefused(await profiles.request('POST', '/sessions', { as: 'billing', body: login }), 403);
    assertRefused(
      await profiles.request('DELETE', '/sessions/current', { as: 'billing', token: session.token }),
      403,
    );
    assert.equal((await checkSession(session.token)).status, 200, 'the session is still live');
  });

  for (const stranger of strangers) {
    test(`log out ${stranger.situation}: ${stranger.status}, and the session stays live`, async () => {
      const session = await profiles.signUp();
      const options = { ...(await stranger.as()), token: session.token };
      assertRefused(await profiles.request('DELETE', '/sessions/current', options), stranger.status);
      assert.equal((await checkSession(session.token)).status, 200);
    });
  }
});
