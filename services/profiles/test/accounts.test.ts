// Registration, log-in and sessions: what a shopper and the services checking their token see.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ErrorBody } from '@trio/contracts/common';
import { Session, SessionInfo, User } from '@trio/contracts/profiles';
import { createLogger } from '@trio/service-runtime/logger';
import { createPostgres } from '@trio/service-runtime/postgres';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import { signSessionToken } from '../src/domain/session-token.ts';
import {
  type EventListener,
  listenForEvents,
  startProfiles,
  type TestProfiles,
  testSecret,
  uniqueEmail,
  waitFor,
} from './support/profiles.ts';

let infra: TestInfra;
let profiles: TestProfiles;
let events: EventListener;

before(async () => {
  infra = await createTestInfra();
  profiles = await startProfiles(infra);
  events = await listenForEvents(infra);
});

after(async () => {
  await events?.close();
  await profiles?.stop();
  await infra?.drop();
});

test('registering creates the user with a normalised email and publishes user.registered', async () => {
  const email = uniqueEmail();
  const reply = await profiles.request('POST', '/users', {
    body: { email: `  ${email.toUpperCase()} `, password: 'correct horse', name: ' Ann ' },
  });
  assert.equal(reply.status, 201);
  const user = User.parse(reply.body);
  assert.equal(user.email, email);
  assert.equal(user.name, 'Ann');
  const event = await waitFor('user.registered', () =>
    events.received.find(
      (e) => e.type === 'user.registered' && (e.payload as { userId: string }).userId === user.id,
    ),
  );
  assert.deepEqual(event.payload, { userId: user.id, email, name: 'Ann' });
  const login = await profiles.request('POST', '/sessions', { body: { email, password: 'correct horse' } });
  assert.equal(login.status, 201);
});

test('registering an email twice, in any case, answers 409 conflict', async () => {
  const email = uniqueEmail();
  await profiles.signUp({ email });
  const again = await profiles.request('POST', '/users', {
    body: { email: email.toUpperCase(), password: 'another password', name: 'Bob' },
  });
  assert.equal(again.status, 409);
  assert.equal(ErrorBody.parse(again.body).error.code, 'conflict');
});

test('an invalid registration answers 400 naming every failing field', async () => {
  const reply = await profiles.request('POST', '/users', {
    body: { email: 'nope', password: 'short', name: '' },
  });
  assert.equal(reply.status, 400);
  const { error } = ErrorBody.parse(reply.body);
  assert.equal(error.code, 'validation_failed');
  assert.deepEqual(error.details?.map((d) => d.path).sort(), ['email', 'name', 'password']);
});

test('the password is stored as an argon2id hash', async () => {
  const session = await profiles.signUp({ password: 'stored-as-hash' });
  const db = createPostgres({
    url: infra.db.url,
    schema: 'profiles',
    log: createLogger({ service: 'test', level: 'silent' }),
  });
  try {
    const { rows } = await db.query<{ password_hash: string }>(
      'SELECT password_hash FROM users WHERE id = $1',
      [session.user.id],
    );
    assert.match(rows[0]!.password_hash, /^\$argon2id\$v=19\$/);
  } finally {
    await db.end();
  }
});

test('logging in answers a session whose token the session check accepts', async () => {
  const session = await profiles.signUp();
  assert.ok(new Date(session.expiresAt) > new Date());
  const check = await profiles.request('GET', '/sessions/current', { token: session.token });
  assert.equal(check.status, 200);
  assert.deepEqual(SessionInfo.parse(check.body), { user: session.user, expiresAt: session.expiresAt });
});

test('a wrong password and an unknown email get the same 401 answer', async () => {
  const { user } = await profiles.signUp();
  const wrong = await profiles.request('POST', '/sessions', {
    body: { email: user.email, password: 'wrong-pass' },
  });
  const unknown = await profiles.request('POST', '/sessions', {
    body: { email: uniqueEmail(), password: 'wrong-pass' },
  });
  assert.equal(wrong.status, 401);
  assert.equal(unknown.status, 401);
  const strip = (body: unknown) => ({ ...ErrorBody.parse(body).error, requestId: undefined });
  assert.deepEqual(strip(wrong.body), strip(unknown.body));
  assert.equal(strip(wrong.body).code, 'unauthorized');
});

test('logging out revokes the token: the session check and own data then answer 401', async () => {
  const session = await profiles.signUp();
  assert.equal((await profiles.request('DELETE', '/sessions/current', { token: session.token })).status, 204);
  const check = await profiles.request('GET', '/sessions/current', { token: session.token });
  assert.equal(check.status, 401);
  assert.equal(ErrorBody.parse(check.body).error.code, 'unauthorized');
  assert.equal(
    (await profiles.request('GET', `/users/${session.user.id}`, { token: session.token })).status,
    401,
  );
  assert.equal((await profiles.request('DELETE', '/sessions/current', { token: session.token })).status, 401);
});

test('a tampered, forged or missing token answers 401', async () => {
  const session = await profiles.signUp();
  const [id, expires, signature] = session.token.split('.') as [string, string, string];
  const farFuture = String(Date.now() + 365 * 24 * 3600 * 1000);
  const forged = [
    `${id}.${farFuture}.${signature}`,
    `${id}.${expires}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`,
    signSessionToken('a-different-secret-0123456789abcdef', {
      sessionId: id,
      expiresAt: new Date(Number(expires)),
    }),
    'not-a-token',
  ];
  for (const token of forged) {
    const reply = await profiles.request('GET', '/sessions/current', { token });
    assert.equal(reply.status, 401, token);
  }
  const missing = await profiles.request('GET', '/sessions/current');
  assert.equal(missing.status, 401);
  assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer/);
});

test('a token signed for a session that does not exist answers 401', async () => {
  const token = signSessionToken(testSecret, {
    sessionId: crypto.randomUUID(),
    expiresAt: new Date(Date.now() + 60_000),
  });
  assert.equal((await profiles.request('GET', '/sessions/current', { token })).status, 401);
});

test('a session expires after SESSION_TTL_SECONDS', async () => {
  const shortLived = await startProfiles(infra, { SESSION_TTL_SECONDS: '1' });
  try {
    const session = Session.parse(await shortLived.signUp());
    assert.equal(
      (await shortLived.request('GET', '/sessions/current', { token: session.token })).status,
      200,
    );
    await new Promise((resolve) => setTimeout(resolve, Date.parse(session.expiresAt) - Date.now() + 50));
    assert.equal(
      (await shortLived.request('GET', '/sessions/current', { token: session.token })).status,
      401,
    );
  } finally {
    await shortLived.stop();
  }
});

test('no password or token ever reaches a log line', async () => {
  const password = `secret-${crypto.randomUUID()}`;
  const session = await profiles.signUp({ password });
  await profiles.request('POST', '/sessions', {
    body: { email: session.user.email, password: `${password}x` },
  });
  await profiles.request('POST', '/users', { body: { email: 'bad', password, name: '' } });
  await profiles.request('GET', '/sessions/current', { token: session.token });
  const logs = profiles.logText();
  assert.ok(logs.length > 0);
  assert.ok(!logs.includes(password), 'a password was logged');
  assert.ok(!logs.includes(session.token.split('.')[2]!), 'a token was logged');
});
