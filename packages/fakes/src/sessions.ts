// The sessions the fakes share: the fake profiles issues them, every fake route with
// `auth: 'session'` checks them. One is fixed and documented, so that a service alone accepts
// requests without logging in first (docs/one-service.md):
//
//   Authorization: Bearer trio-dev-session
//
// It exists only in the fakes, which refuse to start with NODE_ENV=production (start.ts); the real
// profiles never knows it.
import { randomBytes } from 'node:crypto';
import type { User } from '@trio/contracts/profiles';

export const devSessionToken = 'trio-dev-session';
export const devUser: User = {
  id: '00000000-0000-4000-8000-00000000d0e5',
  email: 'dev.shopper@example.com',
  name: 'Dev Shopper',
  createdAt: '2026-01-01T00:00:00.000Z',
};

export interface FakeSession {
  token: string;
  user: User;
  expiresAt: string;
}

export class SessionBook {
  readonly #sessions = new Map<string, FakeSession>();
  readonly #users = new Map<string, { user: User; password: string }>();

  constructor() {
    this.#users.set(devUser.email, { user: devUser, password: 'correct horse battery' });
    this.#sessions.set(devSessionToken, { token: devSessionToken, user: devUser, expiresAt: inADay() });
  }

  find(token: string): FakeSession | undefined {
    return this.#sessions.get(token);
  }

  user(id: string): User | undefined {
    return [...this.#users.values()].find((entry) => entry.user.id === id)?.user;
  }

  /** A new user, or undefined when the email is taken. */
  register(email: string, password: string, name: string): User | undefined {
    if (this.#users.has(email)) return undefined;
    const user: User = { id: crypto.randomUUID(), email, name, createdAt: new Date().toISOString() };
    this.#users.set(email, { user, password });
    return user;
  }

  login(email: string, password: string): FakeSession | undefined {
    const entry = this.#users.get(email);
    if (entry === undefined || entry.password !== password) return undefined;
    return this.open(entry.user);
  }

  open(user: User): FakeSession {
    const session = { token: randomBytes(24).toString('base64url'), user, expiresAt: inADay() };
    this.#sessions.set(session.token, session);
    return session;
  }

  revoke(token: string): void {
    if (token !== devSessionToken) this.#sessions.delete(token);
  }
}

function inADay(): string {
  return new Date(Date.now() + 86_400_000).toISOString();
}
