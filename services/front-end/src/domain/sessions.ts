// Storefront sessions: an opaque random id in an HttpOnly cookie, the session itself in Redis. A
// logged-in session holds the profiles token the BFF calls billing and profiles with; the browser
// never sees that token. Logging in starts a new session id (a session fixed by an attacker before
// login is worth nothing after it), and forms carry a CSRF token derived from the session id.
//
// Nothing is written to Redis until there is something to keep: a shopper who only browses gets a
// session id in the cookie (the product page's add-to-cart form needs its CSRF token) but no key,
// so that crawlers and one-off visitors do not fill Redis with empty sessions for a week. The
// session is kept when its cart gets a line or its shopper logs in.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from '@trio/service-runtime/redis';

export interface ShopSession {
  id: string;
  /** False while the session lives only in the cookie: nothing has needed keeping yet. */
  kept: boolean;
  /** Set while logged in. */
  user?: { id: string; email: string; name: string; token: string };
}

export interface SessionStore {
  /** The cookie's session: kept in Redis, or (a well-formed id Redis does not know) not yet kept. */
  get(id: string | undefined): Promise<ShopSession | undefined>;
  /** A new, anonymous session, not kept until `keep`. */
  start(): ShopSession;
  /** Writes the session to Redis if it is not there yet (its cart is about to get a line). */
  keep(session: ShopSession): Promise<void>;
  /** A new session id for `user` (login); the old session is deleted. */
  login(old: ShopSession | undefined, user: NonNullable<ShopSession['user']>): Promise<ShopSession>;
  destroy(id: string): Promise<void>;
  /** The CSRF token forms of this session must send back. */
  csrfToken(session: ShopSession): string;
  checkCsrf(session: ShopSession | undefined, token: unknown): boolean;
}

const sessionIdPattern = /^[A-Za-z0-9_-]{43}$/;

export function createSessionStore(
  redis: Redis,
  options: { secret: string; ttlSeconds: number },
): SessionStore {
  const { client } = redis;
  const key = (id: string) => redis.key(`session:${id}`);
  const newId = () => randomBytes(32).toString('base64url');

  async function save(session: ShopSession): Promise<void> {
    await client.set(key(session.id), JSON.stringify(session.user ?? {}), {
      expiration: { type: 'EX', value: options.ttlSeconds },
    });
  }

  function csrfToken(session: ShopSession): string {
    return createHmac('sha256', options.secret).update(`csrf:${session.id}`).digest('base64url');
  }

  return {
    async get(id) {
      if (id === undefined || !sessionIdPattern.test(id)) return undefined;
      // Reading slides the expiry: an active shopper stays logged in.
      const stored = await client.getEx(key(id), { type: 'EX', value: options.ttlSeconds });
      // An id of ours not kept (yet, or any more) is an anonymous session with nothing in it.
      if (stored === null) return { id, kept: false };
      const user = JSON.parse(stored) as Partial<NonNullable<ShopSession['user']>>;
      return user.id === undefined
        ? { id, kept: true }
        : { id, kept: true, user: user as NonNullable<ShopSession['user']> };
    },
    start() {
      return { id: newId(), kept: false };
    },
    async keep(session) {
      if (session.kept) return;
      await save(session);
      session.kept = true;
    },
    async login(old, user) {
      if (old !== undefined) await client.del(key(old.id));
      const session = { id: newId(), kept: true, user };
      await save(session);
      return session;
    },
    async destroy(id) {
      await client.del(key(id));
    },
    csrfToken,
    checkCsrf(session, token) {
      if (session === undefined || typeof token !== 'string') return false;
      const expected = Buffer.from(csrfToken(session));
      const given = Buffer.from(token);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
