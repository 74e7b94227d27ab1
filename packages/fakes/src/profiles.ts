// The profiles fake: accounts and sessions in memory (SessionBook), with the fixed dev session.
// Scenarios: `normal` (sessions as issued), `expired-session` (every session check is a 401, as
// after a logout or expiry), plus `slow` and `down`.
import type { profilesRoutes } from '@trio/contracts/profiles';
import type { RestHandlers } from './rest.ts';
import { errorAnswer } from './rest.ts';
import type { FakeScenarios } from './scenarios.ts';
import type { SessionBook } from './sessions.ts';

export const profilesScenarios: FakeScenarios = {
  fake: 'profiles',
  scenarios: {
    normal:
      'registers, logs in and checks sessions in memory; the dev session `trio-dev-session` is always valid',
    'expired-session': 'every session check answers 401, as for a revoked or expired token',
  },
};

type Body = Record<string, string>;

export function profilesHandlers(sessions: SessionBook): RestHandlers<typeof profilesRoutes> {
  const bearer = (header: (name: string) => string | undefined) =>
    /^Bearer (.+)$/.exec(header('authorization') ?? '')?.[1] ?? '';
  return {
    register: ({ body }) => {
      const { email = '', password = '', name = '' } = body as Body;
      const user = sessions.register(email, password, name);
      return user === undefined
        ? errorAnswer(409, 'conflict', 'An account with this email exists')
        : { status: 201, body: user };
    },
    login: ({ body }) => {
      const { email = '', password = '' } = body as Body;
      const session = sessions.login(email, password);
      return session === undefined
        ? errorAnswer(401, 'unauthorized', 'Wrong email or password')
        : { status: 201, body: session };
    },
    getCurrentSession: ({ header, scenario }) => {
      const session = sessions.find(bearer(header));
      if (session === undefined || scenario === 'expired-session')
        return errorAnswer(401, 'unauthorized', 'The session is not valid');
      return { status: 200, body: { user: session.user, expiresAt: session.expiresAt } };
    },
    logout: ({ header }) => {
      sessions.revoke(bearer(header));
      return { status: 204 };
    },
    getUser: ({ params, userId }) => {
      const user = params.userId === userId ? sessions.user(userId ?? '') : undefined;
      return user === undefined ? errorAnswer(404, 'not_found', 'No such user') : { status: 200, body: user };
    },
    listAddresses: ({ params, userId }) =>
      params.userId === userId
        ? { status: 200, body: { items: [] } }
        : errorAnswer(404, 'not_found', 'No such user'),
  };
}
