// The caller tokens' JWS (RFC 7515 compact, RFC 8037 EdDSA over Ed25519) signed and checked with
// node:crypto's one-shot sign/verify. jose did this before through WebCrypto: every call became an
// asynchronous crypto job and a promise, which the profiles of issue 14 put at 6-17 % of a called
// service's busy time (catalog, payment) for the one 200-byte signature per internal call. The
// signature is the same Ed25519 one: tokens made by jose (the tests' minting) verify here, and ours
// verify with any JWT library. Only what the identity tokens use is accepted: `alg: EdDSA`, no
// `crit`, a JSON object payload.
import {
  createPrivateKey,
  createPublicKey,
  type JsonWebKey,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import type { JWK } from 'jose';

const algorithm = 'EdDSA';

export interface Ed25519Signer {
  /** The compact JWS of `claims`, with the header `{alg: EdDSA, kid, typ: JWT}`. */
  sign(claims: Readonly<Record<string, unknown>>): string;
}

const base64url = (text: string) => Buffer.from(text).toString('base64url');

/** A signer for one private JWK (imported once). */
export function ed25519Signer(privateJwk: JWK & { kid: string }): Ed25519Signer {
  const key = createPrivateKey({ key: privateJwk as JsonWebKey, format: 'jwk' });
  const header = base64url(JSON.stringify({ alg: algorithm, kid: privateJwk.kid, typ: 'JWT' }));
  return {
    sign(claims) {
      const input = `${header}.${base64url(JSON.stringify(claims))}`;
      return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
    },
  };
}

/** Why a token was refused, as jose's error codes named it (the refusal's message shows it). */
export class JwsRefused extends Error {
  readonly code: string;
  constructor(code: string) {
    super(code);
    this.code = code;
  }
}

function parseJson(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new JwsRefused(`ERR_JWS_INVALID (${what})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JwsRefused(`ERR_JWS_INVALID (${what})`);
  }
  return value as Record<string, unknown>;
}

const base64urlPart = /^[A-Za-z0-9_-]+$/;

/** The public keys of one caller, by kid (imported once). */
export function ed25519Keys(jwks: readonly JWK[]): Map<string | undefined, KeyObject> {
  const keys = new Map<string | undefined, KeyObject>();
  for (const jwk of jwks) {
    keys.set(jwk.kid, createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }));
  }
  return keys;
}

/**
 * The payload of `token` once its signature is checked with the key its header's `kid` names in
 * `keys` (the only key when it names none and there is one). Claims are the caller's to check.
 */
export function verifyEd25519(token: string, keys: ReadonlyMap<string | undefined, KeyObject>) {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => base64urlPart.test(part))) {
    throw new JwsRefused('ERR_JWS_INVALID');
  }
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = parseJson(headerPart, 'header');
  if (header.alg !== algorithm) throw new JwsRefused('ERR_JOSE_ALG_NOT_ALLOWED');
  if (header.crit !== undefined || header.b64 !== undefined) throw new JwsRefused('ERR_JOSE_NOT_SUPPORTED');
  const kid = header.kid;
  if (kid !== undefined && typeof kid !== 'string') throw new JwsRefused('ERR_JWS_INVALID (kid)');
  const key = kid === undefined && keys.size === 1 ? [...keys.values()][0] : keys.get(kid);
  if (key === undefined) throw new JwsRefused('ERR_JWKS_NO_MATCHING_KEY');
  const signature = Buffer.from(signaturePart, 'base64url');
  if (!verify(null, Buffer.from(`${headerPart}.${payloadPart}`), key, signature)) {
    throw new JwsRefused('ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  }
  return parseJson(payloadPart, 'payload');
}
