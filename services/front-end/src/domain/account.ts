// Accounts, owned by profiles: registering, logging in (the anonymous cart joins the customer's)
// and logging out (the profiles session is revoked too).
import type { ApiUser } from '@trio/contracts/front-end';
import { shopperAddressHeader } from '@trio/contracts/profiles';
import { bodyOf } from './peer-replies.ts';
import type { ShopSession } from './sessions.ts';
import { maxLineQty, type ShopDeps } from './shop.ts';

/** Who is at the keyboard, as far as profiles' per-shopper limits need to know. */
export interface Shopper {
  /** The shopper's address as this front-end sees it (express's `req.ip`). */
  address: string | undefined;
}

/** Profiles counts login failures and registrations per shopper, not per front-end. */
function addressHeader(shopper: Shopper): Record<string, string> {
  return shopper.address === undefined ? {} : { [shopperAddressHeader]: shopper.address };
}

function apiUser(user: { id: string; email: string; name: string }): ApiUser {
  return { id: user.id, email: user.email, name: user.name };
}

/** Logs in with profiles; the session gets a new id and the anonymous cart joins the customer's. */
export async function logIn(
  deps: ShopDeps,
  session: ShopSession | undefined,
  credentials: { email: string; password: string },
  shopper: Shopper,
): Promise<{ session: ShopSession; user: ApiUser }> {
  const { token, user } = bodyOf(
    'profiles',
    await deps.profiles.login({ body: credentials, headers: addressHeader(shopper) }),
    201,
  );
  const next = await deps.sessions.login(session, { id: user.id, email: user.email, name: user.name, token });
  if (session !== undefined && session.user === undefined) {
    await deps.carts.merge({ kind: 'session', id: session.id }, { kind: 'user', id: user.id }, maxLineQty);
  }
  return { session: next, user: apiUser(user) };
}

export async function register(
  deps: ShopDeps,
  session: ShopSession | undefined,
  body: { email: string; password: string; name: string },
  shopper: Shopper,
): Promise<{ session: ShopSession; user: ApiUser }> {
  bodyOf('profiles', await deps.profiles.register({ body, headers: addressHeader(shopper) }), 201);
  return logIn(deps, session, { email: body.email, password: body.password }, shopper);
}

export async function logOut(deps: ShopDeps, session: ShopSession): Promise<void> {
  if (session.user !== undefined) {
    // Revoke the profiles session too; a profiles outage must not keep the shopper logged in here.
    await deps.profiles
      .logout({ token: session.user.token })
      .catch((error: unknown) => deps.log.warn({ err: error }, 'could not revoke the profiles session'));
  }
  await deps.sessions.destroy(session.id);
}
