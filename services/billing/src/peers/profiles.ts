// profiles, asked whether a bearer token is a live session. Tokens are revocable (logout), so a
// signature check alone would accept a logged-out token: placing an order is worth the call.
import { profilesRoutes } from '@trio/contracts/profiles';
import type { RestPeer } from '@trio/service-runtime/peer';
import { createRestClient } from '@trio/service-runtime/rest-client';

export interface Caller {
  userId: string;
  email: string;
  name: string;
}

export interface ProfilesPeer {
  /** The session's user, or undefined when the token is not a live session. */
  caller(token: string): Promise<Caller | undefined>;
}

export function profilesPeer(peer: RestPeer): ProfilesPeer {
  const profiles = createRestClient(peer, profilesRoutes);
  return {
    async caller(token) {
      const reply = await profiles.getCurrentSession({ token });
      if (reply.status === 401) return undefined;
      const { user } = reply.body;
      return { userId: user.id, email: user.email, name: user.name };
    },
  };
}
