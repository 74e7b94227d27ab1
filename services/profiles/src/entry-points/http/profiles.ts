// The profiles routes of the contract's table: authenticate, validate, run one use case, answer.
import { isIP } from 'node:net';
import { profilesRoutes as routes, shopperAddressHeader } from '@trio/contracts/profiles';
import { validate } from '@trio/service-runtime/validate';
import type { Express, Request, RequestHandler, Response } from 'express';
import {
  type AccountDeps,
  authenticate,
  type CurrentSession,
  getUser,
  login,
  logout,
  normaliseEmail,
  register,
  sessionInfo,
  updateUser,
} from '../../domain/accounts.ts';
import { addAddress, deleteAddress, listAddresses, replaceAddress } from '../../domain/addresses.ts';

/** Sets `res.locals.session` from `Authorization: Bearer <token>`, or answers 401. */
function requireSession(deps: AccountDeps): RequestHandler {
  return async (req, res, next) => {
    const [scheme, token] = (req.get('authorization') ?? '').split(' ');
    try {
      res.locals.session = await authenticate(deps, scheme?.toLowerCase() === 'bearer' ? token : undefined);
    } catch (error) {
      res.set('www-authenticate', 'Bearer realm="trio"');
      throw error;
    }
    next();
  };
}

const session = (res: Response) => res.locals.session as CurrentSession;

/**
 * The address the login and registration limits count: the shopper's. Shoppers reach profiles
 * through the front-end, which names their address in a header; that header is believed only on
 * a call whose identity token says it comes from the front-end (anyone else could name any
 * address and so dodge the limits). Otherwise the caller's own address counts.
 */
function shopperAddress(req: Request, res: Response): string {
  const named = req.get(shopperAddressHeader);
  if (named !== undefined && res.locals.caller === 'front-end' && isIP(named) !== 0) return named;
  return req.ip ?? 'unknown';
}

/** `" Ann@Example.COM "` is Ann's address too: normalised before the contract's email check. */
const normaliseBodyEmail: RequestHandler = (req, _res, next) => {
  if (typeof req.body?.email === 'string') req.body.email = normaliseEmail(req.body.email);
  next();
};

export function profilesHttpRoutes(app: Express, deps: AccountDeps): void {
  const { db } = deps;
  const auth = requireSession(deps);

  app.post(
    routes.register.path,
    normaliseBodyEmail,
    validate({ body: routes.register.body }),
    async (req, res) => {
      res.status(201).json(await register(deps, req.body, shopperAddress(req, res)));
    },
  );
  app.post(routes.login.path, normaliseBodyEmail, validate({ body: routes.login.body }), async (req, res) => {
    res.status(201).json(await login(deps, req.body, shopperAddress(req, res)));
  });
  app.get(routes.getCurrentSession.path, auth, (_req, res) => {
    res.json(sessionInfo(session(res)));
  });
  app.delete(routes.logout.path, auth, async (_req, res) => {
    await logout(deps, session(res));
    res.status(204).end();
  });
  app.get(routes.getUser.path, auth, validate({ params: routes.getUser.params }), async (req, res) => {
    res.json(await getUser(deps, session(res), req.params.userId));
  });
  app.patch(
    routes.updateUser.path,
    auth,
    validate({ params: routes.updateUser.params, body: routes.updateUser.body }),
    async (req, res) => {
      res.json(await updateUser(deps, session(res), req.params.userId, req.body));
    },
  );
  app.get(
    routes.listAddresses.path,
    auth,
    validate({ params: routes.listAddresses.params }),
    async (req, res) => {
      res.json(await listAddresses(db, session(res), req.params.userId));
    },
  );
  app.post(
    routes.addAddress.path,
    auth,
    validate({ params: routes.addAddress.params, body: routes.addAddress.body }),
    async (req, res) => {
      res.status(201).json(await addAddress(db, session(res), req.params.userId, req.body));
    },
  );
  app.put(
    routes.replaceAddress.path,
    auth,
    validate({ params: routes.replaceAddress.params, body: routes.replaceAddress.body }),
    async (req, res) => {
      const { userId, addressId } = req.params;
      res.json(await replaceAddress(db, session(res), userId, addressId, req.body));
    },
  );
  app.delete(
    routes.deleteAddress.path,
    auth,
    validate({ params: routes.deleteAddress.params }),
    async (req, res) => {
      await deleteAddress(db, session(res), req.params.userId, req.params.addressId);
      res.status(204).end();
    },
  );
}
