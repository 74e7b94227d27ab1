// profiles, asked whether a bearer token is a live session. Tokens are revocable (logout), so a
// signature check alone would accept a logged-out token: placing an order is worth the call.
import { SessionInfo } from '@trio/contracts/profiles';
import { PeerUnavailable, type RestPeer } from '@trio/service-runtime/peer';

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
  return {
    async caller(token) {
      const reply = await peer.request('GET', '/sessions/current', { token });
      if (reply.status === 401) return undefined;
      if (reply.status !== 200) {
        throw new PeerUnavailable(peer.name, new Error(`GET /sessions/current answered ${reply.status}`));
      }
      const { user } = SessionInfo.parse(reply.body);
      return { userId: user.id, email: user.email, name: user.name };
    },
  };
}
