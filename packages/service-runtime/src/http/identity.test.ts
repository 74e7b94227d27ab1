import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, type JsonWebKey, sign } from 'node:crypto';
import { test } from 'node:test';
import { importJWK, type JWK, SignJWT } from 'jose';
import { z } from 'zod';
import { ConfigError, parseConfig, serviceSettings } from '../config.ts';
import type { AppError } from '../errors.ts';
import {
  callerKeysFrom,
  createCallerIdentity,
  createCallerVerifier,
  createReplayGuard,
  identitySettings,
  PublicKeySet,
} from './identity.ts';

function keyPair(kid: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateJwk: JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid }),
    publicJwk: JSON.stringify({ ...publicKey.export({ format: 'jwk' }), kid }),
  };
}

const Config = z.object(identitySettings({ calls: true, accepts: ['billing'] }));

/** billing's signer and payment's verifier, with a fresh key pair. */
async function billingCallingPayment() {
  const billing = keyPair('billing-1');
  const config = Config.parse({
    SERVICE_PRIVATE_KEY: billing.privateJwk,
    BILLING_PUBLIC_KEY: billing.publicJwk,
  });
  return {
    caller: await createCallerIdentity('billing', config.SERVICE_PRIVATE_KEY!),
    verifier: createCallerVerifier('payment', callerKeysFrom(config)),
  };
}

test('when a token is signed by billing’s key for payment, payment knows it is billing', async () => {
  const { caller, verifier } = await billingCallingPayment();
  assert.equal(await verifier.verify(await caller.tokenFor('payment')), 'billing');
  await assert.rejects(
    verifier.verify(await caller.tokenFor('profiles')),
    (error: AppError) => error.status === 401,
  );
});

test('when a token is sent a second time, it is refused: each call needs a fresh one', async () => {
  const { caller, verifier } = await billingCallingPayment();
  const token = await caller.tokenFor('payment');
  assert.equal(await verifier.verify(token), 'billing');
  await assert.rejects(
    verifier.verify(token),
    (error: AppError) => error.status === 401 && /replayed/.test(error.message),
  );
  assert.equal(await verifier.verify(await caller.tokenFor('payment')), 'billing');
});

test('a token signed by jose verifies, and ours carry what jose checks; every forged or broken one is a 401', async () => {
  const billing = keyPair('billing-1');
  const config = Config.parse({
    SERVICE_PRIVATE_KEY: billing.privateJwk,
    BILLING_PUBLIC_KEY: billing.publicJwk,
  });
  const verifier = createCallerVerifier('payment', callerKeysFrom(config));
  const key = await importJWK(JSON.parse(billing.privateJwk) as JWK, 'EdDSA');
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: 'billing', aud: 'payment', iat: now, exp: now + 60, jti: crypto.randomUUID() };
  const jose = (payload: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', kid: 'billing-1', ...header }).sign(key);
  assert.equal(await verifier.verify(await jose(claims)), 'billing');

  const ours = await (await createCallerIdentity('billing', config.SERVICE_PRIVATE_KEY!)).tokenFor('payment');
  const [header, payload] = ours
    .split('.', 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
  assert.deepEqual(header, { alg: 'EdDSA', kid: 'billing-1', typ: 'JWT' });
  assert.deepEqual(Object.keys(payload).sort(), ['aud', 'exp', 'iat', 'iss', 'jti']);
  assert.equal(payload.exp - payload.iat, 60);

  const tampered = ours.replace(/\.([^.]+)\./, (_whole, part: string) => {
    const body = JSON.parse(Buffer.from(part, 'base64url').toString());
    return `.${Buffer.from(JSON.stringify({ ...body, iss: 'billing', aud: ['payment'], jti: 'x' })).toString('base64url')}.`;
  });
  const stranger = keyPair('billing-1');
  const strangerKey = await importJWK(JSON.parse(stranger.privateJwk) as JWK, 'EdDSA');
  const fresh = () => ({ ...claims, jti: crypto.randomUUID() });
  // jose will not sign a header it would refuse: this one is signed with billing's key by hand.
  const signedByHand = (head: object, body: object) => {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${part(head)}.${part(body)}`;
    const jwk = JSON.parse(billing.privateJwk) as JsonWebKey;
    const signature = sign(null, Buffer.from(input), createPrivateKey({ key: jwk, format: 'jwk' }));
    return `${input}.${signature.toString('base64url')}`;
  };
  const refused: [string, Promise<string> | string][] = [
    ['a changed payload', tampered],
    [
      'signed by another key with billing’s kid',
      new SignJWT(fresh()).setProtectedHeader({ alg: 'EdDSA', kid: 'billing-1' }).sign(strangerKey),
    ],
    ['alg none', `${Buffer.from('{"alg":"none"}').toString('base64url')}.${ours.split('.')[1]}.`],
    ['an unknown kid', jose(fresh(), { kid: 'billing-2' })],
    ['a crit header', signedByHand({ alg: 'EdDSA', kid: 'billing-1', crit: ['b64'], b64: true }, fresh())],
    ['no jti', jose({ ...claims, jti: undefined })],
    ['no iat', jose({ ...fresh(), iat: undefined })],
    ['issued in the future', jose({ ...fresh(), iat: now + 30, exp: now + 90 })],
    ['issued more than a minute ago', jose({ ...fresh(), iat: now - 70, exp: now + 60 })],
    ['expired', jose({ ...fresh(), iat: now - 50, exp: now - 10 })],
    ['not before a later time', jose({ ...fresh(), nbf: now + 30 })],
    ['for another audience', jose({ ...fresh(), aud: 'profiles' })],
    ['three parts of garbage', 'a.b.c'],
  ];
  for (const [situation, token] of refused) {
    await assert.rejects(verifier.verify(await token), (error: AppError) => error.status === 401, situation);
  }
});

test('when the replay guard is full or its ids expire, it forgets the oldest first', () => {
  const guard = createReplayGuard(3);
  const later = Date.now() / 1000 + 60;
  for (const id of ['a', 'b', 'c', 'd']) assert.equal(guard.remember(id, later), true);
  assert.equal(guard.size, 3);
  assert.equal(guard.remember('d', later), false);
  assert.equal(guard.remember('a', later), true, 'the oldest was forgotten');
  const expired = createReplayGuard();
  expired.remember('old', Date.now() / 1000 - 1);
  expired.remember('new', later);
  assert.equal(expired.size, 1, 'the expired id went');
});

test('when another setting ends in _PUBLIC_KEY (a CURVE key), it is not taken for a caller’s key', () => {
  const billing = keyPair('billing-1');
  const keys = callerKeysFrom({
    BILLING_PUBLIC_KEY: PublicKeySet.parse(billing.publicJwk),
    RPC_CURVE_PUBLIC_KEY: 'hHva^qu/jVQpxIZwj=eN:Vn/VE5/hJ^gowydq34f',
  });
  assert.deepEqual(Object.keys(keys), ['billing']);
});

test('when a key is rotated, a set of the old and the new public key accepts both', async () => {
  const old = keyPair('billing-1');
  const next = keyPair('billing-2');
  const keys = PublicKeySet.parse(
    JSON.stringify({ keys: [JSON.parse(old.publicJwk), JSON.parse(next.publicJwk)] }),
  );
  const verifier = createCallerVerifier('payment', { billing: keys });
  for (const pair of [old, next]) {
    const caller = await createCallerIdentity('billing', JSON.parse(pair.privateJwk));
    assert.equal(await verifier.verify(await caller.tokenFor('payment')), 'billing');
  }
  const stranger = await createCallerIdentity('billing', JSON.parse(keyPair('billing-1').privateJwk));
  await assert.rejects(
    verifier.verify(await stranger.tokenFor('payment')),
    (error: AppError) => error.status === 401,
  );
});

test('when a private key is given as a caller’s public key, or a required key is missing, the config is refused', () => {
  const billing = keyPair('billing-1');
  assert.equal(PublicKeySet.safeParse(billing.privateJwk).success, false);
  assert.equal(Config.safeParse({ SERVICE_PRIVATE_KEY: billing.privateJwk }).success, false);
  const withoutKid = JSON.stringify({ ...JSON.parse(billing.publicJwk), kid: undefined });
  assert.equal(PublicKeySet.safeParse(withoutKid).success, false);
});

test('in production, a development key pair (its kid starts with dev-) is refused, naming the variable', () => {
  const Service = z.object({
    ...serviceSettings({ name: 'billing', httpPort: 3004 }),
    ...identitySettings({ calls: true, accepts: ['front-end'] }),
  });
  const dev = keyPair('dev-billing');
  const own = keyPair('billing-2026-12');
  const frontEnd = keyPair('front-end-2026-12');
  const env = (privateJwk: string) => ({
    NODE_ENV: 'production',
    SERVICE_PRIVATE_KEY: privateJwk,
    FRONT_END_PUBLIC_KEY: frontEnd.publicJwk,
  });
  assert.throws(
    () => parseConfig(Service, env(dev.privateJwk)),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.problems.some((problem) => problem.variable === 'SERVICE_PRIVATE_KEY') &&
      !error.message.includes(JSON.parse(dev.privateJwk).d),
  );
  assert.doesNotThrow(() => parseConfig(Service, env(own.privateJwk)));
  assert.doesNotThrow(() => parseConfig(Service, { ...env(dev.privateJwk), NODE_ENV: 'development' }));
});
