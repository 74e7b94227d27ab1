// Service identity for REST. A calling service proves who it is with a short-lived token signed by
// its own Ed25519 key, sent in the `Trio-Caller` header (the user's session keeps
// `Authorization: Bearer`); the callee checks the signature against the caller's public key from
// its configuration, then the route table's `callers` list decides: no token where one is needed
// → 401, a bad, expired or misaddressed token → 401, a good token from a service the route does
// not list → 403. The check runs before the route's handler, so a refused call changes nothing.
//
// Tokens are JWTs (RFC 7519): header `alg: EdDSA` and the signing key's `kid`; claims `iss`
// (caller), `aud` (callee), `iat`, `exp` (iat + 60 s) and a random `jti`, which the callee
// remembers until the token expires: a token replayed to it is refused. They are signed and their
// signatures checked with node:crypto (ed25519-jwt.ts, for speed); the claims are checked here.
import { ServiceName } from '@trio/contracts/common';
import type { RouteDefinition } from '@trio/contracts/http';
import type { Express, RequestHandler } from 'express';
import { decodeJwt, type JSONWebKeySet, type JWK } from 'jose';
import { z } from 'zod';
import { markSecret } from '../config.ts';
import { AppError } from '../errors.ts';
import { ed25519Keys, ed25519Signer, JwsRefused, verifyEd25519 } from './ed25519-jwt.ts';

/** The request header that carries the caller's identity token (HTTP headers are case-blind). */
export const callerHeader = 'trio-caller';
/** How long a token is good for: long enough for one call and its retries, short if one leaks. */
export const tokenLifetimeSeconds = 60;
/** Clocks of two hosts may disagree by this much. */
export const clockSkewSeconds = 5;

/** A JWK as the text of an environment variable (one line of JSON). */
const JwkText = z.string().transform((text, context) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    context.addIssue({ code: 'custom', message: 'must be a JWK as JSON' });
    return z.NEVER;
  }
});

const Ed25519Jwk = z.looseObject({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: z.string(),
  kid: z.string().min(1, 'needs a kid, so that a rotated key can be told from the old one'),
});

/** The service's own signing key: an Ed25519 private JWK with a `kid`. */
export const PrivateKeyJwk = JwkText.pipe(Ed25519Jwk.extend({ d: z.string() }));

/** A caller's public key: one Ed25519 JWK, or a JWK Set `{"keys":[…]}` of several while a key is rotated. */
export const PublicKeySet = JwkText.pipe(
  z.union([Ed25519Jwk.transform((key) => [key]), z.object({ keys: z.array(Ed25519Jwk).min(1) })]),
).transform((value, context): JSONWebKeySet => {
  const keys = Array.isArray(value) ? value : value.keys;
  if (keys.some((key) => 'd' in key)) {
    context.addIssue({ code: 'custom', message: 'is a private key: give the public half only' });
    return z.NEVER;
  }
  return { keys: keys as JWK[] };
});

/** `front-end` → `FRONT_END_PUBLIC_KEY`. */
export function publicKeyVariable(service: ServiceName): string {
  return `${service.toUpperCase().replace(/-/g, '_')}_PUBLIC_KEY`;
}

type RouteTable = Readonly<Record<string, RouteDefinition>>;

/** The services that `routes` accept by identity token. */
export function acceptedCallers(...tables: RouteTable[]): ServiceName[] {
  const callers = new Set<ServiceName>();
  for (const table of tables) {
    for (const route of Object.values(table)) {
      for (const caller of route.callers) {
        if (caller !== 'public' && caller !== 'operator') callers.add(caller);
      }
    }
  }
  return [...callers].sort();
}

/**
 * The identity variables of a service: `SERVICE_PRIVATE_KEY` when it calls other services, and
 * `<CALLER>_PUBLIC_KEY` for each service its routes accept. Any other service's public key may be
 * given too: a callee that knows a caller answers its calls to routes not meant for it with a 403
 * instead of a 401.
 */
export function identitySettings(options: { calls: boolean; accepts: readonly ServiceName[] }) {
  const publicKeys = Object.fromEntries(
    ServiceName.options.map((service) => [
      publicKeyVariable(service),
      // Under the production rules too: trusting a development pair's public key would trust anyone
      // who holds its private half, which this repository publishes (its kid starts with dev-).
      markSecret(options.accepts.includes(service) ? PublicKeySet : PublicKeySet.optional()),
    ]),
  ) as Record<string, typeof PublicKeySet | z.ZodOptional<typeof PublicKeySet>>;
  return {
    // A private key is a secret: production refuses the development pairs of this repository.
    SERVICE_PRIVATE_KEY: markSecret(options.calls ? PrivateKeyJwk : PrivateKeyJwk.optional()),
    ...publicKeys,
  };
}

/** The public keys found in a config made with identitySettings, by service. */
export function callerKeysFrom(
  config: Readonly<Record<string, unknown>>,
): Partial<Record<ServiceName, JSONWebKeySet>> {
  // By the shop's service names only: other settings end in _PUBLIC_KEY too (RPC_CURVE_PUBLIC_KEY).
  const keys: Partial<Record<ServiceName, JSONWebKeySet>> = {};
  for (const service of ServiceName.options) {
    const value = config[publicKeyVariable(service)];
    if (value !== undefined) keys[service] = value as JSONWebKeySet;
  }
  return keys;
}

export interface CallerIdentity {
  readonly service: ServiceName;
  /** A fresh token for one call to `audience`. */
  tokenFor(audience: string): Promise<string>;
}

/** The calling side: signs a token per call with the service's private key (imported once). */
export async function createCallerIdentity(
  service: ServiceName,
  privateKey: z.output<typeof PrivateKeyJwk>,
): Promise<CallerIdentity> {
  const signer = ed25519Signer(privateKey as JWK & { kid: string });
  return {
    service,
    async tokenFor(audience) {
      const iat = Math.floor(Date.now() / 1000);
      return signer.sign({
        iss: service,
        aud: audience,
        iat,
        exp: iat + tokenLifetimeSeconds,
        jti: crypto.randomUUID(),
      });
    },
  };
}

export interface CallerVerifier {
  /** The service that signed `token`, or an AppError 401 when it cannot be trusted. */
  verify(token: string): Promise<ServiceName>;
}

/** The called side: checks tokens addressed to `service` against the known callers' keys. */
export function createCallerVerifier(
  service: ServiceName,
  callerKeys: Partial<Record<ServiceName, JSONWebKeySet>>,
): CallerVerifier {
  const seen = createReplayGuard();
  // Each caller's keys are imported once, by kid.
  const keySets = new Map(
    Object.entries(callerKeys).map(([caller, keys]) => [caller, ed25519Keys(keys.keys)] as const),
  );
  return {
    async verify(token) {
      let issuer: unknown;
      try {
        issuer = decodeJwt(token).iss;
      } catch {
        throw unauthenticated('The caller token is not a JWT');
      }
      const keys = typeof issuer === 'string' ? keySets.get(issuer) : undefined;
      if (keys === undefined) throw unauthenticated('The caller token is from an unknown service');
      let claims: { jti: string; exp: number };
      try {
        claims = checkClaims(verifyEd25519(token, keys), issuer as string, service);
      } catch (error) {
        const reason = error instanceof JwsRefused ? error.code : 'invalid';
        throw unauthenticated(`The caller token was refused (${reason})`);
      }
      if (!seen.remember(`${issuer}:${claims.jti}`, claims.exp + clockSkewSeconds)) {
        throw unauthenticated('The caller token was refused (replayed: each call needs a fresh one)');
      }
      return issuer as ServiceName;
    },
  };
}

/**
 * The claims of a token whose signature holds, as jose's jwtVerify checked them: all five present,
 * from `issuer` to `audience`, issued at most `tokenLifetimeSeconds` ago and not in the future, not
 * expired, not before its `nbf`; each time with `clockSkewSeconds` of tolerance.
 */
function checkClaims(payload: Record<string, unknown>, issuer: string, audience: string) {
  const { iss, aud, iat, exp, jti, nbf } = payload;
  if (iss === undefined || aud === undefined || iat === undefined || exp === undefined || jti === undefined) {
    throw new JwsRefused('ERR_JWT_CLAIM_VALIDATION_FAILED (missing claim)');
  }
  if (iss !== issuer) throw new JwsRefused('ERR_JWT_CLAIM_VALIDATION_FAILED (iss)');
  if (!(aud === audience || (Array.isArray(aud) && aud.includes(audience)))) {
    throw new JwsRefused('ERR_JWT_CLAIM_VALIDATION_FAILED (aud)');
  }
  if (typeof jti !== 'string' || jti === '') throw new JwsRefused('ERR_JWT_CLAIM_VALIDATION_FAILED (jti)');
  if (typeof iat !== 'number' || typeof exp !== 'number' || (nbf !== undefined && typeof nbf !== 'number')) {
    throw new JwsRefused('ERR_JWT_CLAIM_VALIDATION_FAILED (not a number)');
  }
  const now = Math.floor(Date.now() / 1000);
  if (exp <= now - clockSkewSeconds || now - iat - clockSkewSeconds > tokenLifetimeSeconds) {
    throw new JwsRefused('ERR_JWT_EXPIRED');
  }
  if (iat > now + clockSkewSeconds || (nbf !== undefined && nbf > now + clockSkewSeconds)) {
    throw new JwsRefused('ERR_JWT_CLAIM_VALIDATION_FAILED (not yet valid)');
  }
  return { jti, exp };
}

/** The most token ids a verifier remembers: a minute of 8,000 calls a second, a few tens of MB. */
export const replayGuardCapacity = 500_000;

/**
 * The token ids seen and not yet expired: a token is good for one call, so one read off the wire
 * and sent again is refused. Kept in the process (each replica remembers its own calls; a token
 * replayed to another replica within its minute is not caught: TLS between pods closes that).
 * Past `replayGuardCapacity` the oldest ids are forgotten first, so memory stays bounded.
 */
export function createReplayGuard(capacity = replayGuardCapacity) {
  // Insertion order is (nearly) expiry order, as every token lives the same 60 s.
  const expiries = new Map<string, number>();
  return {
    /** False when `id` was already seen; otherwise remembers it until `expiresAt` (epoch seconds). */
    remember(id: string, expiresAt: number): boolean {
      const now = Date.now() / 1000;
      for (const [oldest, expiry] of expiries) {
        if (expiry > now && expiries.size < capacity) break;
        expiries.delete(oldest);
      }
      if (expiries.has(id)) return false;
      expiries.set(id, expiresAt);
      return true;
    },
    get size() {
      return expiries.size;
    },
  };
}

function unauthenticated(message: string): AppError {
  return new AppError('unauthorized', message, { status: 401 });
}

/** The check in front of one route: who may call it, from its `callers` in the route table. */
export function requireCaller(route: RouteDefinition, verifier: CallerVerifier): RequestHandler {
  const open = route.callers.includes('public') || route.callers.includes('operator');
  return async (req, res, next) => {
    const token = req.get(callerHeader);
    if (token === undefined) {
      if (open) return next();
      throw unauthenticated(
        `Only ${route.callers.join(', ')} may call this: a ${callerHeader} token is required`,
      );
    }
    // Two routes of a table can match one path (`/products/search`, `/products/:sku`): verify once.
    const caller = (res.locals.caller as ServiceName | undefined) ?? (await verifier.verify(token));
    res.locals.caller = caller;
    if (!route.callers.includes(caller)) {
      throw new AppError('forbidden', `The ${caller} service may not call this`, { status: 403 });
    }
    next();
  };
}

/** Puts requireCaller in front of every route of `tables`, before the service's own handlers. */
export function guardRoutes(app: Express, verifier: CallerVerifier, ...tables: RouteTable[]): void {
  for (const table of tables) {
    for (const route of Object.values(table)) app[route.method](route.path, requireCaller(route, verifier));
  }
}

export interface ServiceIdentity {
  /** Checks the tokens of this service's callers. */
  verifier: CallerVerifier;
  /** Signs this service's own calls; present when SERVICE_PRIVATE_KEY is set. */
  caller?: CallerIdentity;
}

/** Both sides of `service`'s identity from a config made with identitySettings. */
export async function identityFromConfig(
  service: ServiceName,
  config: Readonly<Record<string, unknown>> & { SERVICE_PRIVATE_KEY?: z.output<typeof PrivateKeyJwk> },
): Promise<ServiceIdentity> {
  const verifier = createCallerVerifier(service, callerKeysFrom(config));
  if (config.SERVICE_PRIVATE_KEY === undefined) return { verifier };
  return { verifier, caller: await createCallerIdentity(service, config.SERVICE_PRIVATE_KEY) };
}
