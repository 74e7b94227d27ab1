// Service identities for tests: a fresh Ed25519 key pair per service and per test process (never
// the dev keys of .env.example), the variables that give a service under test its keys, and tokens
// minted as any caller, including the broken ones a test needs (expired, for another audience).
// Minting here uses jose directly rather than the runtime's signer, so a test of the verifier does
// not lean on the code it checks.
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

export const testCallers = ['front-end', 'billing', 'payment', 'catalog', 'profiles'] as const;
export type TestCaller = (typeof testCallers)[number];

interface KeyPair {
  privateJwk: JWK;
  publicJwk: JWK;
  privateKey: CryptoKey;
}

const pairs = new Map<TestCaller, Promise<KeyPair>>();

function keyPairOf(service: TestCaller): Promise<KeyPair> {
  let pair = pairs.get(service);
  if (pair === undefined) {
    pair = (async () => {
      const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
      const kid = `${service}-test`;
      return {
        privateKey,
        privateJwk: { ...(await exportJWK(privateKey)), kid },
        publicJwk: { ...(await exportJWK(publicKey)), kid },
      };
    })();
    pairs.set(service, pair);
  }
  return pair;
}

const variableOf = (service: string) => `${service.toUpperCase().replace(/-/g, '_')}_PUBLIC_KEY`;

/**
 * The identity variables of `service`: its own private key, and the public keys of every test
 * caller, so that a known service calling a route not meant for it gets a 403.
 */
export async function identityEnv(service: TestCaller | string): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  if ((testCallers as readonly string[]).includes(service)) {
    env.SERVICE_PRIVATE_KEY = JSON.stringify((await keyPairOf(service as TestCaller)).privateJwk);
  }
  for (const caller of testCallers) {
    env[variableOf(caller)] = JSON.stringify((await keyPairOf(caller)).publicJwk);
  }
  return env;
}

export interface MintOptions {
  /** Seconds since the epoch; now by default. */
  issuedAt?: number;
  /** Seconds after issuedAt; 60 by default. */
  lifetimeSeconds?: number;
}

/** A token as `caller` for `audience`, as the runtime's REST peers send in `Trio-Caller`. */
export async function callerToken(
  caller: TestCaller,
  audience: string,
  options: MintOptions = {},
): Promise<string> {
  const { privateKey, privateJwk } = await keyPairOf(caller);
  const issuedAt = options.issuedAt ?? Math.floor(Date.now() / 1000);
  return new SignJWT()
    .setProtectedHeader({ alg: 'EdDSA', kid: privateJwk.kid as string })
    .setIssuer(caller)
    .setAudience(audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + (options.lifetimeSeconds ?? 60))
    .setJti(crypto.randomUUID())
    .sign(privateKey);
}

/** `{ 'trio-caller': token }`, to spread into a request's headers. */
export async function callerHeaders(caller: TestCaller, audience: string): Promise<Record<string, string>> {
  return { 'trio-caller': await callerToken(caller, audience) };
}
