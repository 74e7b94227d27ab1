// Session tokens: `<sessionId>.<expiresAtMs>.<signature>`, the signature an HMAC-SHA256 of the first
// two parts under SESSION_SECRET. The signature and expiry can be checked without a database;
// whether the session was revoked (logout) cannot, which is why `GET /sessions/current` exists.
// `verifySessionToken` is what another service holding the secret would run before trusting a token
// for anything cheap; for anything that matters it asks profiles.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface TokenClaims {
  sessionId: string;
  expiresAt: Date;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function sign(secret: string, body: string): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

export function signSessionToken(secret: string, claims: TokenClaims): string {
  const body = `${claims.sessionId}.${claims.expiresAt.getTime()}`;
  return `${body}.${sign(secret, body).toString('base64url')}`;
}

/** The token's claims when its signature is right and it has not expired; otherwise undefined. */
export function verifySessionToken(secret: string, token: string, now = new Date()): TokenClaims | undefined {
  const [sessionId, expiresMs, signature, ...rest] = token.split('.');
  if (sessionId === undefined || expiresMs === undefined || signature === undefined || rest.length > 0) {
    return undefined;
  }
  if (!uuidPattern.test(sessionId) || !/^\d{1,15}$/.test(expiresMs)) return undefined;
  const expected = sign(secret, `${sessionId}.${expiresMs}`);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const expiresAt = new Date(Number(expiresMs));
  if (expiresAt <= now) return undefined;
  return { sessionId, expiresAt };
}
