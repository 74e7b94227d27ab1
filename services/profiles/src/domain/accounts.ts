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
import { countAttempt, emailKey, ipKey } from '../data-access/login-attempts.ts';
import { findActiveSessionUser, insertSession, revokeSession } from '../data-access/sessions.ts';
import { findCredentials, findUser, insertUser, updateUserName } from '../data-access/users.ts';
import { emailTaken, invalidCredentials, invalidSession, notFound, TooManyAttempts } from './errors.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { signSessionToken, verifySessionToken } from './session-token.ts';

export interface LoginLimits {
  perEmail: number;
  perIp: number;
  windowSeconds: number;
}

export interface AccountDeps {
  db: Postgres;
  redis: Redis;
  sessionSecret: string;
  sessionTtlSeconds: number;
  loginLimits: LoginLimits;
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

export async function register(deps: AccountDeps, input: RegisterRequest): Promise<User> {
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

export async function login(deps: AccountDeps, input: LoginRequest, clientIp: string): Promise<Session> {
  const email = normaliseEmail(input.email);
  const { perEmail, perIp, windowSeconds } = deps.loginLimits;
  // Counted before the password is checked: a guesser pays for every attempt, right or wrong.
  const [byEmail, byIp] = await Promise.all([
    countAttempt(deps.redis, emailKey(email), windowSeconds),
    countAttempt(deps.redis, ipKey(clientIp), windowSeconds),
  ]);
  const blocked = [byEmail.count > perEmail && byEmail, byIp.count > perIp && byIp].filter(
    (w) => w !== false,
  );
  if (blocked.length > 0) throw new TooManyAttempts(Math.max(...blocked.map((w) => w.resetsIn)));

  const credentials = await findCredentials(deps.db, email);
  // Verify even when the email is unknown, so both failures take the time of one argon2 check.
  const valid = await verifyPassword(credentials?.passwordHash ?? deps.dummyHash, input.password);
  if (credentials === undefined || !valid) throw invalidCredentials();

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
