import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
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
