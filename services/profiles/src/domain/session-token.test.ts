import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signSessionToken, verifySessionToken } from './session-token.ts';

const secret = 'unit-test-session-secret-0123456789abcdef';
const claims = { sessionId: crypto.randomUUID(), expiresAt: new Date(Date.now() + 60_000) };

test('a signed token verifies and gives back its claims', () => {
  assert.deepEqual(verifySessionToken(secret, signSessionToken(secret, claims)), claims);
});

test('a token with any part changed, or signed with another secret, does not verify', () => {
  const token = signSessionToken(secret, claims);
  const [id, expires, signature] = token.split('.') as [string, string, string];
  const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA');
  for (const forged of [
    `${id}.${Number(expires) + 1000}.${signature}`,
    `${crypto.randomUUID()}.${expires}.${signature}`,
    `${id}.${expires}.${flipped}`,
    `${token}.extra`,
    signSessionToken('another-secret-of-at-least-32-chars!!', claims),
    '',
  ]) {
    assert.equal(verifySessionToken(secret, forged), undefined, forged);
  }
});

test('an expired token does not verify', () => {
  const token = signSessionToken(secret, claims);
  assert.equal(verifySessionToken(secret, token, new Date(claims.expiresAt.getTime() + 1)), undefined);
});
