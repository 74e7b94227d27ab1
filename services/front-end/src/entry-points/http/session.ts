// The session cookie: read on every request, written when a session starts or changes id. The
// cookie is HttpOnly (scripts cannot read it), SameSite=Lax (other sites' forms and scripts do
// not send it along), and Secure where the shop is served over HTTPS.
import { sessionCookieName } from '@trio/contracts/front-end';
import { parseCookie, stringifySetCookie } from 'cookie';
import type { Request, RequestHandler, Response } from 'express';
import type { Shopper } from '../../domain/account.ts';
import type { SessionStore, ShopSession } from '../../domain/sessions.ts';

export interface CookieSettings {
  secure: boolean;
  ttlSeconds: number;
}

/** Sets `res.locals.session` when the request carries a live session. */
export function loadSession(sessions: SessionStore): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.cookie;
    // Most first visits (and crawlers) carry no cookie at all: nothing to parse or to look up.
    if (header === undefined) return next();
    res.locals.session = await sessions.get(parseCookie(header)[sessionCookieName]);
    next();
  };
}

/** The shopper behind a request, for profiles' per-shopper limits: their address as we see it. */
export function shopperOf(req: Request): Shopper {
  return { address: req.ip };
}

export function currentSession(res: Response): ShopSession | undefined {
  return res.locals.session as ShopSession | undefined;
}

/** The current session, or a new one (with its cookie, and nothing in Redis yet) for a shopper who had none. */
export async function ensureSession(
  res: Response,
  sessions: SessionStore,
  cookie: CookieSettings,
): Promise<ShopSession> {
  const existing = currentSession(res);
  if (existing !== undefined) return existing;
  const session = sessions.start();
  useSession(res, session, cookie);
  return session;
}

export function useSession(res: Response, session: ShopSession, cookie: CookieSettings): void {
  res.locals.session = session;
  res.append(
    'set-cookie',
    stringifySetCookie({
      name: sessionCookieName,
      value: session.id,
      httpOnly: true,
      sameSite: 'lax',
      secure: cookie.secure,
      path: '/',
      maxAge: cookie.ttlSeconds,
    }),
  );
}

export function clearSession(res: Response, cookie: CookieSettings): void {
  res.locals.session = undefined;
  res.append(
    'set-cookie',
    stringifySetCookie({
      name: sessionCookieName,
      value: '',
      httpOnly: true,
      sameSite: 'lax',
      secure: cookie.secure,
      path: '/',
      maxAge: 0,
    }),
  );
}
