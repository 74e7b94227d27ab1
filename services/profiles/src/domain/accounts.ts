// Use cases of accounts and sessions: register, log in, check a session, log out, own profile.
import type {
  LoginRequest,
  RegisterRequest,
  Session,
  SessionInfo,
  UpdateProfileRequest,
  User,
} from '@trio/contracts/profiles';
import { publishInTransaction } from '@trio/events/outbox';
import { createEventInContext } from '@trio/events/publisher';
import { inTransaction } from '@trio/events/transaction';
import type { Postgres } from '@trio/service-runtime/postgres';
import type { Redis } from '@trio/service-runtime/redis';
import { findActiveSessionUser, insertSession, revokeSession } from '../data-access/sessions.ts';
import { findCredentials, findUser, insertUser, updateUserName } from '../data-access/users.ts';
import { emailTaken, invalidCredentials, invalidSession, notFound } from './errors.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { signSessionToken, verifySessionToken } from './session-token.ts';
import {
  checkLogin,
  countRegistration,
  type LoginLimits,
  loginFailed,
  loginSucceeded,
  type RegistrationLimits,
} from './throttle.ts';

export type { LoginLimits, RegistrationLimits };

export interface AccountDeps {
  db: Postgres;
  redis: Redis;
  sessionSecret: string;
  sessionTtlSeconds: number;
  loginLimits: LoginLimits;
  registrationLimits: RegistrationLimits;
  /** Verified against when the email is unknown (see createDummyHash). */
  dummyHash: string;
}

/** The authenticated caller of a request. */
export interface CurrentSession {
  sessionId: string;
  expiresAt: Date;
  user: User;
}

/** Emails are compared and stored trimmed and lower-cased. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** `address`: the shopper's, whom the per-address registration limit counts. */
export async function register(deps: AccountDeps, input: RegisterRequest, address: string): Promise<User> {
  await countRegistration(deps.redis, deps.registrationLimits, address);
  const passwordHash = await hashPassword(input.password);
  return inTransaction(deps.db, async (tx) => {
    const user = await insertUser(tx, {
      id: crypto.randomUUID(),
      email: normaliseEmail(input.email),
      name: input.name,
      passwordHash,
    });
    if (user === undefined) throw emailTaken();
    await publishInTransaction(
      tx,
      createEventInContext('user.registered', { userId: user.id, email: user.email, name: user.name }),
      { aggregateKey: user.id },
    );
    return user;
  });
}

/** `address`: the shopper's (see the HTTP layer), whom the limits count. */
export async function login(deps: AccountDeps, input: LoginRequest, address: string): Promise<Session> {
  const email = normaliseEmail(input.email);
  await checkLogin(deps.redis, deps.loginLimits, email, address);

  const credentials = await findCredentials(deps.db, email);
  // Verify even when the email is unknown, so both failures take the time of one argon2 check.
  const valid = await verifyPassword(credentials?.passwordHash ?? deps.dummyHash, input.password);
  if (credentials === undefined || !valid) {
    await loginFailed(deps.redis, deps.loginLimits, email, address);
    throw invalidCredentials();
  }
  await loginSucceeded(deps.redis, email, address);

  const sessionId = crypto.randomUUID();
  const expiresAt = new Date(Date.now() + deps.sessionTtlSeconds * 1000);
  await insertSession(deps.db, { id: sessionId, userId: credentials.user.id, expiresAt });
  return {
    token: signSessionToken(deps.sessionSecret, { sessionId, expiresAt }),
    expiresAt: expiresAt.toISOString(),
    user: credentials.user,
  };
}

/** The session of a bearer token: signed by us, not expired, and not revoked. */
export async function authenticate(deps: AccountDeps, token: string | undefined): Promise<CurrentSession> {
  const claims = token === undefined ? undefined : verifySessionToken(deps.sessionSecret, token);
  if (claims === undefined) throw invalidSession();
  const user = await findActiveSessionUser(deps.db, claims.sessionId);
  if (user === undefined) throw invalidSession();
  return { ...claims, user };
}

export function sessionInfo(session: CurrentSession): SessionInfo {
  return { user: session.user, expiresAt: session.expiresAt.toISOString() };
}

export async function logout(deps: AccountDeps, session: CurrentSession): Promise<void> {
  await revokeSession(deps.db, session.sessionId);
}

export async function getUser(deps: AccountDeps, session: CurrentSession, userId: string): Promise<User> {
  const user = session.user.id === userId ? await findUser(deps.db, userId) : undefined;
  if (user === undefined) throw notFound('user');
  return user;
}

export async function updateUser(
  deps: AccountDeps,
  session: CurrentSession,
  userId: string,
  input: UpdateProfileRequest,
): Promise<User> {
  const user = session.user.id === userId ? await updateUserName(deps.db, userId, input.name) : undefined;
  if (user === undefined) throw notFound('user');
  return user;
}
